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

    @Option(help: "Largest acceptable increase of the user-facing p99 over strict (e.g. 2s).")
    var userP99Budget = "2s"

    @Option(help: "Longest acceptable background wait (default: each scenario's figures.wait_bound).")
    var backgroundBound: String?

    @Option(help: "Replications of each variant.")
    var replications = 10

    @Option(help: "Seed (default: each scenario's).")
    var seed: UInt64?

    @Option(help: "Threads (default: every core). The output does not depend on it.")
    var jobs: Int?

    @OptionGroup var set: SettingOptions

    @Option(help: "Output format.")
    var format: ReportFormat = .md

    @Option(help: "Write the report to this file instead of standard output.")
    var output: String?

    @Flag(help: "Print progress to standard error even when it is not a terminal.")
    var progress = false

    func validate() throws {
        guard !scenarios.isEmpty else { throw ValidationError("give at least one scenario file") }
        guard replications >= 2 else { throw ValidationError("--replications must be at least 2 (for the intervals)") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        for (name, text) in [("--user-p99-budget", userP99Budget), ("--background-bound", backgroundBound ?? "1s")] {
            do { _ = try parseDuration(text) } catch { throw ValidationError("\(name): \(error.message)") }
        }
    }

    func run() throws {
        let criteria: DecisionReport.Criteria
        do {
            criteria = DecisionReport.Criteria(userP99Budget: try parseDuration(userP99Budget),
                                               backgroundBound: try backgroundBound.map(parseDuration))
        } catch {
            throw fail("\(error)", status: ExitCode.validationFailure)
        }
        let settings = try set.settings()
        let line = Progress(forced: progress)
        var results: [SweepResult] = []
        for file in scenarios {
            line("study \(file) ...")
            do {
                let request = Sweep.Request(file: file, settings: settings, grid: try SweepGrid(axes: []),
                                            replications: replications, seed: seed)
                results.append(try Sweep.run(request, threads: jobs ?? Replicator.availableThreads,
                                             progress: line.callAsFunction))
            } catch let error as Sweep.Failure {
                throw fail(error.description, status: error.isCommandLine ? ExitCode.validationFailure : ExitStatus.badInput)
            }
        }
        do {
            let report = try DecisionReport(results, criteria: criteria)
            try emit(format == .md ? report.markdown : report.json.rendered() + "\n", to: output)
        } catch let error as DecisionReport.Failure {
            throw fail(error.message)
        }
    }
}
