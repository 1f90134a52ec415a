import ArgumentParser
import Foundation
import Scenarios

/// Exit statuses shared by every subcommand.
enum ExitStatus {
    static let incomplete = ExitCode(1)
    static let badInput = ExitCode(2)
    static let lostWork = ExitCode(3)
    static let regression = ExitCode(4)
    static let improvement = ExitCode(5)
}

/// Prints a one-line error to standard error and exits with `status`.
func fail(_ message: String, status: ExitCode = ExitStatus.badInput) -> ExitCode {
    FileHandle.standardError.write(Data("simrun: \(message)\n".utf8))
    return status
}

/// Writes `text` to standard output, or to `path` through a temporary file renamed into
/// place, so a reader never sees half a report.
func emit(_ text: String, to path: String?) throws(ExitCode) {
    guard let path else {
        FileHandle.standardOutput.write(Data(text.utf8))
        return
    }
    let temporary = path + ".partial"
    do {
        try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
        if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
        try FileManager.default.moveItem(atPath: temporary, toPath: path)
    } catch {
        try? FileManager.default.removeItem(atPath: temporary)
        throw fail("\(path): cannot write output: \(error.localizedDescription)")
    }
}

/// Progress lines go to standard error, and only to a terminal unless asked for.
struct Progress {
    let enabled: Bool

    init(forced: Bool) {
        enabled = forced || isatty(STDERR_FILENO) != 0
    }

    func callAsFunction(_ line: String) {
        guard enabled else { return }
        FileHandle.standardError.write(Data("simrun: \(line)\n".utf8))
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}

/// Loads a scenario file with `settings` (`--set`) applied, turning any problem into a
/// one-line error: exit status 2 for the file, 64 for a value set on the command line.
func loadScenario(_ path: String, settings: [YAMLSetting] = []) throws(ExitCode) -> Scenario {
    do {
        return try ScenarioParser.load(path: path, settings: settings)
    } catch {
        throw fail(error.description, status: error.fromCommandLine ? ExitCode.validationFailure : ExitStatus.badInput)
    }
}

/// `--set KEY=VALUE` (repeatable), for every command that reads a scenario.
struct SettingOptions: ParsableArguments {
    @Option(name: .customLong("set"),
            help: ArgumentHelp("Set a scenario key before the file is read (repeatable), e.g. --set 'workload[3].repeat.every=12s' or --set fairness.after=30s; the value is YAML.",
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

/// Options shared by `run` and `compare` for replicated runs.
struct ReplicationOptions: ParsableArguments {
    @Option(help: "Independent replications per variant (seeds derived from the seed and the replication index); adds means and 95% confidence intervals.")
    var replications = 1

    @Option(help: "Threads for replications (default: every core). The output does not depend on it.")
    var jobs: Int?

    @OptionGroup var warmup: WarmupOption

    func validate() throws {
        guard replications >= 1 else { throw ValidationError("--replications must be at least 1") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    }

    var warmupDuration: Duration { warmup.duration }

    var threads: Int { jobs ?? Replicator.availableThreads }
}

/// Output options shared by `run` and `compare`.
struct OutputOptions: ParsableArguments {
    @Option(help: "Output format.")
    var format: OutputFormat = .table

    @Option(help: "Write the report to this file instead of standard output.")
    var output: String?

    @Flag(help: "Leave wall-clock figures out, so the same seed gives byte-identical output.")
    var deterministic = false

    @Flag(help: "Print progress to standard error even when it is not a terminal.")
    var progress = false

    @Flag(help: "Exit with status 3 if coalescing lost work (an op folded or deduplicated into one that never made its change).")
    var strict = false

    var progressLine: Progress { Progress(forced: progress) }

    /// Writes `report` (as `table` or JSON) and exits non-zero if a run was incomplete or,
    /// under --strict, if coalescing lost work.
    func finish(_ report: some SimulationReport, table: String) throws {
        try emit(format == .json ? report.json.rendered() + "\n" : table, to: output)
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

/// `--warmup D`, for `run`, `compare` and `baseline write`.
struct WarmupOption: ParsableArguments {
    @Option(name: .customLong("warmup"),
            help: "Leave ops created in this first stretch of each run out of the statistics (e.g. 10m).")
    var text: String?

    func validate() throws {
        if let text {
            do { _ = try parseDuration(text) } catch { throw ValidationError("--warmup: \(error.message)") }
        }
    }

    var duration: Duration { text.flatMap { try? parseDuration($0) } ?? .zero }
}
