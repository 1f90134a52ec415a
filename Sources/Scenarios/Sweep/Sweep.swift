import Dispatch
import Model
import Sim
import Synchronization

/// `simrun sweep`: a scenario at every point of a grid of key-path values, each point's
/// variants with R replications, run in parallel on every core, optionally one shard only.
///
/// A point is the scenario file with `--set` then the point's values patched in (``YAMLSetting``),
/// read by the scenario parser as any file is. Replication r of every point and variant runs
/// with the seed ``Replicator/seed(_:replication:)`` gives it (common random numbers across
/// the grid). The runs (point, variant, replication) are a flat list in that order; a shard
/// runs one contiguous slice of it. Results are put back in order, so the output does not
/// depend on the number of threads or on how the runs were sharded.
public enum Sweep {
    /// What went wrong before anything ran.
    public enum Failure: Error, Sendable, CustomStringConvertible {
        /// The scenario file, or a value set on the command line (``ScenarioError/fromCommandLine``).
        case scenario(ScenarioError)
        case unknownVariant(ScenarioRunner.UnknownVariant)
        case commandLine(CommandLineError)
        /// A point the caller's check refused before anything ran (the work budget).
        case refused(String)

        public var description: String {
            switch self {
            case .scenario(let error): return error.description
            case .unknownVariant(let error): return error.description
            case .commandLine(let error): return error.description
            case .refused(let message): return message
            }
        }

        /// True for mistakes on the command line (exit status 64), false for the file (2).
        public var isCommandLine: Bool {
            switch self {
            case .scenario(let error): return error.fromCommandLine
            case .unknownVariant, .refused: return false
            case .commandLine: return true
            }
        }
    }

    public struct Request: Sendable {
        public var file: String
        public var settings: [YAMLSetting]
        public var grid: SweepGrid
        public var variants: [String]
        public var replications: Int
        public var seed: UInt64?
        public var shard: SweepShard?
        /// Scenario files larger than this are refused.
        public var maxBytes: Int = YAMLInputLimits.defaultMaxBytes

        public init(file: String, settings: [YAMLSetting] = [], grid: SweepGrid, variants: [String] = [],
                    replications: Int, seed: UInt64? = nil, shard: SweepShard? = nil) {
            self.file = file
            self.settings = settings
            self.grid = grid
            self.variants = variants
            self.replications = replications
            self.seed = seed
            self.shard = shard
        }
    }

    /// One point's scenario and the variants to run there.
    struct Point {
        let scenario: Scenario
        let variants: [Variant]
    }

    /// Reads the file once and every point's scenario from it, so a bad grid value fails
    /// before any run starts.
    /// `check` sees each point's scenario and variants before anything runs and may refuse
    /// them with a message.
    static func points(_ request: Request, check: (Scenario, [Variant]) -> String?) throws(Failure) -> [Point] {
        let document: YAMLDocument
        do { document = try YAMLDocument.load(path: request.file, maxBytes: request.maxBytes) } catch {
            throw .scenario(error)
        }
        var points: [Point] = []
        for index in 0..<request.grid.count {
            let settings: [YAMLSetting]
            do { settings = try request.grid.settings(ofPoint: index) } catch { throw .commandLine(error) }
            let scenario: Scenario
            do {
                scenario = try ScenarioParser.parse(document.patched(with: request.settings + settings))
            } catch {
                throw .scenario(error)
            }
            let variants: [Variant]
            do { variants = try ScenarioRunner.variants(request.variants, of: scenario) } catch { throw .unknownVariant(error) }
            if let refusal = check(scenario, variants) { throw .refused(refusal) }
            points.append(Point(scenario: scenario, variants: variants))
        }
        return points
    }

    /// The name a sweep's eventlog gives a run: the point's settings and the variant,
    /// `cluster.cpus=4 fairness.after=30s / staleness` (the `variant` of each of its records).
    public static func eventLogName(_ request: Request, point: Int, variant: String) -> String {
        let settings = zip(request.grid.axes, request.grid.values(ofPoint: point)).map { "\($0.path)=\($1)" }
        return settings.isEmpty ? variant : settings.joined(separator: " ") + " / " + variant
    }

