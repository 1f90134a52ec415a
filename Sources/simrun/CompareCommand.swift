import ArgumentParser
import Scenarios

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Run variants side by side and tabulate what each changes in the wait tail.",
        discussion: """
            --steps-matrix runs the baseline (no step of the seed plan), each step alone, the \
            cumulative steps 1..k, all steps, and all steps with the follow-up, on the scenario's \
            own settings. --variants runs named variants of the scenario. With neither, the \
            scenario's default variants. Every variant replays the same arrivals and service \
            times (common random numbers), so differences come from the switches. The first \
            variant is the baseline of the "vs baseline" column.
            """)

    @Argument(help: "Scenario file (YAML).")
    var scenario: String

    @Flag(help: "Run the steps matrix.")
    var stepsMatrix = false

    @Option(help: "Comma-separated variants of the scenario to run (after the matrix, if both).")
    var variants: String?

    @Option(name: .customLong("queue"), help: "A queue to tabulate (repeatable; default: the three slowest).")
    var queues: [String] = []

    @Option(name: .customLong("task"), help: "A task to tabulate (repeatable).")
    var tasks: [String] = []

    @OptionGroup var replication: ReplicationOptions

    @Option(help: "Seed for every random stream (default: the scenario's seed).")
    var seed: UInt64?

    @Option(help: "Output format (json: the same shape as run, one entry per variant).")
    var format: OutputFormat = .table

    @Option(help: "Write the report to this file instead of standard output.")
    var output: String?

    @Flag(help: "Leave wall-clock figures out of JSON.")
    var deterministic = false

    @Flag(help: "Print progress to standard error even when it is not a terminal.")
    var progress = false

    @Flag(help: "Exit with status 3 if coalescing lost work in any variant.")
    var strict = false

    func run() throws {
        let scenario = try loadScenario(self.scenario)
        var chosen: [Variant] = stepsMatrix ? StepsMatrix.variants() : []
        let names = variants.map { $0.split(separator: ",").map { String($0).trimmed } } ?? []
        for name in names {
            guard let variant = scenario.variant(named: name) else {
                throw fail("\(scenario.file): unknown variant \"\(name)\" (this scenario has: "
                           + scenario.variants.map(\.name).joined(separator: ", ") + ")")
            }
            chosen.append(variant)
        }
        if chosen.isEmpty {
            chosen = scenario.defaultVariants.compactMap { scenario.variant(named: $0) }
        }
        var focus = queues.map { ComparisonFocus(.queue, $0) } + tasks.map { ComparisonFocus(.task, $0) }
        if replication.replications > 1 {
            let report = Replicator.run(scenario, chosen: chosen, seed: seed, replications: replication.replications,
                                        threads: replication.threads, warmup: replication.warmupDuration,
                                        measureWallTime: !deterministic,
                                        progress: Progress(forced: progress).callAsFunction)
            if focus.isEmpty { focus = report.slowestQueues() }
            try emit(format == .json ? report.json.rendered() + "\n" : report.comparisonTable(focus: focus), to: output)
            if !report.isWhole {
                throw fail("a replication ended before its work was done", status: ExitStatus.incomplete)
            }
            if strict && report.hasEffectViolations {
                throw fail("coalescing lost work", status: ExitStatus.lostWork)
            }
            return
        }
        let report = ScenarioRunner.run(scenario, chosen: chosen, seed: seed, measureWallTime: !deterministic,
                                        warmup: replication.warmupDuration,
                                        progress: Progress(forced: progress).callAsFunction)
        if focus.isEmpty { focus = report.slowestQueues() }
        try emit(format == .json ? report.json.rendered() + "\n" : report.comparisonTable(focus: focus), to: output)
        if !report.isWhole {
            throw fail("a run ended before its work was done (marked INCOMPLETE)", status: ExitStatus.incomplete)
        }
        if strict && report.hasEffectViolations {
            throw fail("coalescing lost work (the \"lost\" column)", status: ExitStatus.lostWork)
        }
    }
}

extension String {
    var trimmed: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
