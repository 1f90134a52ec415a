import Foundation
import Model
import Scenarios
import Sim
import Testing

/// A small scenario for the gate: four starts on one network, facade and plan; `dnsmasq`
/// sets the median dnsmasq restart, to inject a regression.
private func gateScenario(dnsmasq: String = "600ms", planSteps: String = "all") -> String {
    """
    time_limit: 10m
    cluster: {nodes: 3}
    networks: [net-a]
    overrides:
      tasks:
        network_apply_update_dnsmasq: {service: {lognormal: {median: \(dnsmasq), p99: 2.5s}}}
    workload:
      - at: 0s
        repeat: {count: 4, every: 1s}
        instance_start: {name: "web-{i}", node: [node-2, node-3], interfaces: [net-a]}
    variants:
      facade: {era: facade}
      plan: {era: plan, steps: \(planSteps)}
    """
}

private func baselineEntry(_ text: String, seed: UInt64 = 5, replications: Int = 10,
                           gate: GateSettings = GateSettings()) throws -> BaselineEntry {
    let scenario = try ScenarioParser.load(text: text, file: "gate.yaml")
    let report = Replicator.run(scenario, chosen: scenario.variants, seed: seed, replications: replications,
                                measureWallTime: false)
    return BaselineEntry(file: "gate.yaml", variants: scenario.variants.map(\.name), seed: seed,
                         replications: replications, warmup: .zero, fingerprint: report.fingerprint,
                         gate: gate, figures: Baseline.gatedFigures(of: report, gate: gate))
}

private func check(_ entry: BaselineEntry, _ text: String, seed: UInt64? = nil) throws -> GateReport {
    let scenario = try ScenarioParser.load(text: text, file: "gate.yaml")
    let report = Replicator.run(scenario, chosen: scenario.variants, seed: seed ?? entry.seed,
                                replications: entry.replications, measureWallTime: false)
    return Gate.evaluate(entry, against: report)
}

@Suite struct GateTests {
    @Test func aRerunOfTheSameCodeMatchesTheFingerprintAndPasses() throws {
        let entry = try baselineEntry(gateScenario())
        let gate = try check(entry, gateScenario())
        #expect(gate.unchanged)
        #expect(gate.regressions.isEmpty && gate.improvements.isEmpty)
    }

    /// dnsmasq restarts three times slower: the dnsmasq waits of both variants grow far beyond
    /// 5% and every replication shows it.
    @Test func aSlowerDnsmasqIsARegressionNamingTheFigure() throws {
        let entry = try baselineEntry(gateScenario())
        let gate = try check(entry, gateScenario(dnsmasq: "1800ms"))
        #expect(!gate.unchanged)
        let failing = gate.regressions.map(\.path)
        #expect(failing.contains("facade/wait_seconds/by_task/network_apply_update_dnsmasq/p99"))
        let verdict = try #require(gate.regressions.first { $0.path.hasSuffix("network_apply_update_dnsmasq/p99") })
        #expect((verdict.newMean ?? 0) > (verdict.oldMean ?? 0) * 1.05)
        #expect((verdict.pValue ?? 1) < 0.01)
        #expect((verdict.interval?.lower ?? 0) > 0)
        #expect(verdict.line.hasPrefix("REGRESSION facade/wait_seconds/by_task/network_apply_update_dnsmasq/p99: "))
    }

    /// The reverse change is an improvement beyond the threshold, not a regression.
    @Test func aFasterDnsmasqIsAnImprovement() throws {
        let entry = try baselineEntry(gateScenario(dnsmasq: "1800ms"))
        let gate = try check(entry, gateScenario())
        #expect(gate.regressions.isEmpty)
        #expect(gate.improvements.contains { $0.path == "facade/wait_seconds/by_task/network_apply_update_dnsmasq/p99" })
    }

    /// Taking step 4 away from the plan variant brings back one dnsmasq execution per start.
    @Test func removingAStepOfThePlanIsARegression() throws {
        let entry = try baselineEntry(gateScenario())
        let gate = try check(entry, gateScenario(planSteps: "[1, 2, 3, 5, 6]"))
        #expect(gate.regressions.contains { $0.path == "plan/ops/executed" })
    }

