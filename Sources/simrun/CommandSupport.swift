import ArgumentParser
import Foundation
import Scenarios
import Sim

/// Exit statuses shared by every subcommand.
enum ExitStatus {
    static let incomplete = ExitCode(1)
    static let badInput = ExitCode(2)
    static let lostWork = ExitCode(3)
    static let regression = ExitCode(4)
    static let improvement = ExitCode(5)
    /// A bad command line (swift-argument-parser's own status for validation errors).
    static let usage = ExitCode.validationFailure
}

/// Prints a one-line error to standard error and exits with `status`.
func fail(_ message: String, status: ExitCode = ExitStatus.badInput) -> ExitCode {
    _ = writeAll("simrun: \(message)\n", to: STDERR_FILENO)
    return status
}

/// Progress lines go to standard error, and only to a terminal unless asked for.
struct Progress {
    let enabled: Bool

    init(forced: Bool) {
        enabled = forced || isatty(STDERR_FILENO) != 0
    }

    func callAsFunction(_ line: String) {
        guard enabled else { return }
        _ = writeAll("simrun: \(line)\n", to: STDERR_FILENO)
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, csv
}

/// `--format` of the commands with no CSV form (`analyze`, `model show`, `bench`): the tables
/// for a person, or one JSON object for a program. `csv` is refused by the parser, naming the
/// two values, rather than taken and answered with the table.
enum TableOrJSON: String, ExpressibleByArgument, CaseIterable {
    case table, json
}

/// Loads a scenario file with `settings` (`--set`) applied, turning any problem into a
/// one-line error: exit status 2 for the file, 64 for a value set on the command line.
func loadScenario(_ path: String, settings: [YAMLSetting] = [],
                  maxBytes: Int = YAMLInputLimits.defaultMaxBytes) throws(ExitCode) -> Scenario {
    do {
        return try ScenarioParser.load(path: path, settings: settings, maxBytes: maxBytes)
    } catch {
        throw fail(error.description, status: error.fromCommandLine ? ExitCode.validationFailure : ExitStatus.badInput)
    }
}

/// `--set KEY=VALUE` (repeatable), for every command that reads a scenario.
struct SettingOptions: ParsableArguments {
    @Option(name: .customLong("set"),
            help: ArgumentHelp("Set a scenario key before the file is read (repeatable), e.g. --set 'workload[3].at=8s' or --set fairness.after=30s; the value is YAML.",
                               valueName: "key=value"))
    var raw: [String] = []

    func validate() throws {
        for argument in raw {
            do { _ = try YAMLSetting.parse(argument) } catch { throw ValidationError(error.message) }
        }
    }

    /// The settings, in command-line order (a later one wins).
    func settings() throws(ExitCode) -> [YAMLSetting] {
        var settings: [YAMLSetting] = []
        for argument in raw {
            do {
                settings.append(try YAMLSetting.parse(argument))
            } catch {
                throw fail(error.message, status: ExitCode.validationFailure)
            }
        }
        return settings
    }
}

/// Limits on what a command reads and runs, shared by every command that runs scenarios.
struct LimitOptions: ParsableArguments {
    @Option(name: .customLong("max-ops"), parsing: .unconditional,
            help: ArgumentHelp("Refuse to start when the runs would create more ops than this (wake-ups of the model's loops: five times as many). The default suits a 2-core machine with 8 GB.",
                               valueName: "n"))
    var maxOps: Int = Int(WorkBudget.defaultMaxOps)

    @Option(name: .customLong("max-file-size"), parsing: .unconditional,
            help: ArgumentHelp("Refuse scenario and baseline files larger than this many bytes.", valueName: "bytes"))
    var maxFileSize: Int = YAMLInputLimits.defaultMaxBytes

    func validate() throws {
        guard maxOps >= 1 else { throw ValidationError("--max-ops must be at least 1, got \(maxOps)") }
        guard maxFileSize >= 1 else { throw ValidationError("--max-file-size must be at least 1, got \(maxFileSize)") }
    }

    var budget: WorkBudget { WorkBudget(maxOps: Double(maxOps)) }

    func loadScenario(_ path: String, settings: [YAMLSetting] = []) throws(ExitCode) -> Scenario {
        try simrun.loadScenario(path, settings: settings, maxBytes: maxFileSize)
    }

