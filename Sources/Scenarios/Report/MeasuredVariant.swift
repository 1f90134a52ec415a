import Model
import Sim

/// One variant's measured waits, whatever measured them: pooled from simulated replications,
/// or read from an event log a real cluster wrote. This is what the pictures (``ChartReport``,
/// HTML) and the HdrHistogram files (``PercentileDistribution``) are drawn from, so anything
/// that can fill in histograms by queue, op type and task, and optionally counters and lost
/// work, gets the same outputs as a simulated run.
public struct MeasuredVariant: Sendable {
    public var name: String
    /// `wait_seconds`: creation to the start of execution, overall and by queue, op type, task.
    public var wait: Breakdown
    /// `effect_seconds`, when known (a simulated run; an event log does not say).
    public var effect: Breakdown?
    /// Op counters (summed over replications), when known.
    public var counts: [OpCounter: Int]
    /// How many runs were pooled (1 for a single run or an event log).
    public var runs: Int
    /// Lost work, one line each (a request whose change no execution made).
    public var lostWork: [String]

    public init(name: String, wait: Breakdown, effect: Breakdown? = nil, counts: [OpCounter: Int] = [:],
                runs: Int = 1, lostWork: [String] = []) {
        self.name = name
        self.wait = wait
        self.effect = effect
        self.counts = counts
        self.runs = runs
        self.lostWork = lostWork
    }

    /// A variant's replications, pooled: every replication's waits merged into one histogram
    /// per queue, op type and task (exact: histograms merge bucket by bucket).
    public init(_ variant: ReplicatedVariant) {
        var counts: [OpCounter: Int] = [:]
        for counter in OpCounter.allCases {
            counts[counter] = variant.results.reduce(0) { $0 + counter.value(in: $1.counts) }
        }
        let replicated = variant.results.count > 1
        let lost = variant.results.enumerated().flatMap { index, result in
            result.effectViolations.map { replicated ? "replication \(index): \($0)" : "\($0)" }
        }
        self.init(name: variant.variant, wait: variant.pooled(.wait), effect: variant.pooled(.effect),
                  counts: counts, runs: variant.results.count, lostWork: lost)
    }
}

extension ReplicatedReport {
    /// Every variant's waits pooled over its replications.
    public var measured: [MeasuredVariant] { runs.map(MeasuredVariant.init) }
}
