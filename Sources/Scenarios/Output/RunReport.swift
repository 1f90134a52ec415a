import Model
import Sim

/// One variant's run, as reported: the model's result plus what the CLI measured around it.
public struct VariantRun: Sendable {
    public var variant: String
    public var era: Era
    public var result: RunResult
    /// Wall-clock seconds the run took (left out under `--deterministic`).
    public var wallSeconds: Double?

    public init(variant: String, era: Era, result: RunResult, wallSeconds: Double?) {
        self.variant = variant
        self.era = era
        self.result = result
        self.wallSeconds = wallSeconds
    }
}

/// What `run` and `compare` print, single or replicated.
public protocol SimulationReport: Sendable {
    var json: JSONValue { get }
    /// Every run (or replication) completed: no time limit hit, nothing stuck.
    var isWhole: Bool { get }
    /// Coalescing lost work in some run.
    var hasEffectViolations: Bool { get }
    /// The report in the one report model, which the CSV, HTML and histogram outputs read.
    var model: ReplicatedReport { get }
}

/// The report of `simrun run`: one scenario, one seed, one entry per variant.
///
/// The runs are held twice over: as the model's results (for what only a single run lists:
/// its ending, timed-out waits, lost work, the trace) and as the one report model
/// (``variants``, each a replicated variant of one replication), from which every figure is
/// read.
public struct RunReport: SimulationReport {
    public var scenario: String
    public var seed: UInt64
    public let runs: [VariantRun]
    /// The runs in the one report model: each variant with a single replication.
    public let variants: [ReplicatedVariant]
    public var warmup: Duration = .zero
    /// Step 7's figures, for a fairness study (``Scenario/isFairnessStudy``).
    public var fairness: FairnessSection?

    public init(scenario: String, seed: UInt64, runs: [VariantRun]) {
        self.scenario = scenario
        self.seed = seed
        self.runs = runs
        variants = runs.map { ReplicatedVariant(variant: $0.variant, era: $0.era, results: [$0.result]) }
    }

    /// This report as the one report model: a replicated report of one replication.
    public var model: ReplicatedReport {
        let walls = runs.compactMap(\.wallSeconds)
        var report = ReplicatedReport(scenario: scenario, file: "", seed: seed, seeds: [seed], warmup: warmup,
                                      runs: variants, wallSeconds: walls.isEmpty ? nil : walls.reduce(0, +))
        report.fairness = fairness
        return report
    }

    /// Coalescing lost work in some variant.
    public var hasEffectViolations: Bool { runs.contains { !$0.result.effectViolations.isEmpty } }

    /// True when every variant completed (no time limit hit, nothing stuck, no model error).
    public var isWhole: Bool {
        runs.allSatisfy { run in
            if case .completed = run.result.ending { return run.result.failures.isEmpty }
            return false
        }
    }

    /// The trace of every run (when traced), one event a line:
    /// `variant time kind op task queue by detail`, tab-separated, times in seconds.
    public var traceLines: String {
        var out = "variant\ttime\tkind\top\ttask\tqueue\tby\tdetail\n"
        for run in runs {
            for event in run.result.trace {
                out += [run.variant, formatFixed(event.time.seconds, decimals: 6), event.kind.rawValue,
                        event.op.description, event.task, event.queue, event.by, event.detail]
                    .joined(separator: "\t") + "\n"
            }
        }
        return out
    }

    // MARK: JSON

    public var json: JSONValue {
        .object([
            ("scenario", .string(scenario)),
            ("seed", .uint(seed)),
            ("runs", .array(zip(runs, variants).map { run, figures in
                guard let fairness = fairness?.json(variant: run.variant),
                      case .object(let fields) = Self.json(for: run, figures: figures) else {
                    return Self.json(for: run, figures: figures)
                }
                return .object(fields + [("fairness", fairness)])
            })),
        ])
    }

    /// Each run as JSON, in order.
    public var runsJSON: [JSONValue] { zip(runs, variants).map { Self.json(for: $0, figures: $1) } }

    /// One run's JSON: how it ended and what it lost (from the result), and its figures from
    /// the report model, counts as integers.
    static func json(for run: VariantRun, figures: ReplicatedVariant) -> JSONValue {
        let result = run.result
        func counter(_ counter: OpCounter) -> Int { Int(figures.values(.ops(counter)).first.flatMap { $0 } ?? 0) }
        var ending: [(String, JSONValue)] = []
        switch result.ending {
        case .completed: ending.append(("state", .string("completed")))
        case .stuck(let tasks):
            ending.append(("state", .string("stuck")))
            ending.append(("waiting_tasks", .array(tasks.map { .string($0) })))
        case .timeLimit(let tasks):
            ending.append(("state", .string("time_limit")))
            ending.append(("waiting_tasks", .array(tasks.map { .string($0) })))
        case .noProgress(let looping):
            ending.append(("state", .string("no_progress")))
            ending.append(("looping_tasks", .array(looping.map { .string($0) })))
        case .jobLimit(let busiest):
            ending.append(("state", .string("job_limit")))
            ending.append(("busiest_tasks", .array(busiest.map { .string($0) })))
        }
        if let reason = result.endingReason { ending.append(("reason", .string(reason))) }
        ending.append(("pending_ops", .array(result.pendingOps.map { .string($0.description) })))
        if !result.failures.isEmpty { ending.append(("model_errors", .array(result.failures.map { .string($0) }))) }
        return .object([
            ("variant", .string(run.variant)),
            ("era", .string(run.era.rawValue)),
            ("ending", .object(ending)),
            ("ops", .object(OpCounter.allCases.map { ($0.rawValue, .int(counter($0))) })),
            ("timed_out_waits", .array(result.timedOutWaits.map { wait in
                .object([
                    ("at", .number(wait.at.seconds)),
                    ("waiter", .string(wait.waiter)),
                    ("op", .string(wait.op.description)),
                    ("where", .string(wait.whereabouts)),
                ])
            })),
            ("effect_violations", .array(result.effectViolations.map { violation in
                .object([
                    ("op", .string(violation.victim)),
                    ("kind", .string(violation.kind.rawValue)),
                    ("task", .string(violation.task.name)),
                    ("effect", .string(violation.effect)),
                    ("survivor", .string(violation.survivor.description)),
                    ("reason", .string(violation.reason)),
                ])
            })),
        ] + JSONValue.nest(figures.figures.compactMap { figure, values in
            guard case .distribution = figure, let value = values.first.flatMap({ $0 }) else { return nil }
            return (figure.path, figure.isCount ? .int(Int(value)) : .number(value))
        }) + [
            ("database", databaseJSON(result.load)),
            // Wall-clock time is left out under --deterministic, so the bytes depend only on the
            // scenario and the seed.
            ("sim", .object([("virtual_seconds", .number(result.virtualTime.seconds))]
                + (run.wallSeconds.map { [("wall_seconds", JSONValue.number($0))] } ?? [])
                + [("jobs", .int(Int(result.jobs)))])),
        ])
    }

    /// The database load: round trips the real system would have made (skipped polls
    /// included), in all and per kind of connection.
    static func databaseJSON(_ load: DatabaseLoad) -> JSONValue {
        func counts(_ counts: DatabaseLoad.Counts) -> [(String, JSONValue)] {
            [("round_trips", .int(counts.roundTrips)), ("claims", .int(counts.claims)),
             ("empty_claims", .int(counts.emptyClaims))]
        }
        return .object(counts(load.total) + [
            ("by_kind", .object(load.sorted.map { ($0.kind, .object(counts($0.counts))) })),
        ])
    }
}
