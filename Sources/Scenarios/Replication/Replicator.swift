import Model
import Sim
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs R independent replications of each variant, in parallel, with output that does not
/// depend on how many threads ran them.
///
/// Replication r runs with seed `seed` when r = 0 and otherwise with a seed derived from the
/// scenario seed and r by name (`replication/r`), so seeds never collide and adding
/// replications leaves the earlier ones unchanged. Every variant uses the same R seeds: the
/// variants of one comparison replay the same arrivals and service times (common random
/// numbers). Each replication is its own simulation on its own thread; results are put back
/// in (variant, replication) order.
public enum Replicator {
    /// The seed of replication `index` of a run seeded `seed`.
    public static func seed(_ seed: UInt64, replication index: Int) -> UInt64 {
        index == 0 ? seed : RandomStream(seed: seed).derived("replication").derived(UInt64(index)).key
    }

    /// One variant's histograms, merged as its replications end (in any order: a merge adds
    /// counts, so the pool is the same whichever ends first), so a replication's result need
    /// not keep its own: 50 replications of `ci-functional.yaml`'s three variants held 1.6 GB
    /// of histograms until the report.
    final class Fold: Sendable {
        private let breakdowns = Mutex(Metric.allCases.map { _ in Breakdown() })

        func add(_ result: RunResult) {
            breakdowns.withLock { pooled in
                for (index, metric) in Metric.allCases.enumerated() { pooled[index].merge(metric.breakdown(of: result)) }
            }
        }

        /// For each of ``Metric/allCases``.
        var pooled: [Breakdown] { breakdowns.withLock { $0 } }
    }

    /// Processors available to this process.
    public static var availableThreads: Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    public static func run(_ scenario: Scenario, chosen: [Variant], seed: UInt64? = nil, replications: Int,
                           threads: Int = availableThreads, warmup: Duration = .zero, measureWallTime: Bool = true,
                           naivePolling: Bool = false,
                           progress: @escaping @Sendable (String) -> Void = { _ in }) -> ReplicatedReport {
        let seed = seed ?? scenario.seed
        let seeds = (0..<replications).map { Self.seed(seed, replication: $0) }
        let jobs = chosen.indices.flatMap { variant in seeds.indices.map { (variant, $0) } }
        let done = Atomic<Int>(0)
        let started = wallSeconds()
        let configs = chosen.map { scenario.config(for: $0) }
        let options = chosen.indices.map {
            scenario.runOptions(config: configs[$0], variant: chosen[$0], seed: seed, warmup: warmup,
                                naivePolling: naivePolling)
        }
        let folds = chosen.map { _ in Fold() }
        let results = runInParallel(jobs.count, threads: threads) { index in
            let (variant, replication) = jobs[index]
            var runOptions = options[variant]
            runOptions.seed = seeds[replication]
            var result = ClusterRun.run(config: configs[variant], topology: scenario.topology,
                                        workload: scenario.workload, options: runOptions)
            let figures = Figure.RunValues(result)
            folds[variant].add(result)
            // The first replication stays whole (what a report of one run lists); the others
            // keep their figures, and their histograms only in the pool.
            if replication > 0 {
                result.wait = Breakdown()
                result.completion = Breakdown()
                result.effect = Breakdown()
            }
            let finished = done.wrappingAdd(1, ordering: .relaxed).newValue
            progress("replication \(finished)/\(jobs.count) done")
            return (result, figures)
        }
        let elapsed = wallSeconds() - started
        let runs = chosen.enumerated().map { variantIndex, variant in
            let mine = (0..<replications).map { results[variantIndex * replications + $0] }
            return ReplicatedVariant(variant: variant.name, era: scenario.era(of: variant), results: mine.map(\.0),
                                     figures: mine.map(\.1), pooled: folds[variantIndex].pooled)
        }
        var report = ReplicatedReport(scenario: scenario.name, file: scenario.file, seed: seed, seeds: seeds,
                                      warmup: warmup, runs: runs, wallSeconds: measureWallTime ? elapsed : nil)
        if scenario.isFairnessStudy {
            report.fairness = FairnessSection(scenario, variants: chosen, results: runs.map(\.results), seeds: seeds)
        }
        return report
    }
}
