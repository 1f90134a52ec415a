import Model
import Sim

/// One variant's replications.
public struct ReplicatedVariant: Sendable {
    public var variant: String
    public var era: Era
    /// One result per replication, in replication order.
    public let results: [RunResult]
    /// Every figure of the report (``Figure/table(of:)``) and its value in each replication
    /// (nil where a replication has no such figure, e.g. a queue none of its ops used).
    /// Computed once: histogram summaries are the expensive part.
    public let figures: [(figure: Figure, values: [Double?])]
    private let index: [Figure: Int]

    public init(variant: String, era: Era, results: [RunResult]) {
        self.variant = variant
        self.era = era
        self.results = results
        figures = Figure.table(of: results)
        index = Dictionary(figures.enumerated().map { ($1.figure, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The values of `figure`, one per replication (empty when no replication has it).
    public func values(_ figure: Figure) -> [Double?] {
        index[figure].map { figures[$0].values } ?? []
    }

    /// The histograms of `metric` with every replication's waits pooled.
    public func pooled(_ metric: Metric) -> Breakdown {
        var pooled = Breakdown()
        for result in results { pooled.merge(metric.breakdown(of: result)) }
        return pooled
    }

    /// How the replications ended (a replication with a model error does not count as
    /// completed).
    public var endings: (completed: Int, timeLimit: Int, stuck: Int, noProgress: Int, jobLimit: Int) {
        results.reduce(into: (0, 0, 0, 0, 0)) { tally, result in
            switch result.ending {
            case .completed: if result.failures.isEmpty { tally.0 += 1 }
            case .timeLimit: tally.1 += 1
            case .stuck: tally.2 += 1
            case .noProgress: tally.3 += 1
            case .jobLimit: tally.4 += 1
            }
        }
    }
}

/// The report of a replicated `run` or `compare`: every figure's per-replication values,
/// their across-replication mean and a 95% Student-t confidence interval.
public struct ReplicatedReport: SimulationReport {
    public var scenario: String
    public var file: String
    public var seed: UInt64
    /// The seed of each replication.
    public var seeds: [UInt64]
    public var warmup: Duration
    public var runs: [ReplicatedVariant]
    /// Wall-clock seconds for all replications together (nil under --deterministic).
    public var wallSeconds: Double?
    /// Step 7's figures, for a fairness study (``Scenario/isFairnessStudy``).
    public var fairness: FairnessSection? = nil

    public var replications: Int { seeds.count }

    public var model: ReplicatedReport { self }

    /// True when every replication of every variant completed.
    public var isWhole: Bool { runs.allSatisfy { $0.endings.completed == $0.results.count } }

    public var hasEffectViolations: Bool {
        runs.contains { $0.results.contains { !$0.effectViolations.isEmpty } }
    }

    /// One figure across replications: mean, 95% interval and the values themselves.
    static func statistic(_ values: [Double?]) -> JSONValue {
        let present = values.compactMap { $0 }
        guard !present.isEmpty else { return .null }
        let summary = ReplicationSummary(present, confidence: 0.95)
        let interval: JSONValue = present.count > 1
            ? .array([.number(summary.lower), .number(summary.upper)]) : .null
        return .object([
            ("mean", .number(summary.mean)),
            ("ci95", interval),
            ("n", .int(present.count)),
            ("values", .array(values.map { $0.map(JSONValue.number) ?? .null })),
        ])
    }

    public var json: JSONValue {
        var top: [(String, JSONValue)] = [
            ("scenario", .string(scenario)),
            ("seed", .uint(seed)),
            ("replications", .int(replications)),
            ("seeds", .array(seeds.map { .uint($0) })),
            ("warmup_seconds", .number(warmup.seconds)),
        ]
        top.append(("runs", .array(runs.map { run in
            let endings = run.endings
            var fields: [(String, JSONValue)] = [
                ("variant", .string(run.variant)),
                ("era", .string(run.era.rawValue)),
                // The guards' endings appear only when they happened, so reports of whole runs
                // (and the fingerprints of baselines) are what they were before the guards.
                ("endings", .object([("completed", .int(endings.completed)), ("time_limit", .int(endings.timeLimit)),
                                     ("stuck", .int(endings.stuck))]
                                    + (endings.noProgress > 0 ? [("no_progress", .int(endings.noProgress))] : [])
                                    + (endings.jobLimit > 0 ? [("job_limit", .int(endings.jobLimit))] : []))),
            ]
            fields += JSONValue.nest(run.figures.map { ($0.figure.path, Self.statistic($0.values)) })
            if let fairness = fairness?.json(variant: run.variant) { fields.append(("fairness", fairness)) }
            return .object(fields)
        })))
        if let wallSeconds { top.append(("wall_seconds", .number(wallSeconds))) }
        return .object(top)
    }

    /// A 64-bit FNV-1a hash of the JSON without wall-clock figures, as 16 hex digits: equal
    /// fingerprints mean the model behaved identically, replication by replication.
    public var fingerprint: String {
        var copy = self
        copy.wallSeconds = nil
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in copy.json.rendered().utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

extension JSONValue {
    /// Builds nested objects from `(path, value)` pairs, keeping first-seen key order.
    static func nest(_ entries: [([String], JSONValue)]) -> [(String, JSONValue)] {
        var order: [String] = []
        var leaves: [String: JSONValue] = [:]
        var children: [String: [([String], JSONValue)]] = [:]
        for (path, value) in entries {
            guard let head = path.first else { continue }
            if leaves[head] == nil && children[head] == nil { order.append(head) }
            if path.count == 1 {
                leaves[head] = value
            } else {
                children[head, default: []].append((Array(path.dropFirst()), value))
            }
        }
        return order.map { key in
            if let leaf = leaves[key] { return (key, leaf) }
            return (key, .object(nest(children[key] ?? [])))
        }
    }
}
