import ArgumentParser
import Foundation
import Scenarios

struct BaselineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline",
        abstract: "Create or refresh baseline files for `simrun check`.",
        subcommands: [WriteBaseline.self])
}

struct WriteBaseline: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "write",
        abstract: "Run scenarios with replications and write their gated figures to a baseline file.",
        discussion: """
            Gate settings already in the output file (threshold, alpha, gated statistics, counts, \
            queues, tasks and per-figure thresholds) are kept for the scenarios it already had.
            """)

    @Argument(help: "Scenario files.")
    var scenarios: [String]

    @Option(help: "Baseline file to write (results/NAME.json).")
    var output: String

    @Option(parsing: .unconditional, help: "Replications per variant.")
    var replications = 10

    @Option(parsing: .unconditional, help: "Seed (default: each scenario's seed).")
    var seed: UInt64?

    @Option(help: "Comma-separated variants (default: each scenario's default variants).")
    var variants: String?

    @OptionGroup var warmup: WarmupOption

    @OptionGroup var jobs: JobsOption

    @OptionGroup var limits: LimitOptions

    @Flag(help: "Print progress to standard error even when it is not a terminal.")
    var progress = false

    func validate() throws {
        guard !scenarios.isEmpty else { throw ValidationError("name at least one scenario file") }
        guard replications >= 1 else { throw ValidationError("--replications must be at least 1, got \(replications)") }
        _ = try variantNames(variants)
    }

    func run() throws {
        let target = try OutputFile.check(output, flag: "--output")
        try refuseClashes([target], inputs: scenarios)
        var previous: [String: GateSettings] = [:]
        if case .file = target.kind, FileManager.default.fileExists(atPath: target.target) {
            do {
                for entry in try Baseline.load(path: target.target, maxBytes: limits.maxFileSize).scenarios {
                    previous[entry.file] = entry.gate
                }
            } catch {
                throw fail("\(error.description) (fix or remove the file to write a new baseline)")
            }
        }
        let warmupDuration = warmup.duration
        var runs: [(path: String, scenario: Scenario, chosen: [Variant])] = []
        for path in scenarios {
            let scenario = try limits.loadScenario(path)
            try warmup.check(scenario, file: path)
            let names = try variantNames(variants)
            let chosen: [Variant]
            do {
                chosen = try ScenarioRunner.variants(names, of: scenario)
            } catch {
                throw fail(error.description)
            }
            try limits.checkBudget(scenario, variants: chosen, replications: replications)
            runs.append((path, scenario, chosen))
        }
        var entries: [BaselineEntry] = []
        var written: [String] = []
        for (path, scenario, chosen) in runs {
            let report = Replicator.run(scenario, chosen: chosen, seed: seed, replications: replications,
                                        threads: jobs.threads, warmup: warmupDuration,
                                        progress: Progress(forced: progress).callAsFunction)
            guard report.isWhole else {
                throw fail("\(path): a replication ended before its work was done; a baseline needs whole runs")
            }
            let gate = previous[path] ?? GateSettings()
            entries.append(BaselineEntry(
                file: path, variants: chosen.map(\.name), seed: report.seed, replications: replications,
                warmup: warmupDuration, fingerprint: report.fingerprint, gate: gate,
                figures: Baseline.gatedFigures(of: report, gate: gate)))
            written.append("baseline \(path): \(chosen.count) variants x \(replications) replications, fingerprint "
                           + report.fingerprint)
        }
        try target.write(Baseline(scenarios: entries).json.rendered() + "\n")
        // Said once the file is written, not before.
        for line in written { print(line) }
    }
}
