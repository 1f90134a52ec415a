import Foundation
import Model
import Scenarios
import Testing

/// Every scenario file shipped in `scenarios/`.
private let shipped: [String] = {
    let directory = CLI.packageRoot.appendingPathComponent("scenarios")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    return names.filter { $0.hasSuffix(".yaml") }.sorted().map { directory.appendingPathComponent($0).path }
}()

@Test func scenariosAreShipped() {
    #expect(shipped.map { URL(fileURLWithPath: $0).lastPathComponent }.contains("six-instance-starts.yaml"))
    #expect(shipped.map { URL(fileURLWithPath: $0).lastPathComponent }.contains("mmc.yaml"))
}

/// Same scenario, same seed: identical report bytes, for every shipped scenario and variant.
@Test(arguments: shipped)
func sameSeedTwiceGivesIdenticalBytes(path: String) throws {
    let scenario = try ScenarioParser.load(path: path)
    let first = try ScenarioRunner.run(scenario, measureWallTime: false)
    let second = try ScenarioRunner.run(scenario, measureWallTime: false)
    #expect(first.isWhole, "every shipped scenario completes")
    #expect(first.json.rendered() == second.json.rendered())
    #expect(first.table == second.table)
}

/// The M/M/3 scenario's mean wait against Erlang C. One run of 100,000 customers at rho 0.8:
/// over seeds 1-8 the run's mean wait had a standard deviation of 0.032 s (3 % of theory;
/// measured with `simrun run scenarios/mmc.yaml --seed N`), so 10 % is over three standard
/// deviations. The replicated, interval-based checks of the theory live in the Sim and Model
/// tests.
@Test func mmcScenarioMatchesErlangC() throws {
    let path = try #require(shipped.first { $0.hasSuffix("/mmc.yaml") })
    let report = try ScenarioRunner.run(ScenarioParser.load(path: path), measureWallTime: false)
    let mean = try #require(report.runs.first).result.wait.all.meanSeconds
    let erlangC = 1.0787  // c = 3, lambda = 2.4/s, mu = 1/s (see the scenario file)
    #expect(abs(mean - erlangC) / erlangC < 0.10, "mean wait \(mean) s vs Erlang C \(erlangC) s")
}

/// The `later` era (phase 11's coalescing set) loses no work on any shipped scenario.
@Test(arguments: shipped)
func laterLosesNoWorkOnAnyShippedScenario(path: String) throws {
    let scenario = try ScenarioParser.load(path: path)
    let later = Variant(name: "later-check", description: nil, settings: ModelSettings(era: .later))
    let report = ScenarioRunner.run(scenario, chosen: [later], measureWallTime: false)
    let run = try #require(report.runs.first)
    #expect(report.isWhole)
    #expect(run.result.effectViolations.isEmpty, "\(run.result.effectViolations.prefix(3))")
}

/// The plan as deployed (#3878) on the CI workload: steps 4 and 5 run, and pay, but never
/// match: folds and lookups happen, nothing is folded or deduplicated, nothing is lost.
@Test func thePlanAsDeployedRunsItsCoalescingSQLWithoutAMatch() throws {
    let path = try #require(shipped.first { $0.hasSuffix("/ci-functional.yaml") })
    let report = try ScenarioRunner.run(ScenarioParser.load(path: path), variants: ["plan", "plan-deployed"],
                                        measureWallTime: false)
    let (designed, deployed) = (report.runs[0].result, report.runs[1].result)
    #expect(deployed.counts.foldsRun > 0 && deployed.counts.enqueueLookups > 0)
    #expect(deployed.counts.folded == 0 && deployed.counts.deduplicated == 0)
    #expect(deployed.effectViolations.isEmpty)
    #expect(designed.counts.folded > 0 && designed.counts.deduplicated > 0)
}
