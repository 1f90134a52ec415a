import ArgumentParser
import Scenarios

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a scenario's variants and print the wait_seconds distribution of each.",
        discussion: """
            wait_seconds is the time from an op's creation to the start of its execution (defers \
            included); effect_seconds, for every request (every op created or deduplicated), the \
            time to the end of the execution that made its change (its own or another's) or to \
            its error or abort; completion_seconds runs to its terminal state. Each is summarised \
            overall, by queue, by op type and by task.
            """)

    @Argument(help: "Scenario file (YAML).")
    var scenario: String

    @Option(name: .customLong("variant"), help: "Variant to run (repeatable; default: the scenario's default variants).")
    var variants: [String] = []

    @Option(parsing: .unconditional, help: "Seed for every random stream (default: the scenario's seed).")
    var seed: UInt64?

    @OptionGroup var out: OutputOptions

    @OptionGroup var set: SettingOptions

    @OptionGroup var replication: ReplicationOptions

    @Option(help: "Also write every op event (created, started, deferred, folded, ...) to this file, tab-separated; written like --output.")
    var trace: String?

    @OptionGroup var events: EventsOption

    @OptionGroup var limits: LimitOptions

    @Flag(help: "Simulate every poll of a waiter tick by tick (same results, more kernel jobs; the default skips the polls that cannot see a change).")
    var naivePolling = false

    func validate() throws {
        if trace != nil && replication.replications > 1 {
            throw ValidationError("--trace records one run; use it without --replications")
        }
        try events.validate(replications: replication.replications, output: out.output)
    }

    func run() throws {
        let targets = try out.targets()
        let traceTarget = try trace.map { (path) throws(ExitCode) in try OutputFile.check(path, flag: "--trace") }
        let eventsTarget = try events.target()
        try refuseClashes(targets.files + [traceTarget, eventsTarget].compactMap { $0 }, inputs: [self.scenario])
        let scenario = try limits.loadScenario(self.scenario, settings: set.settings())
        try replication.warmup.check(scenario, file: self.scenario)
        let chosen: [Variant]
        do {
            chosen = try ScenarioRunner.variants(variants, of: scenario)
        } catch {
            throw fail(error.description)
        }
        try limits.checkBudget(scenario, variants: chosen, replications: replication.replications,
                               tracing: trace != nil)
        var outputs = OutputBatch()
        let report = try replication.run(scenario, chosen: chosen, seed: seed, out: out, events: eventsTarget,
                                         into: &outputs, tracing: trace != nil, naivePolling: naivePolling)
        if let traceTarget { try outputs.add(report.traceLines, to: traceTarget) }
        try out.finish(report, table: report.table, to: targets, with: outputs)
    }
}
