import Foundation
import Model
import Scenarios
import Sim
import Testing

/// The shipped starvation workloads behave as their comments say.
@Suite struct StarvationScenarioTests {
    static func load(_ name: String, _ settings: [String]) throws -> Scenario {
        try ScenarioParser.load(path: CLI.packageRoot.appendingPathComponent("scenarios/\(name).yaml").path,
                                settings: settings.map { try YAMLSetting.parse($0) })
    }

    static func run(_ scenario: Scenario, _ variant: String, seed: UInt64 = 1) throws -> RunFigures {
        let chosen = try #require(scenario.variant(named: variant))
        let result = ClusterRun.run(config: scenario.config(for: chosen), topology: scenario.topology,
                                    workload: scenario.workload,
                                    options: RunOptions(seed: seed, timeLimit: scenario.timeLimit,
                                                        figures: scenario.figureSettings))
        return RunFigures(result, replication: 0, seed: seed)
    }

    /// The heavy-load workload made exact: arrivals every 4.41 s on each of the three
    /// user-facing sources (0.680/s against a capacity of about 1 / 1.508 s = 0.663/s: the
    /// backlog grows by about 1.5 s of work a minute), twenty user-facing rows already queued at
    /// the start (30 s of work: the first claims are full batches), service uniform on [1 s, 2 s].
    static func heavyLoad(minutes: Int, after: String) -> [String] {
        (0..<4).map { "sources[\($0)].until=\(minutes)m" }
            + (0..<3).map { "sources[\($0)].arrivals={every: 4.41s}" }
            + ["fairness.after=\(after)",
               "workload=[{at: 0s, repeat: {count: 20, every: 0s}, op: {type: net_op, tasks: [user_work], "
               + "priority: user_facing, queue: networknode, network: net-1}}]"]
    }

    /// Under strict priority the user-facing lane always holds a full batch of ten, so a
    /// background row waits until the load stops: the longest background wait is about the
    /// length of the load (at least 90% of it), 20 or 40 minutes. Under bounded staleness a
    /// background row becomes stale after `after` and is claimed first by the next claim, which
    /// comes once the batch in progress has run: at most 10 items of at most 2 s of work plus
    /// their round trips (about 8 ms each). So its wait is at most after + 10 x (2 + 0.1) s,
    /// whatever the length of the run, provided no user-facing row is stale itself (stale rows
    /// go oldest first). Here `after` = 300 s is above every user-facing wait: the backlog grows
    /// by about 1.5 s of work a minute, and by 1.5 s more for each background op served during
    /// the load (one every 30 s), about 90 + 120 s after 40 minutes.
    @Test func strictLetsBackgroundWaitsGrowWithTheRunWhileBoundedStalenessBoundsThem() throws {
        let after = 300.0
        var strictLongest: [Double] = []
        for minutes in [20, 40] {
            let scenario = try Self.load("starvation-heavy-user", Self.heavyLoad(minutes: minutes, after: "300s"))
            let strict = try Self.run(scenario, "strict")
            let stale = try Self.run(scenario, "staleness")
            let load = Double(minutes * 60)
            let strictMax = FairnessFigure(.laneClass(.background), .max).value(strict)
            let staleMax = FairnessFigure(.laneClass(.background), .max).value(stale)
            let userMax = FairnessFigure(.laneClass(.user), .max).value(stale)
            #expect(strictMax >= 0.9 * load, "strict, \(minutes) min of load: longest background wait \(strictMax) s")
            #expect(staleMax <= after + 10 * (2 + 0.1), "bounded_staleness, \(minutes) min: \(staleMax) s")
            #expect(staleMax >= after, "a background row waits the full \(after) s before it is promoted")
            // The premise of the bound: no user-facing row became stale itself.
            #expect(userMax < after, "user-facing rows waited up to \(userMax) s")
            strictLongest.append(strictMax)
        }
        #expect(strictLongest[1] - strictLongest[0] >= 0.9 * 20 * 60, "strict: \(strictLongest)")
    }

    /// The incident's shape, over the scenario's seed and seeds 1 to 9: under strict some
    /// background op waits longer than the scenario's bound (20 minutes) in every seed, and
    /// most of the twelve do over the ten (72 of 120 measured: 2 to 12 a seed, since whether a
    /// background row gets a claim in during the load depends on the user-facing lane dipping
    /// below a batch, which a queue at rho 1.03 does at random moments; with Box-Muller normals
    /// before the ziggurat, 81, and 12 in the scenario's seed). At least 40 of 120 is asked: a
    /// strict that let background rows through would put them near none. Every other variant
    /// serves all twelve within the bound in every seed.
    @Test func theBurstWaitsTwentyMinutesUnderStrict() throws {
        let scenario = try Self.load("starvation-burst", [])
        var above = 0.0
        for seed in [scenario.seed] + (1...9).map({ UInt64($0) }) {
            let strict = try Self.run(scenario, "strict", seed: seed)
            #expect(FairnessFigure(.lane(.background), .count).value(strict) == 12)
            let over = FairnessFigure(.lane(.background), .aboveBound).value(strict)
            #expect(over >= 1, "strict, seed \(seed): no background op waited over the bound")
            above += over
            for variant in ["staleness", "reserved-1", "drr-9-1"] {
                let other = try Self.run(scenario, variant, seed: seed)
                #expect(FairnessFigure(.lane(.background), .aboveBound).value(other) == 0, "\(variant), seed \(seed)")
            }
        }
        #expect(above >= 40, "strict: \(above) of 120 background ops over the bound in ten seeds")
    }

    /// In the sf-queues workload what the pool asks for decides: background lanes only with
    /// two slots free, high-I/O ones only with the disk gate open. Doubling the pool (cpus 16:
    /// max_workers 8) gives strict a shorter longest blob-fetch wait than any claim policy gets
    /// at cpus 8 (in this seed: about 11 s against 120 s or more).
    @Test func theBlobWorkloadIsDecidedByThePoolsGatesNotByTheClaimOrder() throws {
        let scenario = try Self.load("starvation-blobs", [])
        let bigger = try Self.load("starvation-blobs", ["cluster.cpus=16"])
        let strictBigger = FairnessFigure(.lane(.backgroundHighIO), .max).value(try Self.run(bigger, "strict",
                                                                                             seed: scenario.seed))
        for variant in ["strict", "staleness", "reserved-1", "drr-4-1"] {
            let run = try Self.run(scenario, variant, seed: scenario.seed)
            let longest = FairnessFigure(.lane(.backgroundHighIO), .max).value(run)
            #expect(strictBigger * 5 < longest, "\(variant) at cpus 8: \(longest) s; strict at cpus 16: \(strictBigger) s")
        }
    }
}
