import Foundation
import Model
import Scenarios
import Sim
import Testing

/// Step 7's figures: Jain's index, the per-lane and per-key figures of a run, and their JSON.
@Suite struct FairnessFiguresTests {
    static func tally(_ seconds: Double, count: UInt64 = 1) -> FairnessFigures.Tally {
        FairnessFigures.Tally(count: count, sumMicroseconds: Int64(seconds * 1e6) * Int64(count))
    }

    /// (Σx)² / (n Σx²) of the keys' mean waits.
    @Test func jainsIndexIsOneForEqualWaitsAndOneOverNWhenOneKeyWaits() {
        #expect(FairnessFigures.jain([Self.tally(2), Self.tally(2), Self.tally(2, count: 5)]) == 1)
        #expect(abs(FairnessFigures.jain([Self.tally(3), Self.tally(0), Self.tally(0)]) - 1.0 / 3) < 1e-12)
        // x = 1, 3: (4)² / (2 · 10) = 0.8.
        #expect(abs(FairnessFigures.jain([Self.tally(1), Self.tally(3)]) - 0.8) < 1e-12)
        #expect(FairnessFigures.jain([]) == 1)
        #expect(FairnessFigures.jain([Self.tally(0), Self.tally(0)]) == 1)
        // Keys without a wait recorded do not count.
        #expect(FairnessFigures.jain([Self.tally(2), FairnessFigures.Tally()]) == 1)
    }

    static func studyRun() throws -> ReplicatedReport {
        let scenario = try ScenarioParser.load(text: SweepCommandTests.scenario, file: "small-study.yaml")
        return try ScenarioRunner.run(scenario, variants: ["strict"], measureWallTime: false)
    }

    @Test func laneFiguresAddUpAndTheHistogramsReSummariseExactly() throws {
        let report = try Self.studyRun()
        let result = try #require(report.runs.first?.result)
        let figures = RunFigures(result, replication: 0, seed: 3)
        // Every start is in one lane and one key, and the classes partition the lanes.
        #expect(figures.all.count == result.wait.all.count)
        #expect(figures.lanes.reduce(0) { $0 + $1.count } == figures.all.count)
        #expect(figures.keys.reduce(0) { $0 + $1.figures.count } == figures.all.count)
        #expect(figures.classes[0].count == figures.lanes[0].count + figures.lanes[1].count + figures.lanes[2].count)
        #expect(figures.all.p99 == Int64((result.wait.all.summary.p99 * 1e6).rounded()))
        // The run's pooled histograms, written and read back, give the same percentiles.
        let section = try #require(report.fairness)
        let json = try #require(section.json(variant: "strict"))
        let pooled = try PooledWaits(json: try #require(json["histograms"]), at: "histograms")
        let lane = Priority.background.laneIndex
        #expect(Int64((pooled.lanes[lane].summary.p99 * 1e6).rounded()) == figures.lanes[lane].p99)
        #expect(pooled.lanes[lane].count(above: .seconds(30)) == figures.lanes[lane].aboveBound)
        // Each replication's figures survive their JSON.
        let parsed = try JSONValue.parse(figures.json.rendered())
        #expect(try RunFigures(json: parsed, at: "run") == figures)
    }

    /// Only fairness studies get the section: other scenarios' reports (and baselines) keep
    /// their bytes.
    @Test func onlyFairnessStudiesReportTheSection() throws {
        #expect(try Self.studyRun().json.rendered().contains("\"fairness\": {"))
        let plain = try ScenarioParser.load(text: "cluster: {nodes: 1}\n", file: "plain.yaml")
        #expect(!plain.isFairnessStudy)
        #expect(try ScenarioRunner.run(plain, measureWallTime: false).fairness == nil)
    }

    @Test func theTableShowsLanesClassesAndKeys() throws {
        let table = try Self.studyRun().table
        #expect(table.contains("fairness figures: wait_seconds by lane and by network; >30s: ops that waited longer than 30s"))
        #expect(table.contains("variant strict (fairness: strict)"))
        for label in ["user_facing", "background", "user", "all", "key a", "key b"] {
            #expect(table.split(separator: "\n").contains { $0.hasPrefix("  \(label) ") }, "row \(label)")
        }
    }
}

/// `simrun report` needs a strict variant and at least one other policy.
@Suite(.serialized) struct ReportCommandTests {
    @Test func aScenarioWithoutPoliciesToCompareIsNotAStudy() throws {
        let result = try CLI.run(["report", "scenarios/mmc.yaml", "--replications", "2"])
        #expect(result.status == 2)
        #expect(result.stderr == "simrun: scenarios/mmc.yaml: every variant claims under strict: a fairness study "
                + "needs variants with other policies (fairness: {policy: ...}) to compare with strict\n")
        let path = try CLI.scenarioFile(SweepCommandTests.scenario.replacingOccurrences(
            of: "  strict: {fairness: {policy: strict}}\n", with: ""), name: "no-strict.yaml")
        let noStrict = try CLI.run(["report", path, "--replications", "2"])
        #expect(noStrict.status == 2)
        #expect(noStrict.stderr.hasPrefix("simrun: \(path): no variant with `fairness: {policy: strict}`"))
    }

    @Test func theJSONReportCarriesEachPolicysIntervalsAndVerdict() throws {
        let path = try CLI.scenarioFile(SweepCommandTests.scenario, name: "small-study.yaml")
        let result = try CLI.run(["report", path, "--replications", "3", "--format", "json", "--user-p99-budget", "1m"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try JSONValue.parse(result.stdout)
        let study = try #require(json["studies"]?.arrayValue?.first)
        let policy = try #require(study["policies"]?.arrayValue?.first)
        #expect(policy["variant"]?.stringValue == "staleness")
        #expect(policy["user_p99_cost_seconds"]?["ci95"]?.arrayValue?.count == 2)
        #expect(policy["passes"] != nil)
        #expect(json["recommendation"]?.stringValue?.isEmpty == false)
    }
}
