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
}

/// The report of `simrun run`: one scenario, one seed, one entry per variant.
public struct RunReport: SimulationReport {
    public var scenario: String
    public var seed: UInt64
    public var runs: [VariantRun]
    /// Step 7's figures, for a fairness study (``Scenario/isFairnessStudy``).
    public var fairness: FairnessSection?

    public init(scenario: String, seed: UInt64, runs: [VariantRun]) {
        self.scenario = scenario
        self.seed = seed
        self.runs = runs
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
            ("runs", .array(runs.map { run in
                guard let fairness = fairness?.json(variant: run.variant),
                      case .object(let fields) = Self.json(for: run) else { return Self.json(for: run) }
                return .object(fields + [("fairness", fairness)])
            })),
        ])
    }

    static func json(for run: VariantRun) -> JSONValue {
        let result = run.result
        let counts = result.counts
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
            ("ops", .object(OpCounts.fields.map { name, count in (name, .int(count(counts))) })),
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
            ("wait_seconds", json(for: result.wait)),
            ("effect_seconds", json(for: result.effect)),
            ("completion_seconds", json(for: result.completion)),
            // Wall-clock time is left out under --deterministic, so the bytes depend only on the
            // scenario and the seed.
            ("sim", .object([("virtual_seconds", .number(result.virtualTime.seconds))]
                + (run.wallSeconds.map { [("wall_seconds", JSONValue.number($0))] } ?? [])
                + [("jobs", .int(Int(result.jobs)))])),
        ])
    }

    static func json(for breakdown: Breakdown) -> JSONValue {
        func group(_ map: [String: WaitHistogram]) -> JSONValue {
            .object(map.keys.sorted().compactMap { key in map[key].map { (key, json(for: $0.summary)) } })
        }
        return .object([
            ("all", json(for: breakdown.all.summary)),
            ("by_queue", group(breakdown.byQueue)),
            ("by_op_type", group(breakdown.byOpType)),
            ("by_task", group(breakdown.byTask)),
        ])
    }

    static func json(for summary: WaitHistogram.Summary) -> JSONValue {
        .object([
            ("count", .int(Int(summary.count))),
            ("mean", .number(summary.mean)),
            ("p50", .number(summary.p50)),
            ("p90", .number(summary.p90)),
            ("p99", .number(summary.p99)),
            ("p999", .number(summary.p999)),
            ("max", .number(summary.max)),
        ])
    }
}
