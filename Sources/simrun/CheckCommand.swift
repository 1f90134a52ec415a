import ArgumentParser
import Foundation
import Scenarios
import Sim

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Re-run a baseline's scenarios and fail if a gated wait-tail figure got worse.",
        discussion: """
            Re-runs each scenario the baseline names with the baseline's variants, seeds and \
            replication count. If the results' fingerprint equals the baseline's, behaviour is \
            unchanged. Otherwise each gated figure (default p50, p90, p99 and max of wait_seconds and \
            effect_seconds overall and per queue and task, and op counts) fails only if it got worse by more than \
            the threshold (default 5%) AND a one-sided Mann-Whitney test over the replications \
            says so at the baseline's alpha (default 0.001). Thresholds per figure live in the \
            baseline file.

            Exit status: 0 within bounds; 4 a regression; 5 an improvement beyond the threshold \
            (refresh the baseline with `simrun baseline write`); 2 an error.
            """)

    @Argument(help: "Scenario files to check (default: every scenario the baseline names).")
    var scenarios: [String] = []

    @Option(help: "Baseline file (results/*.json).")
    var baseline: String

    @OptionGroup var jobs: JobsOption

    @OptionGroup var limits: LimitOptions

    @Flag(help: "Simulate every poll of a waiter tick by tick (same results; only the kernel job count, and so the fingerprint, differs).")
    var naivePolling = false

    @Flag(help: "List every gated figure, not only those out of bounds.")
    var verbose = false

    @Flag(help: "Print progress to standard error even when it is not a terminal.")
    var progress = false

    func run() throws {
        let file: Baseline
        do {
            file = try Baseline.load(path: baseline, maxBytes: limits.maxFileSize)
        } catch {
            throw fail(error.description)
        }
        var entries = file.scenarios
        if !scenarios.isEmpty {
            for path in scenarios where !entries.contains(where: { $0.file == path }) {
                throw fail("\(baseline): no baseline for \(path) (it has: "
                           + entries.map(\.file).joined(separator: ", ") + ")")
            }
            entries = entries.filter { scenarios.contains($0.file) }
        }
        var regressions = 0
        var improvements = 0
        var runs: [(entry: BaselineEntry, scenario: Scenario, chosen: [Variant])] = []
        for entry in entries {
            let scenario = try limits.loadScenario(entry.file)
            let chosen: [Variant]
            do {
                chosen = try ScenarioRunner.variants(entry.variants, of: scenario)
            } catch {
                throw fail(error.description)
            }
            try limits.checkBudget(scenario, variants: chosen, replications: entry.replications)
            runs.append((entry, scenario, chosen))
        }
        for (entry, scenario, chosen) in runs {
            let report = Replicator.run(scenario, chosen: chosen, seed: entry.seed, replications: entry.replications,
                                        threads: jobs.threads, warmup: entry.warmup, naivePolling: naivePolling,
                                        progress: Progress(forced: progress).callAsFunction)
            guard report.isWhole else {
                throw fail("\(entry.file): a replication ended before its work was done; the gate needs whole runs")
            }
            let gate = Gate.evaluate(entry, against: report)
            print(describe(gate))
            regressions += gate.regressions.count
            improvements += gate.improvements.count
        }
        if regressions > 0 { throw ExitStatus.regression }
        if improvements > 0 { throw ExitStatus.improvement }
    }

    private func describe(_ gate: GateReport) -> String {
        let entry = gate.entry
        var lines = ["check \(entry.file) (variants \(entry.variants.joined(separator: ", ")); seed \(entry.seed); "
                     + "\(entry.replications) replications) against \(baseline)"]
        if gate.unchanged {
            lines.append("  fingerprint \(gate.fingerprint) unchanged: behaviour identical to the baseline")
        } else {
            lines.append("  fingerprint changed (baseline \(entry.fingerprint), now \(gate.fingerprint)): "
                         + "statistical gate over \(gate.verdicts.count) figures, threshold "
                         + "\(formatFixed(entry.gate.threshold * 100, decimals: 1))%, "
                         + (gate.thresholdOnly ? "no rank test (too few replications to reach alpha \(entry.gate.alpha))"
                                               : "one-sided Mann-Whitney at alpha \(entry.gate.alpha)"))
        }
        for verdict in gate.verdicts where verdict.kind != .within || verdict.pValue != nil || verbose {
            lines.append("  " + verdict.line)
        }
        let within = gate.verdicts.count - gate.regressions.count - gate.improvements.count
        lines.append("  result: \(gate.regressions.count) regressions, \(gate.improvements.count) improvements beyond "
                     + "the threshold, \(within) within bounds")
        return lines.joined(separator: "\n")
    }
}
