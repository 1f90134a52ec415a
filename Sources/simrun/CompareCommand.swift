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

            --vary KEY=V1,V2,... (repeatable) runs the comparison at every point of the cross \
            product of the values (any scenario key, as --set; e.g. --vary \
            parameters.cadence=12s,14s --vary overrides.sf_net.singular_dequeue=round,restart) \
            and prints one row per point and variant: how much a finding moves with a setting.
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

    @Option(parsing: .unconditional, help: "Seed for every random stream (default: the scenario's seed).")
    var seed: UInt64?

    @OptionGroup var out: OutputOptions

    @OptionGroup var set: SettingOptions

    @OptionGroup var limits: LimitOptions

    @OptionGroup var events: EventsOption

    @Option(name: .customLong("vary"),
            help: ArgumentHelp("Run the comparison at each value of a scenario key (repeatable: the cross product), e.g. --vary parameters.cadence=12s,14s.",
                               valueName: "key=v1,v2,..."))
    var vary: [String] = []

    func validate() throws {
        _ = try variantNames(variants)
        for argument in vary {
            do { _ = try SweepGrid.Axis.parse(argument, flag: "--vary") } catch { throw ValidationError(error.message) }
        }
        if !vary.isEmpty && events.events != nil {
            throw ValidationError("--events records one comparison; use it without --vary")
        }
        try events.validate(replications: replication.replications, output: out.output)
        if !vary.isEmpty && replication.replications > 1 {
            throw ValidationError("--vary runs each point once; use simrun sweep for replicated grids")
        }
    }

    func run() throws {
        let target = try out.targets()
        let eventsTarget = try events.target()
        try refuseClashes(target.files + [eventsTarget].compactMap { $0 }, inputs: [self.scenario])
        let focus = queues.map { ComparisonFocus(.queue, $0) } + tasks.map { ComparisonFocus(.task, $0) }
        if !vary.isEmpty {
            try runSensitivity(focus: focus, to: target)
            return
        }
        let scenario = try limits.loadScenario(self.scenario, settings: set.settings())
        try replication.warmup.check(scenario, file: self.scenario)
        try checkFocus(scenario)
        var chosen: [Variant] = stepsMatrix ? StepsMatrix.variants() : []
        let names = try variantNames(variants)
        if !names.isEmpty || chosen.isEmpty {
            do {
                chosen += try ScenarioRunner.variants(names, of: scenario)
            } catch {
                throw fail(error.description)
            }
        }
        try limits.checkBudget(scenario, variants: chosen, replications: replication.replications)
        var outputs = OutputBatch()
        let report = try replication.run(scenario, chosen: chosen, seed: seed, out: out, events: eventsTarget,
                                         into: &outputs)
        try out.finish(report, table: report.comparisonTable(focus: focus.isEmpty ? report.slowestQueues() : focus),
                       to: target, with: outputs)
    }

    /// `--queue` and `--task` must name a queue or task this scenario can have (status 64
    /// otherwise, with the nearest spelling).
    private func checkFocus(_ scenario: Scenario) throws(ExitCode) {
        let queueNames = scenario.queueNames
        for queue in queues where !queueNames.contains(queue) {
            throw fail("--queue \"\(queue)\": this scenario has no such queue" + hint(queue, queueNames)
                       + " (queues are named TARGET-FAMILY-PRIORITY, e.g. networknode-clusteroperation-user_facing)",
                       status: ExitStatus.usage)
        }
        let taskNames = scenario.taskNames
        for task in tasks where !task.split(separator: "+").allSatisfy({ taskNames.contains(String($0)) }) {
            throw fail("--task \"\(task)\": this scenario has no such task" + hint(task, taskNames),
                       status: ExitStatus.usage)
        }
    }

    private func hint(_ word: String, _ names: [String]) -> String {
        nearestSpelling(to: word, among: names).map { "; did you mean \"\($0)\"?" } ?? ""
    }
}

extension CompareCommand {
    /// `--vary`: the comparison at every point of the grid.
    private func runSensitivity(focus: [ComparisonFocus], to target: OutputOptions.Targets) throws {
        let grid: SweepGrid
        do {
            var axes: [SweepGrid.Axis] = []
            for argument in vary { axes.append(try SweepGrid.Axis.parse(argument, flag: "--vary")) }
            grid = try SweepGrid(axes: axes)
        } catch {
            throw fail(error.message, status: ExitCode.validationFailure)
        }
        let names = try variantNames(variants)
        let settings = try set.settings()
        let report: SensitivityReport
        do {
            report = try SensitivityReport.run(
                file: scenario, settings: settings, grid: grid, variants: names, stepsMatrix: stepsMatrix, seed: seed,
                warmup: replication.warmupDuration, maxBytes: limits.maxFileSize, threads: replication.threads,
                check: { (scenario, chosen) throws(ExitCode) in
                    try checkFocus(scenario)
                    try limits.checkBudget(scenario, variants: chosen, replications: 1)
                }, progress: out.progressLine.callAsFunction)
        } catch let failure as Sweep.Failure {
            throw fail(failure.description, status: failure.isCommandLine ? ExitStatus.usage : ExitStatus.badInput)
        }
        try out.finish(report, table: report.table(focus: focus), to: target)
    }
}

extension String {
    var trimmed: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
