import ArgumentParser
import Dispatch
import Foundation
import Live
import Model
import Scenarios
import Sim
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `simrun live ...`: the model's daemons against a real MariaDB server (docs/live.md).
struct LiveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live",
        abstract: "Run the model's daemons against a real MariaDB server with the real SQL.",
        discussion: """
            Needs MariaDB Connector/C at run time (Debian: libmariadb3, pulled in by \
            libmariadb-dev), loaded only when a live command runs. scripts/mariadb.sh start runs \
            a throwaway server and prints the URL to pass as --mariadb.
            """,
        subcommands: [LiveInitCommand.self, LiveRunCommand.self, LiveCompareCommand.self, LiveSQLCommand.self])
}

/// Options every live command that talks to a server takes.
struct ServerOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The server, e.g. mariadb://root@localhost/simrun?socket=/tmp/simrun-mariadb-0/sock (scripts/mariadb.sh start prints it).",
                               valueName: "url"))
    var mariadb: String

    @Option(help: ArgumentHelp("A SQL file to run instead of the built-in statements (simrun live sql prints them).",
                               valueName: "file"))
    var sql: String?

    func url() throws(ExitCode) -> DatabaseURL {
        do { return try DatabaseURL(parsing: mariadb) } catch { throw fail("\(error)", status: ExitStatus.usage) }
    }

    /// The statements: `--sql FILE`, else the built-in ones (as deployed, inert, when
    /// `asDeployed`).
    func statements(asDeployed: Bool) throws(ExitCode) -> SQLStatements {
        let text = try sql.map { (path) throws(ExitCode) in try Self.read(path) }
        do {
            guard let sql, let text else { return try SQLStatements.builtIn(asDeployed: asDeployed) }
            return try SQLStatements(text: text, source: sql)
        } catch {
            throw fail("\(error)")
        }
    }

    /// A `--sql` file's text, through the input checks (missing, a directory, too large) and
    /// decoded strictly: Foundation's own errors named neither the file nor the problem.
    private static func read(_ path: String) throws(ExitCode) -> String {
        let bytes: [UInt8]
        do {
            bytes = try InputFile.contents(path: path, maxBytes: YAMLInputLimits.defaultMaxBytes, expected: "a SQL file")
        } catch {
            throw fail(error.description)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw fail("\(path): not UTF-8 text; expected a SQL file (simrun live sql prints one)")
        }
        return text
    }
}

struct LiveSQLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sql", abstract: "Print the built-in SQL file (edit a copy, pass it with --sql).")

    @Flag(help: "The statements as deployed from 2026-05-26 to 2026-08-24: the uuid join that never matches.")
    var asDeployed = false

    func run() throws {
        print(SQLStatements.builtInText(asDeployed: asDeployed), terminator: "")
    }
}

struct LiveInitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Create the schema (model file section 11) on the server.")

    @OptionGroup var server: ServerOptions

    func run() throws {
        let url = try server.url()
        let statements = try server.statements(asDeployed: false)
        do {
            let tables = try LiveSchema.create(url: url, sql: statements)
            print("schema ready on \(url): \(tables.joined(separator: ", "))")
        } catch {
            throw fail("live init: \(error)")
        }
    }
}

struct LiveRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Replay a scenario's variant in real time against the server.",
        discussion: """
            Every modelled duration is multiplied by --time-scale (0.1: ten times faster than \
            the cluster); results are reported in scenario seconds. The tables are emptied \
            first. Counters are read back from the server. Ctrl-C stops the run and releases \
            every claimed row.
            """)

    @OptionGroup var replay: LiveReplayOptions

    func run() throws {
        let plan = try replay.plan()
        let result = try plan.runLive(timeScale: replay.timeScale, seed: replay.seed, progress: replay.progressLine)
        switch replay.format {
        case .table: print(LiveReport.table(live: result, scenario: plan.scenario.name), terminator: "")
        case .json: print(LiveReport.json(live: result, scenario: plan.scenario.name).rendered())
        }
        if !result.failures.isEmpty || result.ending != "completed" { throw ExitStatus.incomplete }
    }
}

struct LiveCompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare", abstract: "Run the simulator and live mode on one scenario and set them side by side.",
        discussion: """
            Prints wait percentiles, counts, the Kolmogorov-Smirnov distance between the two \
            wait_seconds distributions, and a DIVERGENCE line when live folds or deduplications \
            differ from the simulator's (exit status 1).
            """)

    @OptionGroup var replay: LiveReplayOptions

    func run() throws {
        let plan = try replay.plan()
        let simulated = plan.runSimulated(seed: replay.seed)
        let live = try plan.runLive(timeScale: replay.timeScale, seed: replay.seed, progress: replay.progressLine)
        let comparison = LiveComparison(simulated: simulated, live: live)
        switch replay.format {
        case .table: print(comparison.table(scenario: plan.scenario.name), terminator: "")
        case .json: print(comparison.json(scenario: plan.scenario.name).rendered())
        }
        if comparison.diverges || !comparison.comparable || !live.failures.isEmpty {
            throw ExitStatus.incomplete
        }
    }
}

