import Foundation
import Model
import Scenarios
import Sim
import Testing

/// Skipping the polls that cannot see a change gives the results of polling tick by tick
/// (``RunOptions/naivePolling``): on every shipped scenario and default variant, the report
/// (JSON and table) and the trace of every op event are the same bytes, except the kernel's
/// job count, which is what the skip saves.
///
/// Each run is cut at 20 minutes of simulated time, so the check stays cheap (the M/M/3 runs
/// for 11 hours) and also covers runs that end at their time limit with waiters still
/// polling; the CI and start scenarios end well before it, whole.
@Suite struct NaivePollingEquivalence {
    static let shipped: [String] = {
        let directory = CLI.packageRoot.appendingPathComponent("scenarios")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted().map { directory.appendingPathComponent($0).path }
    }()

    static let cut = Duration.seconds(20 * 60)

    /// The report and trace with every kernel job count replaced by a placeholder.
    static func withoutJobs(_ text: String) -> String {
        text.replacingOccurrences(of: #""jobs": *[0-9]+"#, with: "\"jobs\": _", options: .regularExpression)
            .replacingOccurrences(of: #"[0-9]+ kernel jobs"#, with: "_ kernel jobs", options: .regularExpression)
    }

    @Test(arguments: shipped)
    func skippedPollsGiveTheSameBytesAsNaivePolling(path: String) throws {
        var scenario = try ScenarioParser.load(path: path)
        scenario.timeLimit = min(scenario.timeLimit, Self.cut)
        let naive = try ScenarioRunner.run(scenario, measureWallTime: false, tracing: true, naivePolling: true)
        let skipped = try ScenarioRunner.run(scenario, measureWallTime: false, tracing: true)
        #expect(!naive.traceLines.isEmpty)
        #expect(Self.withoutJobs(skipped.json.rendered()) == Self.withoutJobs(naive.json.rendered()))
        #expect(Self.withoutJobs(skipped.table) == Self.withoutJobs(naive.table))
        #expect(skipped.traceLines == naive.traceLines)
        for (fast, slow) in zip(skipped.runs, naive.runs) {
            // Round trips per connection (kept while tracing) are the ones polling makes.
            #expect(fast.result.roundTrips == slow.result.roundTrips)
            #expect(fast.result.jobs <= slow.result.jobs)
        }
    }

    /// The comparison can fail: a run that polls at another rate is told apart.
    @Test func aDifferentPollRateIsToldApart() throws {
        let path = try #require(Self.shipped.first { $0.hasSuffix("/six-instance-starts.yaml") })
        let scenario = try ScenarioParser.load(path: path)
        var slower = try ScenarioParser.load(path: path, settings: [try .parse("overrides.waiters.rest_client_poll=1500ms")])
        slower.timeLimit = scenario.timeLimit
        let base = try ScenarioRunner.run(scenario, measureWallTime: false, tracing: true)
        let other = try ScenarioRunner.run(slower, measureWallTime: false, tracing: true)
        #expect(Self.withoutJobs(base.json.rendered()) != Self.withoutJobs(other.json.rendered()))
    }
}
