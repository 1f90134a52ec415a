import Model
import Sim
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs the variants of a scenario once each: a report of one replication.
public enum ScenarioRunner {
    /// A request for an unknown variant.
    public struct UnknownVariant: Error, CustomStringConvertible {
        public var file: String
        public var name: String
        public var known: [String]
        public var description: String {
            "\(file): unknown variant \"\(name)\" (this scenario has: \(known.joined(separator: ", ")))"
        }
    }

    /// Runs `variantNames` (default: the scenario's default variants) with `seed` (default:
    /// the scenario's). `progress` is called before and after each variant.
    public static func run(_ scenario: Scenario, variants variantNames: [String] = [], seed: UInt64? = nil,
                           measureWallTime: Bool = true, tracing: Bool = false, warmup: Duration = .zero,
                           naivePolling: Bool = false, wakesEveryPoller: Bool = false, runsEveryWakeUp: Bool = false,
                           threads: Int = 1, progress: @escaping @Sendable (String) -> Void = { _ in })
        throws(UnknownVariant) -> ReplicatedReport {
        try run(scenario, chosen: variants(variantNames, of: scenario), seed: seed, measureWallTime: measureWallTime,
                tracing: tracing, warmup: warmup, naivePolling: naivePolling, wakesEveryPoller: wakesEveryPoller,
                runsEveryWakeUp: runsEveryWakeUp, threads: threads, progress: progress)
    }

    /// The variants named (default: the scenario's default variants).
    public static func variants(_ variantNames: [String], of scenario: Scenario) throws(UnknownVariant) -> [Variant] {
        let names = variantNames.isEmpty ? scenario.defaultVariants : variantNames
        // By name through a table: a search per name was quadratic in the variants.
        var index: [String: Int] = [:]
        for (position, variant) in scenario.variants.enumerated() where index[variant.name] == nil {
            index[variant.name] = position
        }
        var chosen: [Variant] = []
        chosen.reserveCapacity(names.count)
        for name in names {
            guard let position = index[name] else {
                throw UnknownVariant(file: scenario.file, name: name, known: scenario.variants.map(\.name))
            }
            chosen.append(scenario.variants[position])
        }
        return chosen
    }

    /// Runs the given variants (named in the scenario or made up, as the steps matrix is), on
    /// up to `threads` threads at once: each variant is its own simulation, so the report does
    /// not depend on how many (only the wall times do). `eventLog`, given a variant's name,
    /// says where that run's eventlog events go; with one, the variants run one after another
    /// (each run's log is written whole before the next begins).
    public static func run(_ scenario: Scenario, chosen: [Variant], seed: UInt64? = nil,
                           measureWallTime: Bool = true, tracing: Bool = false, warmup: Duration = .zero,
                           eventLog: ((String) -> any EventLogSink)? = nil,
                           naivePolling: Bool = false, wakesEveryPoller: Bool = false, runsEveryWakeUp: Bool = false,
                           threads: Int = 1, progress: @escaping @Sendable (String) -> Void = { _ in }) -> ReplicatedReport {
        let seed = seed ?? scenario.seed
        let started = wallSeconds()
        let settings = RunSettings(seed: seed, tracing: tracing, warmup: warmup, naivePolling: naivePolling,
                                   wakesEveryPoller: wakesEveryPoller, runsEveryWakeUp: runsEveryWakeUp)
        let runs: [(result: RunResult, wall: Double)]
        if let eventLog {
            runs = chosen.indices.map { index in
                settings.run(scenario, chosen, index, eventLog: eventLog(chosen[index].name), progress: progress)
            }
        } else {
            runs = runInParallel(chosen.count, threads: threads) { index in
                settings.run(scenario, chosen, index, eventLog: nil, progress: progress)
            }
        }
        let elapsed = wallSeconds() - started
        let variants = zip(chosen, runs).map { variant, run in
            ReplicatedVariant(variant: variant.name, era: scenario.era(of: variant), results: [run.result],
                              wallSeconds: measureWallTime ? run.wall : nil)
        }
        var report = ReplicatedReport(scenario: scenario.name, file: scenario.file, seed: seed, seeds: [seed],
                                      warmup: warmup, runs: variants, wallSeconds: measureWallTime ? elapsed : nil)
        if scenario.isFairnessStudy {
            report.fairness = FairnessSection(scenario, variants: chosen, results: variants.map(\.results), seeds: [seed])
        }
        return report
    }