    /// No flapping: the baseline from one seed, the same model run with 20 other seeds; at
    /// the default threshold (5%) and alpha (0.01, against the baseline shifted by the
    /// threshold) no figure may fail.
    @Test func theGateDoesNotFlapAcrossTwentySeedsOfAnUnchangedModel() throws {
        let entry = try baselineEntry(gateScenario(), seed: 5)
        var failures: [String] = []
        for seed in 100..<120 {
            let gate = try check(entry, gateScenario(), seed: UInt64(seed))
            failures += gate.regressions.map { "seed \(seed): \($0.line)" }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    @Test func perFigureThresholdsOverrideTheDefault() throws {
        var entry = try baselineEntry(gateScenario())
        entry.gate.thresholds["facade/wait_seconds/by_task/network_apply_update_dnsmasq/p99"] = 5.0
        let gate = try check(entry, gateScenario(dnsmasq: "1800ms"))
        #expect(!gate.regressions.contains { $0.path == "facade/wait_seconds/by_task/network_apply_update_dnsmasq/p99" })
    }

    @Test func baselineFilesRoundTrip() throws {
        var gate = GateSettings()
        gate.tasks = ["network_apply_update_dnsmasq"]
        var entry = try baselineEntry(gateScenario(), replications: 3, gate: gate)
        entry.gate.thresholds["plan/ops/executed"] = 0.2
        let path = try CLI.scenarioFile(Baseline(scenarios: [entry]).json.rendered(), name: "baseline.json")
        let read = try Baseline.load(path: path)
        #expect(read.scenarios.count == 1)
        let back = try #require(read.scenarios.first)
        #expect(back.fingerprint == entry.fingerprint && back.seed == entry.seed && back.replications == 3)
        #expect(back.gate == entry.gate)
        #expect(back.figures.map(\.path) == entry.figures.map(\.path))
        #expect(Baseline(scenarios: [back]).json.rendered() == Baseline(scenarios: [entry]).json.rendered())
    }

    /// A baseline whose figures, gate or fingerprint do not fit together is refused at once,
    /// naming the key (before, each case ran and passed, or failed as a regression nobody made).
    @Test func aBaselineThatDoesNotHoldTogetherIsRefused() throws {
        let entry = try baselineEntry(gateScenario(), replications: 2)
        func loading(_ change: (inout BaselineEntry) -> Void) throws -> String {
            var edited = entry
            change(&edited)
            let path = try CLI.scenarioFile(Baseline(scenarios: [edited]).json.rendered(), name: "baseline.json")
            do {
                _ = try Baseline.load(path: path)
                return "loaded"
            } catch {
                return String(error.description.drop { $0 != " " }.dropFirst())
            }
        }
        let some = try #require(entry.figures.first)
        #expect(try loading { $0.gate.thresholds["nope/figure"] = 0.1 }.hasSuffix("\"nope/figure\" names no figure of this entry"))
        #expect(try loading { $0.figures.append((path: "facade/bogus/thing", values: some.values)) }
            .contains("figure \"facade/bogus/thing\": not a figure simrun reports"))
        #expect(try loading { $0.gate.statistics = [] }.contains("is not one this entry's gate chooses"))
        #expect(try loading { $0.fingerprint = "-1" } == "scenarios[0].fingerprint: expected 16 lower-case hex digits, got \"-1\"")
        #expect(try loading { $0.file = "" } == "scenarios[0].file: expected a name, got \"\"")
        #expect(try loading { _ in } == "loaded")
    }
}

/// `simrun check` and `simrun baseline write` through the command line: exit statuses.
@Suite(.serialized) struct CheckCommandTests {
    @Test func checkExitsZeroFourFiveAndTwo() throws {
        let scenario = try CLI.scenarioFile(gateScenario(), name: "gate.yaml")
        let baseline = scenario + ".baseline.json"
        let written = try CLI.run(["baseline", "write", scenario, "--output", baseline, "--replications", "10"])
        #expect(written.status == 0, "\(written.stderr)")
        let same = try CLI.run(["check", "--baseline", baseline])
        #expect(same.status == 0, "\(same.stdout)\(same.stderr)")
        #expect(same.stdout.contains("unchanged: behaviour identical to the baseline"))

        try gateScenario(dnsmasq: "1800ms").write(toFile: scenario, atomically: true, encoding: .utf8)
        let slower = try CLI.run(["check", "--baseline", baseline])
        #expect(slower.status == 4, "\(slower.stdout)")
        #expect(slower.stdout.contains("REGRESSION facade/wait_seconds/by_task/network_apply_update_dnsmasq/p99"))

        // Refreshing keeps the gate settings; going back to the faster dnsmasq is an improvement.
        let refreshed = try CLI.run(["baseline", "write", scenario, "--output", baseline, "--replications", "10"])
        #expect(refreshed.status == 0)
        try gateScenario().write(toFile: scenario, atomically: true, encoding: .utf8)
        let faster = try CLI.run(["check", "--baseline", baseline])
        #expect(faster.status == 5, "\(faster.stdout)")

        let missing = try CLI.run(["check", "--baseline", scenario + ".nope.json"])
        #expect(missing.status == 2)
        #expect(missing.stderr == "simrun: \(scenario).nope.json: file not found\n")
    }
}

@Test func theRankTestIsSkippedWhenTooFewReplicationsCouldEverReachAlpha() {
    // n = m = 6: at best U = 36, z = 2.80, one-sided p = 0.0025; n = m = 10: p = 0.00009.
    #expect(Gate.smallestPValue(6, 6) > 0.001)
    #expect(Gate.smallestPValue(10, 10) < 0.001)
}
