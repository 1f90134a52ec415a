import Model
import Sim

/// One variant's replications (a single run is one replication).
public struct ReplicatedVariant: Sendable {
    public var variant: String
    public var era: Era
    /// One result per replication, in replication order. When the replications were folded
    /// in as they ended (``Replicator``), only the first keeps its histograms; the others'
    /// are pooled (``pooled(_:)``) and summarised (``figures``).
    public let results: [RunResult]
    /// Every figure of the report (``Figure/table(of:)``) and its value in each replication
    /// (nil where a replication has no such figure, e.g. a queue none of its ops used).
    /// Computed once: histogram summaries are the expensive part.
    public let figures: [(figure: Figure, values: [Double?])]
    private let index: [Figure: Int]
    /// Every replication's histograms merged, for each of ``Metric/allCases``, when the
    /// results no longer hold them (nil: merged from `results` when asked).
    private let pooledBreakdowns: [Breakdown]?
    /// Wall-clock seconds this variant's runs took (a single run's; nil under --deterministic
    /// and for replications, whose time is the report's).
    public var wallSeconds: Double?

    public init(variant: String, era: Era, results: [RunResult], wallSeconds: Double? = nil) {
        self.variant = variant
        self.era = era
        self.results = results
        self.wallSeconds = wallSeconds
        figures = Figure.table(of: results)
        index = Dictionary(figures.enumerated().map { ($1.figure, $0) }, uniquingKeysWith: { first, _ in first })
        pooledBreakdowns = nil
    }

    /// Replications folded in as they ended: `results` (the first whole, the others without
    /// histograms), each replication's figures, and the histograms pooled
    /// (``Replicator/Fold``).
    init(variant: String, era: Era, results: [RunResult], figures: [Figure.RunValues], pooled: [Breakdown],
         wallSeconds: Double? = nil) {
        self.variant = variant
        self.era = era
        self.results = results
        self.wallSeconds = wallSeconds
        self.figures = Figure.table(of: figures)
        index = Dictionary(self.figures.enumerated().map { ($1.figure, $0) }, uniquingKeysWith: { first, _ in first })
        pooledBreakdowns = pooled
    }

    /// The same replications under another name and without a wall time of their own
    /// (``SensitivityReport``'s grid, whose report has none).
    public func renamed(_ name: String) -> ReplicatedVariant {
        var copy = self
        copy.variant = name
        copy.wallSeconds = nil
        return copy
    }

    /// The first replication's result: the run itself, for a report of a single run.
    public var result: RunResult { results[0] }

    /// The values of `figure`, one per replication (empty when no replication has it).
    public func values(_ figure: Figure) -> [Double?] {
        index[figure].map { figures[$0].values } ?? []
    }

    /// The sum of counts `figures` in each replication (errors: errored and aborted); a figure
    /// a replication lacks (a queue or task none of its ops had) counts 0.
    public func sum(_ figures: Figure...) -> [Double?] {
        let columns = figures.map(values)
        return results.indices.map { index in columns.reduce(0.0) { $0 + (index < $1.count ? $1[index] ?? 0 : 0) } }
    }

    /// The histograms of `metric` with every replication's waits pooled.
    public func pooled(_ metric: Metric) -> Breakdown {
        if let pooledBreakdowns, let at = Metric.allCases.firstIndex(of: metric) { return pooledBreakdowns[at] }
        var pooled = Breakdown()
        for result in results { pooled.merge(metric.breakdown(of: result)) }
        return pooled
    }

    /// Every replication completed (no time limit hit, nothing stuck, no model error).
    public var isWhole: Bool { endings.completed == results.count }

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

/// What `run` and `compare` print: the one report model (``ReplicatedReport``), or a grid of
/// them (``SensitivityReport``).
public protocol SimulationReport: Sendable {
    var json: JSONValue { get }
    /// Every run (or replication) completed: no time limit hit, nothing stuck.
    var isWhole: Bool { get }
    /// Coalescing lost work in some run.
    var hasEffectViolations: Bool { get }
    /// The report in the one report model, which the CSV, HTML and histogram outputs read.
    var model: ReplicatedReport { get }
}

/// The one report model of `run` and `compare`: every variant's replications, every figure's
/// per-replication values, their mean and a 95% Student-t confidence interval. A single run is
/// a report of one replication: the same table, JSON, CSV, HTML and gate, printed without
/// intervals and with what only one run can list (how it ended, its timed-out waits, its lost
/// work, its trace).
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

    public init(scenario: String, file: String, seed: UInt64, seeds: [UInt64], warmup: Duration,
                runs: [ReplicatedVariant], wallSeconds: Double?) {
        self.scenario = scenario
        self.file = file
        self.seed = seed
        self.seeds = seeds
        self.warmup = warmup
        self.runs = runs
        self.wallSeconds = wallSeconds
    }