/// A scenario, its variant and the server, checked before anything runs.
struct LivePlan {
    let scenario: Scenario
    let variant: Variant
    let url: DatabaseURL
    let statements: SQLStatements

    init(scenario path: String, variant name: String?, server: ServerOptions, settings: SettingOptions) throws(ExitCode) {
        scenario = try loadScenario(path, settings: settings.settings())
        let names = name.map { [$0] } ?? Array(scenario.defaultVariants.prefix(1))
        do {
            guard let first = try ScenarioRunner.variants(names, of: scenario).first else {
                throw fail("\(path): no variant to run", status: ExitStatus.usage)
            }
            variant = first
        } catch let error as ExitCode {
            throw error
        } catch {
            throw fail("\(error)", status: ExitStatus.usage)
        }
        url = try server.url()
        let config = scenario.config(for: variant)
        statements = try server.statements(asDeployed: config.coalescingSQL != .matches)
        do { try LiveRun.check(config, variant: variant.name) } catch { throw fail("\(error)", status: ExitStatus.usage) }
    }

    func runSimulated(seed: UInt64?) -> RunResultSample {
        let report = ScenarioRunner.run(scenario, chosen: [variant], seed: seed, measureWallTime: false, tracing: true)
        return RunResultSample(report.runs[0].result)
    }

    /// Runs live, stopping cleanly on Ctrl-C (a second Ctrl-C exits at once).
    func runLive(timeScale: Double, seed: UInt64?, progress line: Progress) throws(ExitCode) -> LiveResult {
        let stop = LiveStop()
        let progress: (@Sendable (RunProgress, Double) -> Void)? = line.enabled
            ? { @Sendable [variant, scenario] now, wall in
                line(ScenarioRunner.progressLine(now, variant: variant.name, timeLimit: scenario.timeLimit, wall: wall,
                                                 clock: "scenario"))
            }
            : nil
        Interrupts.onInterrupt { signal in stop.request(signal == SIGINT ? "interrupted" : "terminated") }
        defer { Interrupts.onInterrupt(nil) }
        let outcome = blocking { [scenario, variant, url, statements] () async -> Result<LiveResult, any Error> in
            do {
                return .success(try await LiveRun.run(scenario, variant: variant, url: url, sql: statements,
                                                      timeScale: timeScale, seed: seed ?? scenario.seed, stop: stop,
                                                      progress: progress))
            } catch {
                return .failure(error)
            }
        }
        switch outcome {
        case .success(let result):
            if result.ending == "interrupted" { throw fail("live run interrupted; claimed rows released", status: ExitCode(130)) }
            if result.ending == "terminated" { throw fail("live run terminated; claimed rows released", status: ExitCode(143)) }
            return result
        case .failure(let error):
            throw fail("live run: \(error)")
        }
    }
}

/// Runs `body` on the concurrent executor and waits for it on this thread.
func blocking<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
    let semaphore = DispatchSemaphore(value: 0)
    let box = ResultBox<T>()
    Task {
        box.value = await body()
        semaphore.signal()
    }
    semaphore.wait()
    return box.value!
}

private final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}

/// What `live run` and `live compare` both take: the scenario, its variant, the server, the
/// time scale and the seed.
struct LiveReplayOptions: ParsableArguments {
    @Argument(help: "Scenario file (YAML).")
    var scenario: String

    @Option(help: "The variant to run (default: the scenario's first default variant).")
    var variant: String?

    @OptionGroup var server: ServerOptions

    @Option(help: "Wall seconds per scenario second (0.01 to 10).")
    var timeScale: Double = 1

    @Option(parsing: .unconditional, help: "Seed for every random stream (default: the scenario's seed).")
    var seed: UInt64?

    @Option(help: "table, or json for a program (the same figures; docs/live.md).")
    var format: TableOrJSON = .table

    @Flag(help: "Print progress to standard error even when it is not a terminal (every 2 s of wall time: the scenario clock against the time limit, ops created and ended).")
    var progress = false

    var progressLine: Progress { Progress(forced: progress) }

    @OptionGroup var set: SettingOptions

    func validate() throws {
        guard timeScale >= 0.01, timeScale <= 10 else {
            throw ValidationError("--time-scale must be from 0.01 to 10, got \(timeScale)")
        }
    }

    func plan() throws -> LivePlan {
        try LivePlan(scenario: scenario, variant: variant, server: server, settings: set)
    }
}
