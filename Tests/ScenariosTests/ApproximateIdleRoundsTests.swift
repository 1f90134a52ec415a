import Foundation
import Model
import Scenarios
import Sim
import Testing

/// Approximate idle rounds (`overrides.simulation.idle_rounds: approximate`, ``IdleLeap``):
/// a different realisation from an exact run, with the same counts and waits up to chance,
/// labelled as such in every output, and as deterministic as any run.
@Suite struct ApproximateIdleRounds {
    /// `nodes` idle nodes, one op on any sf-queues every `every`, `count` of them.
    static func idle(nodes: Int, every: String, count: Int, timeLimit: String, rounds: String,
                     variants: String = "plan: {}",
                     roundTrip: String = "{lognormal: {median: 1ms, p99: 10ms}}") throws -> Scenario {
        try ScenarioParser.load(text: idleText(nodes: nodes, every: every, count: count, timeLimit: timeLimit,
                                               rounds: rounds, variants: variants, roundTrip: roundTrip),
                                file: "idle-stretches.yaml")
    }

    /// ``idle(nodes:every:count:timeLimit:rounds:variants:roundTrip:)``'s scenario file.
    static func idleText(nodes: Int, every: String, count: Int, timeLimit: String, rounds: String,
                         variants: String = "plan: {}",
                         roundTrip: String = "{lognormal: {median: 1ms, p99: 10ms}}") -> String {
        """
            name: idle-stretches
            description: idle nodes, an op now and then
            seed: 4
            time_limit: \(timeLimit)
            era: plan
            cluster: {nodes: \(nodes), cpus: 8}
            database:
              round_trip: \(roundTrip)
            overrides:
              simulation: {idle_rounds: \(rounds)}
              tasks:
                instance_work: {service: 1s}
            sources:
              - name: sparse
                op: {type: node_inst_op, tasks: [instance_work], priority: user_facing, queue: any}
                arrivals: {every: \(every)}
                count: \(count)
            variants:
              \(variants)
            """
    }

