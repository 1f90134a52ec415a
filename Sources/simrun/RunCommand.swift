import ArgumentParser
import Scenarios

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a scenario's variants and print the wait_seconds distribution of each.",
        discussion: """
            wait_seconds is the time from an op's creation to the start of its execution (defers \
            included); completion_seconds runs to its terminal state. Each is summarised overall, \
            by queue, by op type and by task.
            """)

    @Argument(help: "Scenario file (YAML).")
    var scenario: String

    @Option(name: .customLong("variant"), help: "Variant to run (repeatable; default: the scenario's default variants).")
    var variants: [String] = []

    @Option(help: "Seed for every random stream (default: the scenario's seed).")
    var seed: UInt64?

    @Option(help: "Output format.")
    var format: OutputFormat = .table

    @Option(help: "Write the report to this file instead of standard output.")
    var output: String?

    @Flag(help: "Leave wall-clock figures out, so the same seed gives byte-identical output.")
    var deterministic = false

    @OptionGroup var replication: ReplicationOptions

    @Option(help: "Also write every op event (created, started, deferred, folded, ...) to this file, tab-separated.")
    var trace: String?

    @Flag(help: "Print progress to standard error even when it is not a terminal.")
    var progress = false

    @Flag(help: "Exit with status 3 if coalescing lost work (an op folded or deduplicated into one that never made its change).")
    var strict = false

    func validate() throws {
        if trace != nil && replication.replications > 1 {
            throw ValidationError("--trace records one run; use it without --replications")
        }
    }

    func run() throws {
        let scenario = try loadScenario(self.scenario)
        let chosen: [Variant]
        do {
            chosen = try ScenarioRunner.variants(variants, of: scenario)
        } catch {
            throw fail(error.description)
        }
        if replication.replications > 1 {
            try runReplicated(scenario, chosen)
            return
        }
        let report = ScenarioRunner.run(scenario, chosen: chosen, seed: seed, measureWallTime: !deterministic,
                                        tracing: trace != nil, warmup: replication.warmupDuration,
                                        progress: Progress(forced: progress).callAsFunction)
        if let trace { try emit(report.traceLines, to: trace) }
        try emit(format == .json ? report.json.rendered() + "\n" : report.table, to: output)
        if !report.isWhole {
            throw fail("a run ended before its work was done (see \"ended\" in the report)", status: ExitStatus.incomplete)
        }
        if strict && report.hasEffectViolations {
            throw fail("coalescing lost work (see \"LOST WORK\" / effect_violations in the report)",
                       status: ExitStatus.lostWork)
        }
    }
}

extension RunCommand {
    private func runReplicated(_ scenario: Scenario, _ chosen: [Variant]) throws {
        let report = Replicator.run(scenario, chosen: chosen, seed: seed, replications: replication.replications,
                                    threads: replication.threads, warmup: replication.warmupDuration,
                                    measureWallTime: !deterministic, progress: Progress(forced: progress).callAsFunction)
        try emit(format == .json ? report.json.rendered() + "\n" : report.table, to: output)
        if !report.isWhole {
            throw fail("a replication ended before its work was done (see the endings in the report)",
                       status: ExitStatus.incomplete)
        }
        if strict && report.hasEffectViolations {
            throw fail("coalescing lost work (see LOST WORK / effect_violations in the report)", status: ExitStatus.lostWork)
        }
    }
}
