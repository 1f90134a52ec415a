import ArgumentParser
import Foundation
import Model
import Scenarios
import Sim

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the simulator's speed and memory, and print the figures.",
        discussion: """
            Measures an M/M/1 (rho 0.8) as a plain event loop (no actors), on bare kernel actors and \
            through the full model in ideal mode, then each default variant of the scenarios given \
            (default: scenarios/*.yaml). Peak memory is each row's own where Linux can reset it. \
            scripts/bench-vs-simpy.sh runs the M/M/1 rows against SimPy's on the same machine. \
            Build in release mode for meaningful figures: swift run -c release simrun bench. \
            Targets on a 2-core machine (issue 12): kernel actors within 4x the plain loop and \
            >= 10x SimPy, full model >= 300,000 customers/s and >= 3x SimPy, six-instance-starts \
            under 50 ms per variant; docs/performance.md says which are reached.
            """)

    @Option(parsing: .unconditional, help: "Customers in each M/M/1 run (at most 100000000).")
    var customers = 1_000_000

    @Option(parsing: .unconditional, help: "Runs of each scenario variant; the fastest is reported.")
    var repeats = 5

    @Argument(help: "Scenario files to measure (default: scenarios/*.yaml).")
    var scenarios: [String] = []

    @Flag(help: "Measure only the three M/M/1 rows (scripts/bench-vs-simpy.sh uses this).")
    var mm1 = false

    @Flag(help: "Measure the large scenarios instead: scenarios/bench/*.yaml (a 50-node cluster-day, ten million ops), once each.")
    var large = false

    @Option(help: "Measure the backlog instead: N instance starts at one instant on one network (scenarios/six-instance-starts.yaml with its count set), for each N given (comma-separated); the smallest (at most 2,000) is run once first, unmeasured.")
    var backlog: String?

    @Option(help: "The variant --backlog runs (default: plan).")
    var backlogVariant: String?

    private var backlogVariantName: String { backlogVariant ?? "plan" }

    @Flag(help: "Measure a sweep instead: scenarios/starvation-blobs.yaml, variant staleness, 24 points (fairness.after x cluster.cpus) x 10 replications on every core; target under 60 s on 2 cores.")
    var sweep = false

    @Option(help: "table (the default) or json: one object on standard output, the progress lines on standard error.")
    var format: TableOrJSON = .table

    @Flag(help: "Measure the database seam instead: wall ns per simulated claim called on the store directly, through the QueueConnection protocol, and through it with the plan's round trip (docs/live.md).")
    var seam = false

    func validate() throws {
        guard customers > 0 && customers <= 100_000_000 else {
            throw ValidationError("--customers: expected 1 to 100000000, got \(customers)")
        }
        guard repeats > 0 else { throw ValidationError("--repeats must be positive") }
        if backlog != nil { _ = try backlogSizes() }
        // Each measures one thing: a second one, or what only another reads, was ignored.
        guard modes.count <= 1 else {
            throw ValidationError("\(modes.joined(separator: " and ")) measure different things: give one of them")
        }
        if !measuresScenarioFiles, let mode = modes.first, let first = scenarios.first {
            throw ValidationError("\(mode) measures no scenario file, so \(first) would be ignored")
        }
        if backlogVariant != nil && backlog == nil {
            throw ValidationError("--backlog-variant is the variant --backlog runs: give --backlog N,... with it")
        }
    }

    /// The measuring modes given (`--mm1`, `--large`, ...): at most one (``validate()``);
    /// none measures the M/M/1 rows and `scenarios/`.
    private var modes: [String] {
        [(mm1, "--mm1"), (large, "--large"), (backlog != nil, "--backlog"), (sweep, "--sweep"),
         (seam, "--seam")].filter(\.0).map(\.1)
    }

    /// Whether the mode measures scenario files (the given ones, or `scenarios/` or
    /// `scenarios/bench/`): the default and `--large` do.
    private var measuresScenarioFiles: Bool { modes.isEmpty || large }

    /// `--backlog`'s sizes: every item a count from 1 to 1,000,000.
    private func backlogSizes() throws(ExitCode) -> [Int] {
        let list = backlog ?? ""
        let sizes = list.split(separator: ",", omittingEmptySubsequences: false)
            .map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !sizes.isEmpty, sizes.allSatisfy({ ($0 ?? 0) > 0 && ($0 ?? 0) <= 1_000_000 }) else {
            throw fail("--backlog: expected comma-separated counts from 1 to 1000000, got \"\(list)\"",
                       status: ExitStatus.usage)
        }
        return sizes.compactMap { $0 }
    }

    func run() throws {
        #if DEBUG
        say("note: this is a debug build; figures are far below release (swift run -c release simrun bench)")
        #endif
        // The scenarios read before anything is measured or printed: a bad file fails at once.
        let loaded = try !measuresScenarioFiles ? []
            : (large ? scenarioFiles(in: "scenarios/bench") : scenarioFiles()).map { path in try loadScenario(path) }
        if format == .table { print("allocator: \(MallocTuning.description)") }
        if sweep {
            try measureSweep()
            return
        }
        if seam {
            try measureSeam()
            return
        }
        if let backlog {
            try measureBacklog(backlog)
            return
        }
        var rows: [Benchmarks.Measurement] = []
        @discardableResult
        func add(_ measure: () -> Benchmarks.Measurement) -> Benchmarks.Measurement {
            let m = Benchmarks.measuringPeak(measure)
            rows.append(m)
            say("  measured \(m.name)")
            return m
        }
        let plain = add { Benchmarks.plainMM1(customers: customers) }
        let kernel = add { Benchmarks.kernelMM1(customers: customers) }
        let model = add { Benchmarks.modelMM1(customers: customers) }
        for scenario in loaded {
            for name in scenario.defaultVariants {
                guard let variant = scenario.variant(named: name) else { continue }
                add { Benchmarks.scenario(scenario, variant: variant, repeats: large ? 1 : repeats) }
            }
        }
        let kernelRatio = plain.customersPerSecond / kernel.customersPerSecond
        let modelRatio = plain.customersPerSecond / model.customersPerSecond
        if format == .json {
            print(BenchJSON.rows(rows, kernelOverPlain: kernelRatio, modelOverPlain: modelRatio).rendered())
            return
        }
        var table = [["benchmark", "customers", "wall s", "customers/s", "kernel jobs/s", "virtual/wall", "peak MiB"]]
        for m in rows {
            table.append([m.name, String(m.customers), formatFixed(m.wallSeconds, decimals: 4),
                          formatFixed(m.customersPerSecond, decimals: 0), formatFixed(m.jobsPerSecond, decimals: 0),
                          formatFixed(m.speedup, decimals: 0), formatFixed(m.peakMiB, decimals: 1)])
        }
        print("")
        printTable(table)
        print("")
        print("actor cost: the kernel M/M/1 takes \(formatFixed(kernelRatio, decimals: 1))x "
              + "the plain event loop's time per customer, the full model \(formatFixed(modelRatio, decimals: 1))x "
              + "(targets: kernel within 4x; model >= 300,000 customers/s)")
        print("peak resident memory: \(formatFixed(Benchmarks.peakResidentMiB(), decimals: 1)) MiB")
    }

    /// A progress line: on standard output with the tables, on standard error with JSON.
    private func say(_ line: String) {
        if format == .json {
            _ = writeAll(line + "\n", to: STDERR_FILENO)
        } else {
            print(line)
        }
    }

    private func printTable(_ table: [[String]]) {
        let widths = (0..<table[0].count).map { column in table.map { $0[column].count }.max() ?? 0 }
        for row in table {
            let cells = row.enumerated().map { index, cell in
                let pad = String(repeating: " ", count: widths[index] - cell.count)
                return index == 0 ? cell + pad : pad + cell
            }
            print(cells.joined(separator: "  "))
        }
    }

    /// What the database seam costs a claim (``SeamCost``): best of `repeats` rounds.
    private func measureSeam() throws {
        let claims = 200_000
        var best: SeamCost.Figures?
        for _ in 0..<repeats {
            let figures: SeamCost.Figures
            do { figures = try SeamCost.measure(claims: claims) } catch { throw fail("bench --seam: \(error)") }
            guard var current = best else { best = figures; continue }
            current.direct = min(current.direct, figures.direct)
            current.throughSeam = min(current.throughSeam, figures.throughSeam)
            current.throughSeamWithRoundTrip = min(current.throughSeamWithRoundTrip, figures.throughSeamWithRoundTrip)
            best = current
        }
        guard let best else { return }
        if format == .json {
            print(BenchJSON.seam(best, rounds: repeats).rendered())
            return
        }
        print("seam: \(claims) idle claims (empty queues), best of \(repeats) rounds, wall ns per claim")
        print("  store called directly:                   \(formatFixed(best.direct, decimals: 0))")
        print("  through QueueConnection, no round trip:  \(formatFixed(best.throughSeam, decimals: 0)) "
              + "(the seam adds \(formatFixed(best.throughSeam - best.direct, decimals: 0)))")
        print("  through QueueConnection, plan round trip: \(formatFixed(best.throughSeamWithRoundTrip, decimals: 0)) "
              + "(one kernel sleep per claim)")
    }

    /// The step-7 benchmark: a 24-point sweep of a starvation scenario, 10 replications each.
    private func measureSweep() throws {
        let request: Sweep.Request
        do {
            let grid = try SweepGrid(axes: [try .parse("fairness.after=15s,30s,60s,120s"),
                                            try .parse("cluster.cpus=4,6,8,12,16,24")])
            request = Sweep.Request(file: "scenarios/starvation-blobs.yaml", grid: grid, variants: ["staleness"],
                                    replications: 10)
        } catch {
            throw fail(error.message)
        }
        let threads = Replicator.availableThreads
        let started = wallSeconds()
        let result: SweepResult
        do {
            result = try Sweep.run(request, threads: threads)
        } catch {
            throw fail(error.description)
        }
        let wall = wallSeconds() - started
        let runs = result.points.reduce(0) { $0 + $1.sample.records.count }
        if format == .json {
            print(BenchJSON.sweep(points: result.points.count, runs: runs, threads: threads, wallSeconds: wall).rendered())
            return
        }
        print("sweep scenarios/starvation-blobs.yaml --variant staleness --grid 'fairness.after=15s,30s,60s,120s' "
              + "--grid 'cluster.cpus=4,6,8,12,16,24' --replications 10")
        print("  \(result.points.count) points x 10 replications = \(runs) runs on \(threads) threads: "
              + "\(formatFixed(wall, decimals: 2)) s wall, \(formatFixed(Double(runs) / wall, decimals: 1)) runs/s "
              + "(target: under 60 s on 2 cores)")
        print("peak resident memory: \(formatFixed(Benchmarks.peakResidentMiB(), decimals: 1)) MiB")
    }

    /// Cost per start as the backlog of simultaneous starts grows: flat means linear growth.
    private func measureBacklog(_ list: String) throws {
        let sizes = try backlogSizes()
        var measured: [(starts: Int, measurement: Benchmarks.Measurement)] = []
        // The smallest size (at most 2,000) run once first, not measured: the first run of a
        // process pays its start-up (about 0.15 s on the 2-core machine), which would show as
        // a higher cost per start for whichever size comes first.
        let warmUp = min(sizes.min() ?? 1, 2000)
        let (warmScenario, warmVariant) = try backlogRun(size: warmUp)
        _ = Benchmarks.scenario(warmScenario, variant: warmVariant, repeats: 1)
        say("  warmed up (\(warmUp) starts, not measured)")
        for size in sizes {
            let (scenario, variant) = try backlogRun(size: size)
            let m = Benchmarks.measuringPeak { Benchmarks.scenario(scenario, variant: variant, repeats: 1) }
            measured.append((size, m))
            say("  measured \(size) starts")
        }
        if format == .json {
            print(BenchJSON.backlog(measured, variant: backlogVariantName).rendered())
            return
        }
        var table = [["starts", "ops", "wall s", "us per start", "jobs per start", "virtual s", "peak MiB"]]
        for (size, m) in measured {
            table.append([String(size), String(m.customers), formatFixed(m.wallSeconds, decimals: 3),
                          formatFixed(m.wallSeconds * 1e6 / Double(size), decimals: 0),
                          formatFixed(Double(m.jobs) / Double(size), decimals: 1),
                          formatFixed(m.virtualSeconds, decimals: 1), formatFixed(m.peakMiB, decimals: 1)])
        }
        print("")
        print("\(backlogVariantName): N instance starts at one instant on one network (scenarios/six-instance-starts.yaml)")
        printTable(table)
    }

    /// `scenarios/six-instance-starts.yaml` with `size` starts, and the variant to run.
    private func backlogRun(size: Int) throws -> (Scenario, Variant) {
        let settings: [YAMLSetting]
        do {
            settings = [try YAMLSetting.parse("workload[0].repeat.count=\(size)"),
                        try YAMLSetting.parse("time_limit=1000h")]
        } catch {
            throw fail("\(error)")
        }
        let scenario = try loadScenario("scenarios/six-instance-starts.yaml", settings: settings)
        guard let variant = scenario.variant(named: backlogVariantName) else {
            throw fail("--backlog-variant: scenarios/six-instance-starts.yaml has no variant \"\(backlogVariantName)\"")
        }
        return (scenario, variant)
    }

    /// The scenario files given, else every `.yaml` in `directory` (relative to the working
    /// directory): none there is an error, not a table without their rows.
    private func scenarioFiles(in directory: String = "scenarios") throws(ExitCode) -> [String] {
        if !scenarios.isEmpty { return scenarios }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw fail("bench: no \(directory) directory here to measure; run it from the repository or give "
                       + "scenario files", status: ExitStatus.usage)
        }
        let files = names.filter { $0.hasSuffix(".yaml") }.sorted().map { "\(directory)/\($0)" }
        guard !files.isEmpty else {
            throw fail("bench: no .yaml files in \(directory) to measure; give scenario files", status: ExitStatus.usage)
        }
        return files
    }
}