    /// A day on five nodes with an op every three hours (also with measured `quantiles` round
    /// trips, walked in `Duration` arithmetic) (5,400 rounds of `later`'s 2 s sleep,
    /// 53,500 of `plan`'s 0.2 s: both past the fewest a leap takes, 2,048), `plan` and `later`
    /// (the back-off): the claims counted are the exact run's within 0.01 % (the count's standard
    /// deviation is about 7 rounds per daemon over the day, 2.1 ms * sqrt(428,000 rounds) /
    /// 0.2016 s, so about 22 of 4.3 million for plan's ten daemons: 0.01 % is 20 of those),
    /// and in `plan` the hand count, 10 * T / 0.2016321 s, within 0.2 % (as the exact test of
    /// an idle hour: it also covers the real claims). The ops and their outcome are the
    /// same; the realisation is not (the stream differs after a leap).
    @Test(arguments: [("plan", nil), ("later", nil),
                      ("plan", "{quantiles: {p0: 0.4ms, p50: 1ms, p90: 2.5ms, p99: 9ms, p100: 30ms}}")])
    func anIdleDayCountsTheClaimsOfAnExactOne(variant: String, roundTrip: String?) throws {
        let variants = "plan: {}\n  later: {era: later}"
        let roundTrip = roundTrip ?? "{lognormal: {median: 1ms, p99: 10ms}}"
        let exactScenario = try Self.idle(nodes: 5, every: "3h", count: 8, timeLimit: "25h", rounds: "exact",
                                          variants: variants, roundTrip: roundTrip)
        let approximateScenario = try Self.idle(nodes: 5, every: "3h", count: 8, timeLimit: "25h",
                                                rounds: "approximate", variants: variants, roundTrip: roundTrip)
        let exact = try #require(ScenarioRunner.run(exactScenario, variants: [variant], measureWallTime: false)
            .runs.first).result
        let approximate = try #require(ScenarioRunner.run(approximateScenario, variants: [variant],
                                                          measureWallTime: false).runs.first).result
        #expect(exact.counts.completed == 8 && approximate.counts.completed == 8)
        #expect(exact.idleRounds == .exact && approximate.idleRounds == .approximate)
        for kind in ["sf-net", "sf-queues"] {
            let a = Double(try #require(approximate.load.byKind[kind]).claims)
            let e = Double(try #require(exact.load.byKind[kind]).claims)
            #expect(abs(a - e) / e < 1e-4, "\(kind): approximate \(a), exact \(e)")
        }
        // Leaps were taken: the ops' waits (the phase of the first read after each insert)
        // differ. (Not the counts: in `later` a leap's end is off by about 0.15 s, 2.1 ms *
        // sqrt(5,400), against a 2 s round, so a day's counts most often come out equal.)
        #expect(approximate.wait.all.meanSeconds != exact.wait.all.meanSeconds)
        if variant == "plan" && roundTrip.hasPrefix("{lognormal") {
            let claims = Double((approximate.load.byKind["sf-net"]?.claims ?? 0)
                                + (approximate.load.byKind["sf-queues"]?.claims ?? 0))
            let expected = 10 * approximate.virtualTime.seconds / 0.2016321
            #expect(abs(claims - expected) / expected < 0.002, "claims \(claims), expected \(expected)")
        }
    }

    /// One op after three idle hours on two nodes, 150 seeds each way: its wait (the first
    /// read of either sf-queues after the insert) has the same law whether the three hours
    /// were drawn round by round or leapt. Both samples are compared by their means (within
    /// 4 standard errors of a difference: the wait's deviation is about 0.0475 s, the
    /// minimum of two uniform residuals of a 0.2016 s round, a^2 / 18) and by the two-sample
    /// Kolmogorov-Smirnov distance (below 1.95 * sqrt(2 / 150) = 0.225, its critical value at
    /// 0.001); the exact mean is checked against that minimum's mean, 0.2016 / 3 = 0.0672 s,
    /// plus the claim's own round trip and the op's start (within 4 standard errors and 5 ms).
    @Test func theWaitAfterALongIdleStretchHasTheExactLaw() throws {
        let exactScenario = try Self.idle(nodes: 2, every: "3h", count: 1, timeLimit: "4h", rounds: "exact")
        let approximateScenario = try Self.idle(nodes: 2, every: "3h", count: 1, timeLimit: "4h",
                                                rounds: "approximate")
        let seeds = 150
        func waits(_ scenario: Scenario) throws -> [Double] {
            try (0..<seeds).map { seed in
                let result = try #require(ScenarioRunner.run(scenario, seed: UInt64(1_000 + seed),
                                                             measureWallTime: false).runs.first).result
                #expect(result.wait.all.count == 1)
                return result.wait.all.maxSeconds
            }
        }
        let exact = try waits(exactScenario)
        let approximate = try waits(approximateScenario)
        #expect(exact != approximate)
        let mean = { (values: [Double]) in values.reduce(0, +) / Double(values.count) }
        let standardError = 0.0475 / Double(seeds).squareRoot()
        #expect(abs(mean(exact) - mean(approximate)) < 4 * standardError * 2.0.squareRoot(),
                "mean wait exact \(mean(exact)), approximate \(mean(approximate))")
        #expect(abs(mean(exact) - 0.0672) < 4 * standardError + 0.005, "mean exact wait \(mean(exact))")
        let distance = kolmogorovSmirnovDistance(sorted: exact.sorted(), approximate.sorted())
        #expect(distance < 1.95 * (2.0 / Double(seeds)).squareRoot(), "Kolmogorov-Smirnov \(distance)")
    }

    /// The outputs say the rounds were approximated (the table's database line, the JSON's
    /// `database.idle_rounds`, a note in the HTML report's section), an exact run's say nothing (its bytes are every baseline's),
    /// and an approximate run is as deterministic as any: twice, the same bytes.
    @Test func approximateRunsAreLabelledAndDeterministic() throws {
        let approximate = try Self.idle(nodes: 3, every: "2h", count: 2, timeLimit: "5h", rounds: "approximate")
        let exact = try Self.idle(nodes: 3, every: "2h", count: 2, timeLimit: "5h", rounds: "exact")
        let first = try ScenarioRunner.run(approximate, measureWallTime: false)
        let second = try ScenarioRunner.run(approximate, measureWallTime: false)
        #expect(first.json.rendered() == second.json.rendered())
        #expect(first.table == second.table)
        #expect(first.table.contains("idle rounds approximated (overrides.simulation.idle_rounds)"))
        #expect(first.json.rendered().contains("\"idle_rounds\""))
        #expect(ChartReport(first).notes.contains { $0.hasPrefix("idle rounds approximated") && $0.contains("plan") })
        let plain = try ScenarioRunner.run(exact, measureWallTime: false)
        #expect(!plain.table.contains("approximated"))
        #expect(!plain.json.rendered().contains("idle_rounds"))
        #expect(!ChartReport(plain).notes.contains { $0.contains("approximated") })
    }

    /// A value other than `exact` or `approximate` is refused, naming the key.
    @Test func anUnknownFidelityIsRefused() throws {
        #expect {
            _ = try Self.idle(nodes: 1, every: "1h", count: 1, timeLimit: "2h", rounds: "rough")
        } throws: { error in
            let text = "\(error)"
            return text.contains("idle_rounds") && text.contains("exact") && text.contains("approximate")
        }
    }
}