    /// Runs the request's slice; `progress` gets a line per finished run. Every point is read,
    /// and passed to `check`, before any run starts. With `eventLog`, each run's eventlog
    /// events go to the sink it gives for the run's ``eventLogName(_:point:variant:)``, and the
    /// runs go one at a time in (point, variant, replication) order, so the log's lines are too.
    public static func run(_ request: Request, threads: Int = Replicator.availableThreads,
                           check: (Scenario, [Variant]) -> String? = { _, _ in nil },
                           eventLog: (@Sendable (String) -> any EventLogSink)? = nil,
                           progress: @escaping @Sendable (String) -> Void = { _ in }) throws(Failure) -> SweepResult {
        let threads = eventLog == nil ? threads : 1
        let points = try points(request, check: check)
        struct Job {
            let point: Int
            let variant: Int
            let replication: Int
        }
        var jobs: [Job] = []
        for (index, point) in points.enumerated() {
            for variant in point.variants.indices {
                for replication in 0..<request.replications { jobs.append(Job(point: index, variant: variant, replication: replication)) }
            }
        }
        let slice = request.shard?.range(of: jobs.count) ?? 0..<jobs.count
        let chosen = Array(jobs[slice])
        let configs = points.map { point in point.variants.map { point.scenario.config(for: $0) } }
        // Each point and variant's run options (the kernel's guards sized to its workload).
        let options = points.indices.map { index in
            zip(configs[index], points[index].variants).map { config, variant in
                var options = points[index].scenario.runOptions(config: config, variant: variant, seed: 0)
                // A sweep's rows are the per-lane figures, whatever the scenario.
                options.figures = points[index].scenario.figureSettings
                return options
            }
        }
        let seeds = points.map { point in
            (0..<request.replications).map { Replicator.seed(request.seed ?? point.scenario.seed, replication: $0) }
        }
        // Each run is reduced to its figures as soon as it ends, and its waits merged into its
        // point's pooled histograms (merging is exact and order-free), so memory does not grow
        // with the number of runs.
        var groupOf = [Int](repeating: 0, count: chosen.count)
        var groupStarts: [Int] = []
        for index in chosen.indices {
            if index == 0 || chosen[index].point != chosen[index - 1].point
                || chosen[index].variant != chosen[index - 1].variant {
                groupStarts.append(index)
            }
            groupOf[index] = groupStarts.count - 1
        }
        let groups = groupOf
        let slots = Mutex([RunFigures?](repeating: nil, count: chosen.count))
        let pooled = Mutex([PooledWaits](repeating: PooledWaits(), count: groupStarts.count))
        let approximated = Mutex([Bool](repeating: false, count: groupStarts.count))
        let next = Atomic<Int>(0)
        let done = Atomic<Int>(0)
        let started = wallSeconds()
        DispatchQueue.concurrentPerform(iterations: max(1, min(threads, chosen.count))) { _ in
            while true {
                let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard index < chosen.count else { return }
                let job = chosen[index]
                let scenario = points[job.point].scenario
                let seed = seeds[job.point][job.replication]
                var runOptions = options[job.point][job.variant]
                runOptions.seed = seed
                runOptions.eventLog = eventLog?(eventLogName(request, point: job.point,
                                                             variant: points[job.point].variants[job.variant].name))
                let result = ClusterRun.run(
                    config: configs[job.point][job.variant], topology: scenario.topology, workload: scenario.workload,
                    options: runOptions)
                let figures = RunFigures(result, replication: job.replication, seed: seed)
                let waits = PooledWaits(result.fairness)
                slots.withLock { $0[index] = figures }
                pooled.withLock { $0[groups[index]].merge(waits) }
                if result.idleRounds == .approximate { approximated.withLock { $0[groups[index]] = true } }
                let finished = done.wrappingAdd(1, ordering: .relaxed).newValue
                progress("run \(finished)/\(chosen.count) done (point \(job.point + 1)/\(points.count), "
                         + "\(points[job.point].variants[job.variant].name), replication \(job.replication)); "
                         + "\(formatFixed(wallSeconds() - started, decimals: 1)) s")
            }
        }
        let records = slots.withLock { $0 }
        let waits = pooled.withLock { $0 }
        let leapt = approximated.withLock { $0 }
        var grouped: [SweepPoint] = []
        for (group, start) in groupStarts.enumerated() {
            let end = group + 1 < groupStarts.count ? groupStarts[group + 1] : chosen.count
            let job = chosen[start]
            let point = points[job.point]
            let variant = point.variants[job.variant]
            grouped.append(SweepPoint(
                point: job.point, values: request.grid.values(ofPoint: job.point), variantIndex: job.variant,
                variant: variant.name, policy: point.scenario.config(for: variant).fairness.label,
                figures: point.scenario.figureSettings,
                sample: FairnessSample(records: records[start..<end].compactMap { $0 }, pooled: waits[group]),
                idleRounds: leapt[group] ? .approximate : .exact))
        }
        let header = SweepHeader(scenario: points.first?.scenario.name ?? "", file: request.file, seed: request.seed,
                                 replications: request.replications, settings: request.settings.map(\.text),
                                 grid: request.grid, variants: request.variants)
        return SweepResult(header: header, shard: request.shard, points: grouped)
    }
}