    public var replications: Int { seeds.count }

    /// One replication per variant: printed as a single run.
    public var isSingleRun: Bool { replications == 1 }

    public var model: ReplicatedReport { self }

    /// True when every replication of every variant completed.
    public var isWhole: Bool { runs.allSatisfy(\.isWhole) }

    /// The variants whose idle rounds were approximated (``IdleRounds/approximate``), in order.
    var approximatedVariants: [String] { runs.filter { $0.idleRounds == .approximate }.map(\.variant) }

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

    /// `--format json`. Replicated, each figure is its mean, interval and per-replication
    /// values (``statistic(_:)``); a single run gives each figure's value itself, counts as
    /// integers, with how the run ended, its timed-out waits and its lost work in full.
    public var json: JSONValue { json(single: isSingleRun) }

    /// Each variant as JSON, in order (the `runs` of ``json``).
    public var runsJSON: [JSONValue] { runs.map { json(for: $0, single: isSingleRun) } }

    /// `fingerprinted: true` leaves out the kernel's job count and the database load (see
    /// ``fingerprint``).
    func json(single: Bool, fingerprinted: Bool = false) -> JSONValue {
        var top: [(String, JSONValue)] = [("scenario", .string(scenario)), ("seed", .uint(seed))]
        if !single {
            top += [
                ("replications", .int(replications)),
                ("seeds", .array(seeds.map { .uint($0) })),
                ("warmup_seconds", .number(warmup.seconds)),
            ]
        }
        top.append(("runs", .array(runs.map { json(for: $0, single: single, fingerprinted: fingerprinted) })))
        if !single, let wallSeconds { top.append(("wall_seconds", .number(wallSeconds))) }
        return .object(top)
    }

    private func json(for run: ReplicatedVariant, single: Bool, fingerprinted: Bool = false) -> JSONValue {
        var fields: [(String, JSONValue)] = [("variant", .string(run.variant)), ("era", .string(run.era.rawValue))]
        if single {
            fields.append(("ending", run.result.endingJSON))
        } else {
            let endings = run.endings
            // The guards' endings appear only when they happened, so reports of whole runs
            // (and the fingerprints of baselines) are what they were before the guards.
            fields.append(("endings", .object([("completed", .int(endings.completed)),
                                               ("time_limit", .int(endings.timeLimit)), ("stuck", .int(endings.stuck))]
                                              + (endings.noProgress > 0 ? [("no_progress", .int(endings.noProgress))] : [])
                                              + (endings.jobLimit > 0 ? [("job_limit", .int(endings.jobLimit))] : []))))
        }
        var entries: [([String], JSONValue)] = []
        for (figure, values) in run.figures where !fingerprinted || figure != .jobs {
            guard single else {
                entries.append((figure.path, Self.statistic(values)))
                continue
            }
            // A single run: each figure's value; the lost work listed (after the timed-out
            // waits), and the run's wall time beside its virtual time.
            switch figure {
            case .effectViolations:
                entries.append((["timed_out_waits"], run.result.timedOutWaitsJSON))
                entries.append((figure.path, run.result.effectViolationsJSON))
            case .jobs:
                entries.append((["database"], run.result.databaseJSON))
                if let wall = run.wallSeconds { entries.append((["sim", "wall_seconds"], .number(wall))) }
                fallthrough
            default:
                guard let value = values.first.flatMap({ $0 }) else { continue }
                entries.append((figure.path, figure.isCount ? .int(Int(value)) : .number(value)))
            }
        }
        // Replicated, the database load follows the figures; like a single run's, it stays
        // out of the fingerprint (``RunResult/databaseJSON``).
        if !single && !fingerprinted { entries.append((["database"], run.replicatedDatabaseJSON)) }
        fields += JSONValue.nest(entries)
        if let fairness = fairness?.json(variant: run.variant) { fields.append(("fairness", fairness)) }
        return .object(fields)
    }

    /// A 64-bit FNV-1a hash of the JSON without wall-clock figures, the kernel's job count
    /// and the database load, as 16 hex digits: equal fingerprints mean the model behaved
    /// identically, replication by replication. The job count is what the simulation cost, not
    /// what the model did (skipped and naive polling differ in it alone), so a change to the
    /// kernel or to how idle polls are skipped leaves the fingerprint as it was; the database
    /// load was never in it (baselines written before the replicated JSON gave it keep their
    /// fingerprints). Always of the replicated form of the JSON, whatever the number of
    /// replications.
    public var fingerprint: String {
        var copy = self
        copy.wallSeconds = nil
        let hex = String(fnv1a(copy.json(single: false, fingerprinted: true).rendered()), radix: 16)
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
