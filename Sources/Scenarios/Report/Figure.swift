import Model
import Sim

/// The op counters simrun reports, in report order, by their JSON names. This is the one list
/// of counters: tables, JSON, CSV, the gate and the baseline files all read it, so a new
/// counter is one case here and one line in ``value(in:)``.
public enum OpCounter: String, CaseIterable, Sendable {
    case created, executed, completed, deferred, errored, aborted, retried
    case skippedTerminal = "skipped_terminal", missing, reaped
    case releasedAtStartup = "released_at_startup", foldsRun = "folds_run", folded
    case foldsSkipped = "folds_skipped", enqueueLookups = "enqueue_lookups", deduplicated
    case tasksDropped = "tasks_dropped", waitsCompleted = "waits_completed", waitsTimedOut = "waits_timed_out"
    case maintainReads = "maintain_reads"

    public func value(in counts: OpCounts) -> Int {
        switch self {
        case .created: counts.created
        case .executed: counts.executed
        case .completed: counts.completed
        case .deferred: counts.deferred
        case .errored: counts.errored
        case .aborted: counts.aborted
        case .retried: counts.retried
        case .skippedTerminal: counts.skippedTerminal
        case .missing: counts.missing
        case .reaped: counts.reaped
        case .releasedAtStartup: counts.releasedAtStartup
        case .foldsRun: counts.foldsRun
        case .folded: counts.folded
        case .foldsSkipped: counts.foldsSkipped
        case .enqueueLookups: counts.enqueueLookups
        case .deduplicated: counts.deduplicated
        case .tasksDropped: counts.tasksDropped
        case .waitsCompleted: counts.waitsCompleted
        case .waitsTimedOut: counts.waitsTimedOut
        case .maintainReads: counts.maintainReads
        }
    }
}

/// A measured distribution: how long ops took from their creation to a point.
public enum Metric: String, CaseIterable, Sendable {
    /// Creation to the start of execution (the seed plan's step-1 definition).
    case wait = "wait_seconds"
    /// Every request, to the end of the execution that made its change.
    case effect = "effect_seconds"
    /// Creation to the terminal state.
    case completion = "completion_seconds"

    public func breakdown(of result: RunResult) -> Breakdown {
        switch self {
        case .wait: result.wait
        case .effect: result.effect
        case .completion: result.completion
        }
    }
}

/// How a distribution is split: by the queue, the op type or the task of each op.
public enum Grouping: String, CaseIterable, Sendable {
    case queue, opType = "op_type", task

    /// The JSON key of the group (`by_queue`).
    public var key: String { "by_" + rawValue }

    public func histograms(in breakdown: Breakdown) -> [String: WaitHistogram] {
        switch self {
        case .queue: breakdown.byQueue
        case .opType: breakdown.byOpType
        case .task: breakdown.byTask
        }
    }

    init?(key: String) {
        guard let grouping = Self.allCases.first(where: { $0.key == key }) else { return nil }
        self = grouping
    }
}

/// Which ops a distribution covers: all of them, or one queue, op type or task.
public enum Subject: Hashable, Sendable {
    case all
    case group(Grouping, String)

    var path: [String] {
        switch self {
        case .all: ["all"]
        case .group(let grouping, let name): [grouping.key, name]
        }
    }

    public func histogram(in breakdown: Breakdown) -> WaitHistogram? {
        switch self {
        case .all: breakdown.all
        case .group(let grouping, let name): grouping.histograms(in: breakdown)[name]
        }
    }
}

/// The statistics of a distribution every report shows, by their JSON names.
public enum Statistic: String, CaseIterable, Sendable {
    case count, mean, p50, p90, p99, p999, max

    public func value(of summary: WaitHistogram.Summary) -> Double {
        switch self {
        case .count: Double(summary.count)
        case .mean: summary.mean
        case .p50: summary.p50
        case .p90: summary.p90
        case .p99: summary.p99
        case .p999: summary.p999
        case .max: summary.max
        }
    }

    /// The column heading in tables.
    public var heading: String { self == .p999 ? "p99.9" : rawValue }
}

/// One figure of a report, typed: every output finds a figure by this, never by a string path.
/// ``path`` names it in JSON, CSV and baseline files (`wait_seconds/by_queue/Q/p99`).
public enum Figure: Hashable, Sendable {
    case ops(OpCounter)
    /// Requests whose change no execution made (lost work).
    case effectViolations
    case distribution(Metric, Subject, Statistic)
    case virtualSeconds
    case jobs

