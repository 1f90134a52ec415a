import ArgumentParser
import Foundation
import Scenarios
import Sim

enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case md, json
}

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "The fairness decision: each policy against strict, with confidence intervals, and a recommendation.",
        discussion: """
            Each file is a fairness study: a scenario whose variants differ in their fairness \
            policy, one of them strict. Every variant runs --replications times with the same \
            seeds; each policy's user-facing p99 cost and background tail gain are paired \
            differences against strict, with 95% intervals. A policy passes a study when the \
            upper end of its cost interval is within --user-p99-budget and the upper end of the \
            interval of its background lanes' longest wait is within the bound (--background-bound, \
            default each scenario's figures.wait_bound). The recommendation names the policy \
            that passes every study strict does not settle, with the smallest cost.
            """)

    @Argument(help: "Fairness studies (scenario files).")
    var scenarios: [String]

    @Option(parsing: .unconditional, help: "Largest acceptable increase of the user-facing p99 over strict (e.g. 2s).")
    var userP99Budget = "2s"

    @Option(parsing: .unconditional, help: "Longest acceptable background wait (default: each scenario's figures.wait_bound).")
    var backgroundBound: String?

    @Option(parsing: .unconditional, help: "Replications of each variant.")
    var replications = 10

    @Option(parsing: .unconditional, help: "Seed (default: each scenario's).")
    var seed: UInt64?

    @Option(parsing: .unconditional, help: "Threads (default: every core). The output does not depend on it.")
    var jobs: Int?

    @OptionGroup var set: SettingOptions

    @Option(help: "Output format.")
    var format: ReportFormat = .md

    @Option(help: "Write the report to this file instead of standard output.")
    var output: String?

    @Option(help: ArgumentHelp("Also write an HTML report with charts (a section per study) to this file.", valueName: "file"))
    var html: String?

    @Flag(help: "Print progress to standard error even when it is not a terminal.")
    var progress = false

    @OptionGroup var limits: LimitOptions

    func validate() throws {
        guard !scenarios.isEmpty else { throw ValidationError("give at least one scenario file") }
        guard replications >= 2 else { throw ValidationError("--replications must be at least 2 (for the intervals)") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        for (name, text) in [("--user-p99-budget", userP99Budget), ("--background-bound", backgroundBound ?? "1s")] {
            do { _ = try parseDuration(text) } catch { throw ValidationError("\(name): \(error.message)") }
        }
    }

    func run() throws {
        let target = try OutputFile.check(output ?? "-", flag: "--output")
        let htmlTarget = try html.map { (path) throws(ExitCode) in try OutputFile.check(path, flag: "--html") }
        try refuseClashes([target] + (htmlTarget.map { [$0] } ?? []), inputs: scenarios)
        let criteria: DecisionReport.Criteria
        do {
            criteria = DecisionReport.Criteria(userP99Budget: try parseDuration(userP99Budget),
                                               backgroundBound: try backgroundBound.map(parseDuration))
        } catch {
            throw fail("\(error)", status: ExitCode.validationFailure)
        }
        let settings = try set.settings()
        let line = Progress(forced: progress)
        var requests: [Sweep.Request] = []
        for file in scenarios {
            var request = Sweep.Request(file: file, settings: settings, grid: try SweepGrid(axes: []),
                                        replications: replications, seed: seed)
            request.maxBytes = limits.maxFileSize
            requests.append(request)
        }
        // Every study is read and checked against the budget before the first one runs.
        for request in requests { try checkBudget(request.file, settings: settings) }
        var results: [SweepResult] = []
        for request in requests {
            line("study \(request.file) ...")
            results.append(try study(request, progress: line))
        }
        do {
            let report = try DecisionReport(results, criteria: criteria)
            var outputs = OutputBatch()
            try outputs.add(format == .md ? report.markdown : report.json.rendered() + "\n", to: target)
            if let htmlTarget {
                try outputs.add(HTMLReport.render(title: "simrun report: the fairness decision",
                                                  sections: results.map { ChartReport(sweep: $0) }), to: htmlTarget)
            }
            try outputs.commit()
        } catch let error as DecisionReport.Failure {
            throw fail(error.message)
        }
    }

    private func checkBudget(_ file: String, settings: [YAMLSetting]) throws(ExitCode) {
        let scenario = try limits.loadScenario(file, settings: settings)
        let chosen: [Variant]
        do { chosen = try ScenarioRunner.variants([], of: scenario) } catch { throw fail(error.description) }
        try limits.checkBudget(scenario, variants: chosen, replications: replications)
    }

    private func study(_ request: Sweep.Request, progress: Progress) throws(ExitCode) -> SweepResult {
        do {
            return try Sweep.run(request, threads: jobs ?? Replicator.availableThreads,
                                 progress: progress.callAsFunction)
        } catch {
            throw fail(error.description, status: error.isCommandLine ? ExitCode.validationFailure : ExitStatus.badInput)
        }
    }
}