    /// The budget's refusal of `variants` of `scenario` with `replications` each, if any (for
    /// commands that check every point of a grid before running).
    func refusal(_ scenario: Scenario, variants: [Variant], replications: Int) -> String? {
        do {
            try budget.check(scenario, variants: variants, replications: replications)
            return nil
        } catch {
            return error.description
        }
    }

    /// Refuses, with status 2, runs beyond the budget (see ``WorkBudget``).
    func checkBudget(_ scenario: Scenario, variants: [Variant], replications: Int,
                     tracing: Bool = false) throws(ExitCode) {
        do {
            try budget.check(scenario, variants: variants, replications: replications, tracing: tracing)
        } catch {
            throw fail(error.description)
        }
    }
}

/// `--jobs N`: threads for replications, and for the variants of a run of one replication.
struct JobsOption: ParsableArguments {
    @Option(parsing: .unconditional, help: "Threads for replications, and for the variants of a single run (without --events) (default: every core). The output does not depend on it; the wall times do.")
    var jobs: Int?

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
    }

    var threads: Int { jobs ?? Replicator.availableThreads }
}

/// Options shared by `run` and `compare` for replicated runs.
struct ReplicationOptions: ParsableArguments {
    @Option(parsing: .unconditional,
            help: "Independent replications per variant (seeds derived from the seed and the replication index); adds means and 95% confidence intervals.")
    var replications = 1

    @OptionGroup var jobs: JobsOption

    @OptionGroup var warmup: WarmupOption

    func validate() throws {
        guard replications >= 1 else { throw ValidationError("--replications must be at least 1, got \(replications)") }
    }

    var warmupDuration: Duration { warmup.duration }

    var threads: Int { jobs.threads }

    /// The report of `chosen`: with replications, in parallel; else each variant once (in
    /// parallel unless there is an eventlog), its eventlog streamed to `events` and added to
    /// `outputs`, to be committed (or abandoned) with the command's other outputs.
    func run(_ scenario: Scenario, chosen: [Variant], seed: UInt64?, out: OutputOptions, events: OutputFile?,
             into outputs: inout OutputBatch, tracing: Bool = false, naivePolling: Bool = false) throws
        -> ReplicatedReport {
        guard replications == 1 else {
            return Replicator.run(scenario, chosen: chosen, seed: seed, replications: replications, threads: threads,
                                  warmup: warmupDuration, measureWallTime: !out.deterministic,
                                  naivePolling: naivePolling, progress: out.progressLine.callAsFunction)
        }
        let (eventStream, eventLog) = try EventsOption.open(events)
        let report = ScenarioRunner.run(scenario, chosen: chosen, seed: seed, measureWallTime: !out.deterministic,
                                        tracing: tracing, warmup: warmupDuration, eventLog: eventLog,
                                        naivePolling: naivePolling, threads: threads,
                                        progress: out.progressLine.callAsFunction)
        if let eventStream { outputs.add(eventStream) }
        return report
    }
}

/// Output options shared by `run` and `compare`.
struct OutputOptions: ParsableArguments {
    @Option(help: "Output format.")
    var format: OutputFormat = .table

    @Option(help: "Write the report to this file instead of standard output: whole or not at all (through a temporary file renamed into place; a FIFO, a device or - is written straight). Checked before the run starts.")
    var output: String?

    @Flag(help: "Leave wall-clock figures out, so the same seed gives byte-identical output.")
    var deterministic = false

    @Flag(help: "Print progress to standard error even when it is not a terminal (each variant as it starts and ends, and every 2 s of wall time how far a run has got).")
    var progress = false

    @Flag(help: "Exit with status 3 if coalescing lost work (an op folded or deduplicated into one that never made its change).")
    var strict = false

    @Option(help: ArgumentHelp("Also write an HTML report with charts to this file (self-contained; written like --output).",
                               valueName: "file"))
    var html: String?

    @Option(help: ArgumentHelp("Also write HdrHistogram percentile distributions of wait_seconds (overall, per queue, op type and task of each variant) into this directory, as .hgrm files (.csv with --format csv).",
                               valueName: "dir"))
    var hgrm: String?

    var progressLine: Progress { Progress(forced: progress) }

    /// Where the outputs go, checked before anything runs.
    struct Targets {
        var report: OutputFile
        var html: OutputFile?
        var histograms: HistogramDirectory?

        /// The files, to refuse clashes between them and with the inputs.
        var files: [OutputFile] { [report] + (html.map { [$0] } ?? []) }
    }

