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
        let options = configs.map {
            scenario.runOptions(config: $0, seed: seed, warmup: warmup, naivePolling: naivePolling)
        }
        let results = runInParallel(jobs.count, threads: threads) { index in
            let (variant, replication) = jobs[index]
            var runOptions = options[variant]
            runOptions.seed = seeds[replication]
            let result = ClusterRun.run(config: configs[variant], topology: scenario.topology,
                                        workload: scenario.workload, options: runOptions)
            let finished = done.wrappingAdd(1, ordering: .relaxed).newValue
            progress("replication \(finished)/\(jobs.count) done")
            return result
        }
        let elapsed = wallSeconds() - started
        let runs = chosen.enumerated().map { variantIndex, variant in
            ReplicatedVariant(
                variant: variant.name, era: scenario.era(of: variant),
                results: (0..<replications).map { results[variantIndex * replications + $0] })
        }
        var report = ReplicatedReport(scenario: scenario.name, file: scenario.file, seed: seed, seeds: seeds,
                                      warmup: warmup, runs: runs, wallSeconds: measureWallTime ? elapsed : nil)
        if scenario.isFairnessStudy {
            report.fairness = FairnessSection(scenario, variants: chosen, results: runs.map(\.results), seeds: seeds)
        }
        return report
    }
}
