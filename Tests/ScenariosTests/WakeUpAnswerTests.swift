import Foundation
import Model
import Scenarios
import Sim
import Testing

/// Ideal mode answers a woken sf-queues daemon's round in place when its claim would take
/// nothing (a ``WakeCheck``: `QueueWorkerPool.answerWakeUp`), instead of running the daemon
/// (``RunOptions/runsEveryWakeUp``). The report, the table and the trace must be the same
/// bytes, job counts included (each answered wake-up counts as the job it stands for), and
/// the round trips and claims counted the same.
@Suite struct WakeUpAnswers {
    static func expectSame(_ answered: ReplicatedReport, _ everyWakeUp: ReplicatedReport) {
        #expect(!everyWakeUp.traceLines.isEmpty)
        #expect(answered.json.rendered() == everyWakeUp.json.rendered())
        #expect(answered.table == everyWakeUp.table)
        #expect(answered.traceLines == everyWakeUp.traceLines)
        #expect(answered.fingerprint == everyWakeUp.fingerprint)
        for (fast, slow) in zip(answered.runs, everyWakeUp.runs) {
            #expect(fast.result.jobs == slow.result.jobs)
            #expect(fast.result.roundTrips == slow.result.roundTrips)
            #expect(fast.result.load == slow.result.load)
            #expect(slow.result.wakeUpsAnswered == 0)
        }
    }

    /// Every shipped scenario and default variant, cut as the naive-polling check cuts them.
    /// (`mmc.yaml`, the one in ideal mode, uses the facade's singular dequeue, whose claims are
    /// not answered: it checks that nothing changes there; the many-node runs below are where
    /// wake-ups are answered.)
    @Test(arguments: NaivePollingEquivalence.shipped)
    func answeringWakeUpsGivesTheSameBytesOnShippedScenarios(path: String) throws {
        var scenario = try ScenarioParser.load(path: path)
        scenario.timeLimit = min(scenario.timeLimit, NaivePollingEquivalence.cut)
        let answered = try ScenarioRunner.run(scenario, measureWallTime: false, tracing: true)
        let everyWakeUp = try ScenarioRunner.run(scenario, measureWallTime: false, tracing: true, runsEveryWakeUp: true)
        Self.expectSame(answered, everyWakeUp)
    }

    /// Twelve nodes sharing the `any` queues (``FirstReaderWake/manyNodes``) in ideal mode:
    /// every insert wakes all twelve sf-queues. With the scenario's round trips (ideal mode
    /// keeps a round trip the scenario sets: the woken round sleeps for it, then claims),
    /// without them (the claim at once), and under `drr`, whose claims the check leaves to the
    /// daemon (it answers only `strict` claims); a node stopped and started cancels a daemon
    /// whose wake-up may be queued as a check.
    @Test(arguments: [(true, "ideal"), (false, "ideal"), (true, "ideal-drr")])
    func manyNodesInIdealModeGiveTheSameBytes(roundTrips: Bool, variant: String) throws {
        var text = FirstReaderWake.manyNodes + """

              ideal: {era: plan, ideal: true}
              ideal-drr: {era: plan, ideal: true, fairness: {policy: drr, weights: {user_facing: 4, background_high_io: 1}}}
            """
        if !roundTrips {
            text = text.replacingOccurrences(of: "database:\n  round_trip: {lognormal: {median: 1ms, p99: 10ms}}\n", with: "")
            #expect(!text.contains("round_trip"))
        }
        let scenario = try ScenarioParser.load(text: text, file: "many-nodes-ideal.yaml")
        let answered = try ScenarioRunner.run(scenario, variants: [variant], measureWallTime: false, tracing: true)
        let everyWakeUp = try ScenarioRunner.run(scenario, variants: [variant], measureWallTime: false, tracing: true,
                                                 runsEveryWakeUp: true)
        Self.expectSame(answered, everyWakeUp)
        let result = try #require(answered.runs.first?.results.first)
        #expect(result.counts.executed > 1_000)
        // Eleven of the twelve woken daemons find the row taken: most wake-ups are answered
        // (measured: 58,499 of 87,478 jobs with round trips, 28,629 of 40,841 without); under
        // `drr` only the round up to its claim (30,813 of 87,478). Half and a quarter are the
        // floors checked: a check that answered nothing would pass the comparison above alone.
        let share: UInt64 = variant == "ideal-drr" ? 4 : 2
        #expect(result.wakeUpsAnswered * share > result.jobs, "answered \(result.wakeUpsAnswered) of \(result.jobs) jobs")
    }
}
