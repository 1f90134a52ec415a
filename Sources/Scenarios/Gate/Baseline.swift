import Model
import Sim

/// How `simrun check` judges one scenario's figures. Stored in the baseline file, where it
/// may be edited by hand (and is kept when the baseline is refreshed).
public struct GateSettings: Sendable, Equatable {
    /// A figure fails only if it moved by more than this fraction of its baseline value...
    public var threshold = 0.05
    /// ...and a one-sided Mann-Whitney test over the replications, against the baseline
    /// values shifted by that threshold, gives p below this. A check tests many figures (90
    /// for six-instance-starts), so the level is strict: at 0.01 one figure of one of 20
    /// unchanged seeds failed in the flapping test; at 0.001 none does. With 10 replications
    /// the smallest reachable p is about 1e-4, so a real regression (most replications worse
    /// by more than the threshold) still fails.
    public var alpha = 0.001
    /// Which wait_seconds statistics are gated.
    public var statistics = ["p50", "p90", "p99", "max"]
    /// Which op counts are gated (`effect_violations` counts lost work).
    public var counts = ["executed", "errored", "aborted", "waits_timed_out", "effect_violations"]
    /// Gated queues and tasks; nil gates every queue and task the baseline run used.
    public var queues: [String]?
    public var tasks: [String]?
    /// Thresholds for single figures, by figure path (`plan/wait_seconds/by_task/X/p99`).
    public var thresholds: [String: Double] = [:]

    public init() {}

    public func threshold(for path: String) -> Double { thresholds[path] ?? threshold }

    /// Whether `figure` is gated: the chosen counts, and the chosen statistics of wait_seconds
    /// and effect_seconds overall and by the chosen queues and tasks.
    public func gates(_ figure: Figure) -> Bool {
        switch figure {
        case .ops(let counter): return counts.contains(counter.rawValue)
        case .effectViolations: return counts.contains("effect_violations")
        case .distribution(.completion, _, _), .virtualSeconds, .jobs: return false
        case .distribution(_, .all, let statistic): return statistics.contains(statistic.rawValue)
        case .distribution(_, .group(let grouping, let name), let statistic):
            guard statistics.contains(statistic.rawValue) else { return false }
            switch grouping {
            case .queue: return queues.map { $0.contains(name) } ?? true
            case .task: return tasks.map { $0.contains(name) } ?? true
            case .opType: return false
            }
        }
    }
}

/// One scenario's entry in a baseline file: how it was run and what it gave.
public struct BaselineEntry: Sendable {
    /// The scenario file, as given when the baseline was written (relative to where simrun runs).
    public var file: String
    public var variants: [String]
    public var seed: UInt64
    public var replications: Int
    public var warmup: Duration
    /// ``ReplicatedReport/fingerprint`` of the baseline run.
    public var fingerprint: String
    public var gate: GateSettings
    /// Each gated figure's value in each replication, by path, in a stable order.
    public var figures: [(path: String, values: [Double?])]

    public init(file: String, variants: [String], seed: UInt64, replications: Int, warmup: Duration,
                fingerprint: String, gate: GateSettings, figures: [(path: String, values: [Double?])]) {
        self.file = file
        self.variants = variants
        self.seed = seed
        self.replications = replications
        self.warmup = warmup
        self.fingerprint = fingerprint
        self.gate = gate
        self.figures = figures
    }

}

/// A baseline file (`results/*.json`): what `simrun check` compares new runs against.
public struct Baseline: Sendable {
    public static let format = "simrun-baseline/1"
    public var scenarios: [BaselineEntry]

    public init(scenarios: [BaselineEntry]) { self.scenarios = scenarios }

    /// The gated figures of `report` under `gate`: `variant/wait_seconds/.../stat` and
    /// `variant/ops/count` paths with their per-replication values.
    public static func gatedFigures(of report: ReplicatedReport, gate: GateSettings) -> [(path: String, values: [Double?])] {
        var out: [(path: String, values: [Double?])] = []
        for run in report.runs {
            for (figure, values) in run.figures where gate.gates(figure) {
                out.append((path: ([run.variant] + figure.path).joined(separator: "/"), values: values))
            }
        }
        return out
    }