    /// A run's progress line (`--progress`), for example "variant plan: 21600 s of 86400 s
    /// virtual (25 %), 120000 ops created, 119000 ended, 3.1 s wall". `clock` names the run's
    /// clock (`scenario` for a live run's, scaled from the wall clock).
    public static func progressLine(_ now: RunProgress, variant: String, timeLimit: Duration?, wall: Double,
                                    clock name: String = "virtual") -> String {
        var clock = "\(formatFixed(now.virtualTime.seconds, decimals: 0)) s"
        if let timeLimit, timeLimit > .zero {
            clock += " of \(formatFixed(timeLimit.seconds, decimals: 0)) s \(name) ("
                + "\(formatFixed(100 * now.virtualTime.seconds / timeLimit.seconds, decimals: 0)) %)"
        } else {
            clock += " \(name)"
        }
        return "variant \(variant): \(clock), \(now.created) ops created, \(now.ended) ended, "
            + "\(formatFixed(wall, decimals: 1)) s wall"
    }

    /// What every variant of one call runs with.
    private struct RunSettings: Sendable {
        let seed: UInt64
        let tracing: Bool
        let warmup: Duration
        let naivePolling: Bool
        let wakesEveryPoller: Bool
        let runsEveryWakeUp: Bool

        /// Runs variant `index` of `chosen`, telling `progress` as it starts, every two seconds
        /// of wall time while it goes on (``RunProgress``), and as it ends; returns its result
        /// and the wall seconds it took.
        func run(_ scenario: Scenario, _ chosen: [Variant], _ index: Int, eventLog: (any EventLogSink)?,
                 progress: @escaping @Sendable (String) -> Void) -> (result: RunResult, wall: Double) {
            let variant = chosen[index]
            progress("variant \(variant.name) (\(index + 1)/\(chosen.count)) ...")
            let started = wallSeconds()
            let config = scenario.config(for: variant)
            var options = scenario.runOptions(config: config, variant: variant, seed: seed, tracing: tracing,
                                              warmup: warmup, naivePolling: naivePolling)
            options.wakesEveryPoller = wakesEveryPoller
            options.runsEveryWakeUp = runsEveryWakeUp
            options.eventLog = eventLog
            options.progress = { [name = variant.name, limit = options.timeLimit] now in
                progress(ScenarioRunner.progressLine(now, variant: name, timeLimit: limit,
                                                     wall: wallSeconds() - started))
            }
            let result = ClusterRun.run(config: config, topology: scenario.topology, workload: scenario.workload,
                                        options: options)
            let elapsed = wallSeconds() - started
            progress("variant \(variant.name): \(formatFixed(result.virtualTime.seconds, decimals: 3)) s virtual "
                     + "in \(formatFixed(elapsed, decimals: 3)) s wall, \(result.jobs) jobs")
            return (result, elapsed)
        }
    }
}

extension Scenario {
    /// The options of one run of `config`: the scenario's time limit, and the kernel's guards
    /// sized from the run's estimated cost (``RunCost``).
    public func runOptions(config: ModelConfig, variant: Variant? = nil, seed: UInt64, tracing: Bool = false,
                           warmup: Duration = .zero, naivePolling: Bool = false) -> RunOptions {
        let cost = RunCost(of: self, config: config, variant: variant)
        var options = RunOptions(seed: seed, timeLimit: timeLimit, tracing: tracing, warmup: warmup,
                                 jobsPerInstant: cost.jobsPerInstant, jobLimit: cost.jobLimit,
                                 figures: isFairnessStudy ? figureSettings : nil)
        options.naivePolling = naivePolling
        return options
    }
}

/// Monotonic wall-clock seconds, for measuring how long a run took (never inside a run).
public func wallSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
}