    func targets() throws(ExitCode) -> Targets {
        Targets(report: try OutputFile.check(output ?? "-", flag: "--output"),
                html: try html.map { (path) throws(ExitCode) in try OutputFile.check(path, flag: "--html") },
                histograms: try hgrm.map { (path) throws(ExitCode) in try HistogramDirectory.check(path) })
    }

    /// Writes `report` (as `table`, JSON or CSV) to its target, the HTML report and the
    /// histogram files if asked for, with the command's other `outputs` (all or none of
    /// them), then exits non-zero if a run was incomplete or, under --strict, if coalescing
    /// lost work. An incomplete run's report is written too: its endings say how each run
    /// ended.
    func finish(_ report: some SimulationReport, table: String, to targets: Targets,
                with outputs: OutputBatch = OutputBatch()) throws {
        var outputs = outputs
        let text: String
        switch format {
        case .table: text = table
        case .json: text = report.json.rendered() + "\n"
        case .csv: text = report.model.csv
        }
        try outputs.add(text, to: targets.report)
        if targets.html != nil || targets.histograms != nil {
            let model = report.model
            if let html = targets.html {
                try outputs.add(HTMLReport.render(title: "simrun: scenario \(model.scenario)", sections: [ChartReport(model)]),
                                to: html)
            }
            if let histograms = targets.histograms {
                try outputs.add(PercentileDistribution.files(model.measured, format: format == .csv ? .csv : .hgrm),
                                in: histograms)
            }
        }
        try outputs.commit()
        if !report.isWhole {
            throw fail("a run ended before its work was done (see the endings in the report)",
                       status: ExitStatus.incomplete)
        }
        if strict && report.hasEffectViolations {
            throw fail("coalescing lost work (see LOST WORK / effect_violations in the report)",
                       status: ExitStatus.lostWork)
        }
    }
}

/// `--variants a,b,c`: the names given, in order ([] when the option is absent: the
/// scenario's defaults). An empty name (`--variants ,`, `a,,b`) is a usage error, not a
/// quiet fall-back to the defaults.
func variantNames(_ option: String?) throws(ValidationError) -> [String] {
    guard let option else { return [] }
    let names = option.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmed }
    guard !names.contains(where: \.isEmpty) else {
        throw ValidationError("--variants \"\(option)\": expected variant names separated by commas, none of them empty")
    }
    return names
}

/// Refuses output targets that are the same file as each other or as an input, and two on
/// standard output.
func refuseClashes(_ outputs: [OutputFile], inputs: [String]) throws(ExitCode) {
    var seen: [String: String] = [:]
    for input in inputs {
        var info = stat()
        if stat(input, &info) == 0 { seen["\(info.st_dev):\(info.st_ino)"] = input }
    }
    var standardOutput: OutputFile?
    for output in outputs {
        if case .standardOutput = output.kind {
            // Two outputs on standard output would come out mixed.
            if let first = standardOutput {
                let carried = first.flag == "--output" ? "the report" : first.flag
                throw fail("\(output.flag) -: standard output already carries \(carried); name a file; nothing was written",
                           status: ExitStatus.usage)
            }
            standardOutput = output
        }
        guard case .file = output.kind, let identity = output.identity else { continue }
        if let other = seen[identity] {
            throw fail("\(output.flag) \(output.path): is the same file as \(other); nothing was written")
        }
        seen[identity] = "\(output.flag) \(output.path)"
    }
}

/// `--warmup D`, for `run`, `compare` and `baseline write`.
struct WarmupOption: ParsableArguments {
    @Option(name: .customLong("warmup"), parsing: .unconditional,
            help: "Leave ops created in this first stretch of each run out of the time distributions (wait, completion and effect times, fairness figures; e.g. 10m). Counts, round trips and timed-out waits cover the whole run.")
    var text: String?

    func validate() throws {
        if let text {
            do { _ = try parseDuration(text) } catch { throw ValidationError("--warmup: \(error.message)") }
        }
    }

    var duration: Duration { text.flatMap { try? parseDuration($0) } ?? .zero }

    /// A warm-up as long as the scenario's time limit leaves every op out: refused (status
    /// 64) rather than answered with empty tables.
    func check(_ scenario: Scenario, file: String) throws(ExitCode) {
        guard let text, duration > .zero, duration >= scenario.timeLimit else { return }
        let limit = formatFixed(scenario.timeLimit.seconds, decimals: 3)
        throw fail("--warmup \(text): not shorter than \(file)'s time_limit (\(limit) s); no op would be measured",
                   status: ExitStatus.usage)
    }
}