    // MARK: JSON

    public var json: JSONValue {
        .object([
            ("format", .string(Self.format)),
            ("scenarios", .array(scenarios.map { entry in
                var thresholds: [(String, JSONValue)] = []
                for key in entry.gate.thresholds.keys.sorted() {
                    thresholds.append((key, .number(entry.gate.thresholds[key] ?? 0)))
                }
                var gate: [(String, JSONValue)] = [
                    ("threshold", .number(entry.gate.threshold)),
                    ("alpha", .number(entry.gate.alpha)),
                    ("statistics", .array(entry.gate.statistics.map { .string($0) })),
                    ("counts", .array(entry.gate.counts.map { .string($0) })),
                ]
                if let queues = entry.gate.queues { gate.append(("queues", .array(queues.map { .string($0) }))) }
                if let tasks = entry.gate.tasks { gate.append(("tasks", .array(tasks.map { .string($0) }))) }
                gate.append(("thresholds", .object(thresholds)))
                return .object([
                    ("file", .string(entry.file)),
                    ("variants", .array(entry.variants.map { .string($0) })),
                    ("seed", .uint(entry.seed)),
                    ("replications", .int(entry.replications)),
                    ("warmup_seconds", .number(entry.warmup.seconds)),
                    ("fingerprint", .string(entry.fingerprint)),
                    ("gate", .object(gate)),
                    ("figures", .object(entry.figures.map { figure in
                        (figure.path, .array(figure.values.map { $0.map(JSONValue.number) ?? .null }))
                    })),
                ])
            })),
        ])
    }

    /// Reads a baseline file. JSON is YAML, so the scenario reader reports mistakes with the
    /// same one-line `FILE:LINE: KEY.PATH: ...` errors.
    public static func load(path: String,
                            maxBytes: Int = YAMLInputLimits.defaultMaxBytes) throws(ScenarioError) -> Baseline {
        let document = try YAMLDocument.load(path: path, maxBytes: maxBytes)
        let top = try document.root.mapping(allowedKeys: ["format", "scenarios"])
        let formatNode = try top.required("format")
        guard try formatNode.string() == format else { throw formatNode.expected("\"\(format)\"") }
        var entries: [BaselineEntry] = []
        let scenariosNode = try top.required("scenarios")
        for item in try scenariosNode.elements() {
            let fields = try item.mapping(allowedKeys: ["file", "variants", "seed", "replications", "warmup_seconds",
                                                        "fingerprint", "gate", "figures"])
            var variants: [String] = []
            let variantsNode = try fields.required("variants")
            for variant in try variantsNode.elements() { variants.append(try variant.string()) }
            guard !variants.isEmpty else { throw variantsNode.expected("at least one variant") }
            let replications = try fields.required("replications").int(in: 1...100_000)
            let (gate, thresholds) = try readGate(fields.optional("gate"))
            let figures = try readFigures(fields.required("figures"), variants: variants, replications: replications,
                                          gate: gate)
            // A threshold for a figure the entry does not hold would be quietly unused.
            let paths = Set(figures.map(\.path))
            for threshold in thresholds where !paths.contains(threshold.key) {
                throw threshold.value.error("\(quoted(threshold.key)) names no figure of this entry")
            }
            let fingerprintNode = try fields.required("fingerprint")
            let fingerprint = try fingerprintNode.string()
            guard fingerprint.count == 16, fingerprint.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else {
                throw fingerprintNode.expected("16 lower-case hex digits")
            }
            entries.append(BaselineEntry(
                file: try fields.required("file").name(), variants: variants,
                seed: try fields.required("seed").uint64(), replications: replications,
                warmup: .seconds(double: try fields.optional("warmup_seconds")?.double(in: 0...maximumSeconds) ?? 0),
                fingerprint: fingerprint, gate: gate, figures: figures))
        }
        guard !entries.isEmpty else { throw scenariosNode.expected("at least one scenario") }
        return Baseline(scenarios: entries)
    }

