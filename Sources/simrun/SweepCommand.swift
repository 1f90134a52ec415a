import ArgumentParser
import Foundation
import Scenarios
import Sim

enum SweepFormat: String, ExpressibleByArgument, CaseIterable {
    case table, csv, json
}

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run a scenario at every point of a grid of settings, with replications, and tabulate each point.",
        discussion: """
            Each --grid KEY=V1,V2,... names a scenario key path (any key of the format: \
            fairness.after, cluster.cpus, workload[0].repeat.every, variants.NAME.fairness...) and \
            its values; the points are the cross product, the first axis varying slowest. Every \
            point's variants run --replications times (the same seeds at every point), in parallel \
            on every core; the output has one row per point and variant and does not depend on \
            the number of threads. --shard i/n (0 <= i < n) runs only the i-th of n slices of the \
            runs and writes JSON for simrun merge; --shard auto takes i and n from SIMRUN_SHARD \
            (i/n), Kubernetes Indexed Jobs (JOB_COMPLETION_INDEX with SIMRUN_SHARD_COUNT) or Slurm \
            arrays (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT, SLURM_ARRAY_TASK_MIN). Progress \
            goes to standard error.
            """)

    @Argument(help: "Scenario file (YAML).")
    var scenario: String

    @Option(name: .customLong("grid"), help: ArgumentHelp("An axis: a key path and its values (repeatable).",
                                                          valueName: "key=v1,v2,..."))
    var grid: [String] = []

    @OptionGroup var set: SettingOptions

    @Option(name: .customLong("variant"), help: "Variant to run at each point (repeatable; default: the scenario's default variants).")
    var variants: [String] = []

    @Option(parsing: .unconditional, help: "Replications of each point and variant.")
    var replications = 10

    @Option(parsing: .unconditional, help: "Seed (default: the scenario's).")
    var seed: UInt64?

    @Option(parsing: .unconditional, help: "Threads (default: every core). The output does not depend on it.")
    var jobs: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("Run only one slice of the runs and write it as JSON for simrun merge: i/n or auto.",
                               valueName: "i/n|auto"))
    var shard: String?

    @Option(help: "Output format (default: table; json with --shard).")
    var format: SweepFormat?

    @Option(help: "Write the output to this file instead of standard output.")
    var output: String?

    @Option(help: ArgumentHelp("Also write an HTML report with charts (every point and variant's pooled waits) to this file.",
                               valueName: "file"))
    var html: String?

    @Flag(help: "Print progress to standard error even when it is not a terminal.")
    var progress = false

    @OptionGroup var events: EventsOption

    @OptionGroup var limits: LimitOptions

    func validate() throws {
        guard replications >= 1 else { throw ValidationError("--replications must be at least 1") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        for axis in grid {
            do { _ = try SweepGrid.Axis.parse(axis) } catch { throw ValidationError(error.message) }
        }
        if shard != nil, let format, format != .json {
            throw ValidationError("--shard writes JSON for simrun merge; leave --format out or give json")
        }
        if events.events != nil {
            if replications > 1 {
                throw ValidationError("--events records one run per point and variant; give --replications 1")
            }
            if shard != nil { throw ValidationError("--events records the whole sweep; use it without --shard") }
            try events.validate(replications: replications, output: output)
        }
    }

    func run() throws {
        let target = try OutputFile.check(output ?? "-", flag: "--output")
        let htmlTarget = try html.map { (path) throws(ExitCode) in try OutputFile.check(path, flag: "--html") }
        let eventsTarget = try events.target()
        try refuseClashes([target] + [htmlTarget, eventsTarget].compactMap { $0 }, inputs: [scenario])
        var request: Sweep.Request
        do {
            let axes = try grid.map { (axis) throws(CommandLineError) in try SweepGrid.Axis.parse(axis) }
            let shard = try shard.map { (text) throws(CommandLineError) in
                try SweepShard.parse(text, environment: ProcessInfo.processInfo.environment)
            }
            request = Sweep.Request(file: scenario, settings: try set.settings(), grid: try SweepGrid(axes: axes),
                                    variants: variants, replications: replications, seed: seed, shard: shard)
        } catch let error as CommandLineError {
            throw fail(error.message, status: ExitCode.validationFailure)
        }
        request.maxBytes = limits.maxFileSize
        let line = Progress(forced: progress)
        let started = wallSeconds()
        let result: SweepResult
        let (eventStream, eventLog) = try EventsOption.open(eventsTarget)
        do {
            result = try Sweep.run(request, threads: jobs ?? Replicator.availableThreads,
                                   check: { [limits, replications] scenario, variants in
                                       limits.refusal(scenario, variants: variants, replications: replications)
                                   }, eventLog: eventLog, progress: line.callAsFunction)
        } catch {
            eventStream?.abandon()
            throw fail(error.description, status: error.isCommandLine ? ExitCode.validationFailure : ExitStatus.badInput)
        }
        line("sweep done in \(formatFixed(wallSeconds() - started, decimals: 2)) s wall")
        var outputs = OutputBatch()
        if let eventStream { outputs.add(eventStream) }
        try outputs.add(result.rendered(format ?? (shard == nil ? .table : .json)), to: target)
        if let htmlTarget {
            try outputs.add(HTMLReport.render(title: "simrun sweep: scenario \(result.header.scenario)",
                                              sections: [ChartReport(sweep: result)]), to: htmlTarget)
        }
        try outputs.commit()
    }
}

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine the JSON outputs of a sweep's shards into the sweep's output.",
        discussion: """
            Give every shard of one sweep (--shard i/n for i = 0 ... n-1), in any order. Replications \
            are put back in order and histograms merged exactly, so the output is byte for byte \
            what the unsharded sweep prints in the same format.
            """)

    @Argument(help: "Shard outputs (JSON from simrun sweep --shard).")
    var shards: [String]

    @Option(help: "Output format.")
    var format: SweepFormat = .table

    @Option(help: "Write the output to this file instead of standard output.")
    var output: String?

    @Option(name: .customLong("max-file-size"), parsing: .unconditional,
            help: ArgumentHelp("Refuse shard files larger than this many bytes (default 1 GiB).", valueName: "bytes"))
    var maxFileSize: Int = 1 << 30

    func validate() throws {
        guard !shards.isEmpty else { throw ValidationError("give the shard outputs to merge") }
        guard maxFileSize >= 1 else { throw ValidationError("--max-file-size must be at least 1, got \(maxFileSize)") }
    }

    func run() throws {
        let target = try OutputFile.check(output ?? "-", flag: "--output")
        try refuseClashes([target], inputs: shards)
        var parts: [(file: String, result: SweepResult)] = []
        for file in shards {
            let data: [UInt8]
            do {
                data = try InputFile.contents(path: file, maxBytes: maxFileSize, expected: "a sweep's JSON output")
            } catch {
                throw fail(error.description)
            }
            do {
                let json = try JSONValue.parse(String(decoding: data, as: UTF8.self))
                parts.append((file, try SweepResult(json: json, file: file)))
            } catch let error as JSONValue.ParseError {
                throw fail("\(file): not JSON: \(error.message)")
            } catch let error as SweepResult.MergeError {
                throw fail(error.message)
            }
        }
        do {
            try target.write(try SweepResult.merge(parts).rendered(format))
        } catch let error as SweepResult.MergeError {
            throw fail(error.message)
        }
    }
}

extension SweepResult {
    func rendered(_ format: SweepFormat) -> String {
        switch format {
        case .table: return table
        case .csv: return csv
        case .json: return json.rendered() + "\n"
        }
    }
}
