@testable import Live
import Model
import Scenarios
import Testing

/// `live run` and `live compare` with `--format json` give the figures their tables print,
/// and a live run that did not complete is not compared. No server needed: the results are
/// made here.
@Suite struct LiveReportTests {
    static func live(ending: String, waits: [Double], folded: Int, failures: [String] = []) -> LiveResult {
        var counters = LiveStore.Counters()
        counters.created = 24
        counters.executed = 9
        counters.folded = folded
        counters.deduplicated = 5
        counters.deferred = 6
        var transient = LiveStore.TransientFailures()
        transient.deadlocks = 1
        return LiveResult(variant: "plan", waits: WaitSample(waits), counters: counters, recorded: OpCounts(),
                          failures: failures, transient: transient, incidents: ["node-1/sf-net: lost; retrying"],
                          runSeconds: 22.5, wallSeconds: 4.5, ending: ending)
    }

    static func simulated(folded: Int) -> RunResultSample {
        var counts = OpCounts()
        counts.created = 24
        counts.executed = 9
        counts.folded = folded
        counts.deduplicated = 5
        return RunResultSample(waits: WaitSample([15.0, 15.2, 15.4]), counts: counts)
    }

    static func parsed(_ value: JSONValue) throws -> JSONValue { try JSONValue.parse(value.rendered()) }

    static func double(_ value: JSONValue) -> Double? {
        switch value {
        case .number(let number): return number
        case .int(let number): return Double(number)
        default: return nil
        }
    }

    @Test func liveRunJSONHoldsTheTablesFigures() throws {
        let result = Self.live(ending: "completed", waits: [15.1, 15.3, 15.6, 15.9], folded: 15)
        let table = LiveReport.table(live: result, scenario: "six")
        #expect(table.contains("p50=15.300 p90=15.900 p99=15.900 max=15.900"))
        let json = try Self.parsed(LiveReport.json(live: result, scenario: "six"))
        #expect(json["ending"]?.stringValue == "completed")
        #expect(json["wait_seconds"]?["count"]?.int64Value == 4)
        #expect(json["wait_seconds"]?["p50"].flatMap(Self.double) == 15.3)
        #expect(json["wait_seconds"]?["max"].flatMap(Self.double) == 15.9)
        #expect(json["server"]?["folded"]?.int64Value == 15)
        #expect(json["server"]?["left_claimed"]?.int64Value == 0)
        #expect(json["retried"]?["deadlocks"]?.int64Value == 1)
        #expect(json["incidents"]?.arrayValue?.first?.stringValue == "node-1/sf-net: lost; retrying")
        // No pickups: null percentiles, not zeros.
        let empty = try Self.parsed(LiveReport.json(live: Self.live(ending: "failed", waits: [], folded: 0,
                                                                     failures: ["node-1/sf-net: error 1064"]),
                                                    scenario: "six"))
        #expect(empty["wait_seconds"]?["p99"] == .null)
        #expect(empty["failures"]?.arrayValue?.first?.stringValue == "node-1/sf-net: error 1064")
    }

    /// A broken statement ends every daemon that runs it with the same error: one line for
    /// them all, in the order the errors came; the JSON keeps each failure.
    @Test func theSameFailureOfSeveralDaemonsIsOneLine() throws {
        let failures = ["node-1/sf-net: error 1064: syntax", "node-1/sf-queues: error 1064: syntax",
                        "api/workload[0]#1: error 1146: no table", "node-2/sf-net: error 1064: syntax"]
        #expect(LiveReport.failureLines(failures) == ["node-1/sf-net, node-1/sf-queues, node-2/sf-net: error 1064: syntax",
                                                      "api/workload[0]#1: error 1146: no table"])
        let result = Self.live(ending: "failed", waits: [], folded: 0, failures: failures)
        #expect(LiveReport.table(live: result, scenario: "six").split(separator: "\n").filter { $0.contains("FAILED") }
            .count == 2)
        #expect(try Self.parsed(LiveReport.json(live: result, scenario: "six"))["failures"]?.arrayValue?.count == 4)
    }

    @Test func compareJSONHoldsTheComparisonAndItsVerdict() throws {
        let agreeing = LiveComparison(simulated: Self.simulated(folded: 15),
                                      live: Self.live(ending: "completed", waits: [15.1, 15.3, 15.6], folded: 15))
        let json = try Self.parsed(agreeing.json(scenario: "six"))
        #expect(json["comparable"] == .bool(true))
        #expect(json["diverges"] == .bool(false))
        #expect(json["coalesced"]?["predicted"]?.int64Value == 20)
        #expect(json["coalesced"]?["allowance"]?.int64Value == 2)
        // Sorted samples {15.0, 15.2, 15.4} and {15.1, 15.3, 15.6}: the gap is 1/3 at most.
        let distance = try #require(json["kolmogorov_smirnov"]?["distance"].flatMap(Self.double))
        #expect(abs(distance - 1.0 / 3) < 1e-6)
        #expect(json["live"]?["ending"]?.stringValue == "completed")
        #expect(json["simulated"]?["counts"]?["folded"]?.int64Value == 15)

        // Nothing folded live where 15 were predicted: a divergence, in both forms.
        let inert = LiveComparison(simulated: Self.simulated(folded: 15),
                                   live: Self.live(ending: "completed", waits: [15.1], folded: 0))
        #expect(inert.diverges)
        #expect(inert.table(scenario: "six").contains("DIVERGENCE:"))
        #expect(try Self.parsed(inert.json(scenario: "six"))["diverges"] == .bool(true))
    }

    /// The same counts from a live run that failed, or beside a simulated run cut short, are
    /// partial: no divergence, no distance.
    @Test func aLiveRunThatDidNotCompleteIsNotCompared() throws {
        for ending in ["failed", "time_limit"] {
            let partial = LiveComparison(simulated: Self.simulated(folded: 15),
                                         live: Self.live(ending: ending, waits: [15.1], folded: 0))
            #expect(!partial.comparable && !partial.diverges)
            let table = partial.table(scenario: "six")
            #expect(table.contains("NOT COMPARED: the live run ended \(ending)"))
            #expect(!table.contains("DIVERGENCE") && !table.contains("Kolmogorov"))
            let json = try Self.parsed(partial.json(scenario: "six"))
            #expect(json["comparable"] == .bool(false) && json["diverges"] == .bool(false))
            #expect(json["kolmogorov_smirnov"] == .null)
        }
        // Nor is a simulated run cut short by its time limit.
        var cut = Self.simulated(folded: 15)
        cut.ending = "time_limit"
        let short = LiveComparison(simulated: cut, live: Self.live(ending: "completed", waits: [15.1], folded: 0))
        #expect(!short.comparable && !short.diverges)
        #expect(short.table(scenario: "six").contains("NOT COMPARED: the simulated run ended time_limit"))
        #expect(try Self.parsed(short.json(scenario: "six"))["simulated"]?["ending"]?.stringValue == "time_limit")
    }
}