    /// The longest duration, in whole seconds (about 2562047 h).
    static let maximumSeconds = Double(Duration.longest.components.seconds)

    /// The largest figure a baseline may hold: counts and seconds of a run within every budget
    /// are far below it, and anything above (1e308) can only be a corrupted file.
    static let maximumFigure = 1e12

    /// `figures: {"variant/path": [value per replication]}`: at least one figure, each with
    /// exactly one value (or null) per replication, each value from 0 to ``maximumFigure``,
    /// each path one of the entry's variants followed by a figure its `gate` chooses (any
    /// other would be judged missing from every run, a regression nobody made).
    private static func readFigures(_ node: YAMLNode, variants: [String], replications: Int,
                                    gate: GateSettings) throws(ScenarioError) -> [(path: String, values: [Double?])] {
        var figures: [(path: String, values: [Double?])] = []
        for entry in try node.entries() {
            // The longest variant the path starts with (a variant's name may hold a slash).
            guard let variant = variants.filter({ entry.key.hasPrefix($0 + "/") }).max(by: { $0.count < $1.count }) else {
                throw entry.value.error("figure \(quoted(entry.key)) names no variant of this entry (variants: "
                                        + variants.joined(separator: ", ") + ")")
            }
            let rest = entry.key.dropFirst(variant.count + 1).split(separator: "/", omittingEmptySubsequences: false)
            guard let figure = Figure(path: rest.map(String.init)) else {
                throw entry.value.error("figure \(quoted(entry.key)): not a figure simrun reports (ops/COUNTER, "
                                        + "effect_violations, METRIC/all/STAT or METRIC/by_queue|by_task/NAME/STAT)")
            }
            guard gate.gates(figure) else {
                throw entry.value.error("figure \(quoted(entry.key)) is not one this entry's gate chooses (its counts, "
                                        + "statistics, queues and tasks); write the baseline again")
            }
            let items = try entry.value.elements()
            guard items.count == replications else {
                throw entry.value.error("expected one value per replication (\(replications)), got \(items.count)")
            }
            var values: [Double?] = []
            for value in items {
                values.append(value.isNull ? nil : try value.double(in: 0...maximumFigure))
            }
            figures.append((path: entry.key, values: values))
        }
        guard !figures.isEmpty else { throw node.expected("at least one figure") }
        return figures
    }

    /// The gate, and its `thresholds` entries (checked against the figures once they are read).
    private static func readGate(_ node: YAMLNode?) throws(ScenarioError) -> (GateSettings, thresholds: [YAMLEntry]) {
        var gate = GateSettings()
        var thresholds: [YAMLEntry] = []
        guard let node else { return (gate, thresholds) }
        let fields = try node.mapping(allowedKeys: ["threshold", "alpha", "statistics", "counts", "queues", "tasks",
                                                    "thresholds"])
        if let value = fields.optional("threshold") { gate.threshold = try value.double(in: 0...10) }
        if let value = fields.optional("alpha") { gate.alpha = try value.double(in: 0...1) }
        if let value = fields.optional("statistics") {
            gate.statistics = []
            for item in try value.elements() {
                gate.statistics.append(try item.enumValue(Statistic.allCases.map(\.rawValue)))
            }
        }
        if let value = fields.optional("counts") {
            gate.counts = []
            for item in try value.elements() {
                gate.counts.append(try item.enumValue(OpCounter.allCases.map(\.rawValue) + ["effect_violations"]))
            }
        }
        if let value = fields.optional("queues") {
            var names: [String] = []
            for item in try value.elements() { names.append(try item.string()) }
            gate.queues = names
        }
        if let value = fields.optional("tasks") {
            var names: [String] = []
            for item in try value.elements() { names.append(try item.string()) }
            gate.tasks = names
        }
        if let value = fields.optional("thresholds") {
            thresholds = try value.entries()
            for entry in thresholds { gate.thresholds[entry.key] = try entry.value.double(in: 0...10) }
        }
        return (gate, thresholds)
    }
}