    public var path: [String] {
        switch self {
        case .ops(let counter): ["ops", counter.rawValue]
        case .effectViolations: ["effect_violations"]
        case .distribution(let metric, let subject, let statistic): [metric.rawValue] + subject.path + [statistic.rawValue]
        case .virtualSeconds: ["sim", "virtual_seconds"]
        case .jobs: ["sim", "jobs"]
        }
    }

    /// The figure a path names (the inverse of ``path``), nil for an unknown path.
    public init?(path: [String]) {
        switch path.count {
        case 1 where path[0] == "effect_violations": self = .effectViolations
        case 2 where path[0] == "ops":
            guard let counter = OpCounter(rawValue: path[1]) else { return nil }
            self = .ops(counter)
        case 2 where path == ["sim", "virtual_seconds"]: self = .virtualSeconds
        case 2 where path == ["sim", "jobs"]: self = .jobs
        case 3, 4:
            guard let metric = Metric(rawValue: path[0]), let statistic = Statistic(rawValue: path[path.count - 1])
            else { return nil }
            if path.count == 3 {
                guard path[1] == "all" else { return nil }
                self = .distribution(metric, .all, statistic)
            } else {
                guard let grouping = Grouping(key: path[1]) else { return nil }
                self = .distribution(metric, .group(grouping, path[2]), statistic)
            }
        default: return nil
        }
    }

    /// Counted in whole units (ops, executions, jobs), not in seconds.
    public var isCount: Bool {
        switch self {
        case .ops, .effectViolations, .jobs: true
        case .distribution(_, _, let statistic): statistic == .count
        case .virtualSeconds: false
        }
    }

    /// Every figure of `results` (the replications of one variant) with its value in each
    /// replication (nil where a replication has no such figure, e.g. a queue none of its ops
    /// used), in report order: counters, lost work, then each metric overall and by queue, op
    /// type and task (names sorted), then the simulator's figures.
    static func table(of results: [RunResult]) -> [(figure: Figure, values: [Double?])] {
        table(of: results.map(RunValues.init))
    }

    /// ``table(of:)`` from each replication's figures, taken from its result as it ended
    /// (``RunValues``): the same table, without the results' histograms.
    static func table(of runs: [RunValues]) -> [(figure: Figure, values: [Double?])] {
        var out: [(figure: Figure, values: [Double?])] = []
        for (index, counter) in OpCounter.allCases.enumerated() {
            out.append((.ops(counter), runs.map { $0.counters[index] }))
        }
        out.append((.effectViolations, runs.map(\.effectViolations)))
        for (metricIndex, metric) in Metric.allCases.enumerated() {
            func add(_ subject: Subject, _ summaries: [WaitHistogram.Summary?]) {
                for statistic in Statistic.allCases {
                    out.append((.distribution(metric, subject, statistic), summaries.map { $0.map(statistic.value(of:)) }))
                }
            }
            add(.all, runs.map { $0.metrics[metricIndex].all })
            for (groupingIndex, grouping) in Grouping.allCases.enumerated() {
                let maps = runs.map { $0.metrics[metricIndex].groups[groupingIndex] }
                for name in Set(maps.flatMap(\.keys)).sorted() {
                    add(.group(grouping, name), maps.map { $0[name] })
                }
            }
        }
        out.append((.virtualSeconds, runs.map(\.virtualSeconds)))
        out.append((.jobs, runs.map(\.jobs)))
        return out
    }

    /// One run's figures (``table(of:)``'s values for one replication): its counters and the
    /// summaries of its histograms, a few numbers for each, so a replication can be kept
    /// after its histograms are pooled (``ReplicatedVariant``).
    struct RunValues: Sendable {
        /// ``OpCounter/allCases``' values, in that order.
        var counters: [Double?]
        var effectViolations: Double?
        /// For each of ``Metric/allCases``: the summary of all its values, and of each group
        /// for each of ``Grouping/allCases``.
        var metrics: [(all: WaitHistogram.Summary?, groups: [[String: WaitHistogram.Summary]])]
        var virtualSeconds: Double?
        var jobs: Double?

        init(_ result: RunResult) {
            counters = OpCounter.allCases.map { Double($0.value(in: result.counts)) }
            effectViolations = Double(result.effectViolations.count)
            metrics = Metric.allCases.map { metric in
                let breakdown = metric.breakdown(of: result)
                return (breakdown.all.summary,
                        Grouping.allCases.map { $0.histograms(in: breakdown).mapValues(\.summary) })
            }
            virtualSeconds = result.virtualTime.seconds
            jobs = Double(result.jobs)
        }
    }
}
