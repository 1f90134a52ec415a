import Foundation
import Model
import Scenarios
import Sim
import Synchronization
import Testing

/// An M/M/1 through one node's sf-net in ideal mode: Poisson arrivals at `rate`, exponential
/// service of mean 1 s, so Wq = rho / (1 - rho) seconds.
func mm1Scenario(rate: String, customers: Int) throws -> Scenario {
    try ScenarioParser.load(text: """
        ideal: true
        time_limit: 100h
        cluster: {nodes: 1}
        overrides:
          tasks:
            customer: {service: {exponential: 1s}}
        sources:
          - name: customers
            op: {type: net_op, tasks: [customer], priority: user_facing, queue: node-1, family: network}
            arrivals: {poisson: \(rate)}
            count: \(customers)
        """, file: "mm1.yaml")
}

@Suite struct ReplicationTests {
    @Test func replicatedOutputDoesNotDependOnTheNumberOfThreads() throws {
        let scenario = try ScenarioParser.load(path: CLI.packageRoot.appendingPathComponent(
            "scenarios/six-instance-starts.yaml").path)
        let one = Replicator.run(scenario, chosen: scenario.variants, replications: 6, threads: 1,
                                 measureWallTime: false)
        let many = Replicator.run(scenario, chosen: scenario.variants, replications: 6, threads: 4,
                                  measureWallTime: false)
        #expect(one.json.rendered() == many.json.rendered())
        #expect(one.fingerprint == many.fingerprint)
        #expect(one.table == many.table)
    }

    /// The variants of one run go on as many threads as given (`--jobs`): each is its own
    /// simulation, so the report is the same bytes on one thread or several.
    @Test func variantsOfOneRunGiveTheSameReportOnAnyNumberOfThreads() throws {
        for file in ["scenarios/ci-functional.yaml", "scenarios/starvation-heavy-user.yaml"] {
            let scenario = try ScenarioParser.load(path: CLI.packageRoot.appendingPathComponent(file).path)
            #expect(scenario.defaultVariants.count > 1, "\(file) must have several variants to test this")
            let chosen = try ScenarioRunner.variants([], of: scenario)
            let one = ScenarioRunner.run(scenario, chosen: chosen, measureWallTime: false, threads: 1)
            let many = ScenarioRunner.run(scenario, chosen: chosen, measureWallTime: false, threads: 3)
            #expect(one.json.rendered() == many.json.rendered(), "\(file)")
            #expect(one.table == many.table, "\(file)")
            #expect(many.runs.map(\.variant) == chosen.map(\.name), "\(file): variants out of order")
        }
    }

    /// With an eventlog the variants run one after another even when threads are offered:
    /// each variant's events are written whole before the next variant's first.
    @Test func variantsWithAnEventLogRunOneAfterAnother() throws {
        let scenario = try ScenarioParser.load(path: CLI.packageRoot.appendingPathComponent(
            "scenarios/six-instance-starts.yaml").path)
        let chosen = try ScenarioRunner.variants([], of: scenario)
        let lines = Mutex<[String]>([])
        let report = ScenarioRunner.run(scenario, chosen: chosen, measureWallTime: false, eventLog: { variant in
            EventLogLines(variant: variant, emit: { line in lines.withLock { $0.append(line) } })
        }, threads: 4)
        // The variant each line names, in the order written: one block per variant, in order.
        let order = lines.withLock { $0 }.map { line in
            chosen.map(\.name).first { line.contains("\"variant\": \"\($0)\"") }
        }
        #expect(!order.isEmpty && !order.contains(nil), "every line names its variant")
        var blocks: [String] = []
        for case let name? in order where blocks.last != name { blocks.append(name) }
        #expect(blocks == chosen.map(\.name))
        #expect(report.json.rendered() == ScenarioRunner.run(scenario, chosen: chosen, measureWallTime: false,
                                                             threads: 1).json.rendered())
    }

    @Test func replicationSeedsAreDistinctAndTheFirstIsTheSeedItself() {
        let seeds = (0..<50).map { Replicator.seed(42, replication: $0) }
        #expect(seeds[0] == 42)
        #expect(Set(seeds).count == 50)
        // Adding replications leaves the earlier ones' seeds unchanged.
        #expect((0..<10).map { Replicator.seed(42, replication: $0) } == Array(seeds.prefix(10)))
    }

    /// The 95% interval of the across-replication mean wait should cover the theoretical M/M/1
    /// mean in about 95% of independent experiments. 30 experiments (different seeds) of 6
    /// replications of 2,000 customers at rho 0.5 (Wq = 1 s), first 200 s left out as warm-up.
    /// The number of covering intervals is Binomial(30, 0.95) if the intervals are right: mean
    /// 28.5, standard deviation 1.2; at least 25 (about 3 sd below) must cover. An interval
    /// that used z instead of t at 5 df would cover about 88% (26.4 on average), a biased
    /// simulation far less; at most 30 can cover, so the check is one-sided.
    @Test func confidenceIntervalsCoverTheTheoreticalMM1Mean() throws {
        let scenario = try mm1Scenario(rate: "0.5/s", customers: 2_000)
        let theory = QueueingTheory.mm1MeanWait(arrivalRate: 0.5, serviceRate: 1)
        var covered = 0
        for experiment in 0..<30 {
            let report = Replicator.run(scenario, chosen: scenario.variants, seed: 1_000 + UInt64(experiment),
                                        replications: 6, warmup: .seconds(200), measureWallTime: false)
            // Each replication's mean wait (its histograms are pooled as it ends; its figures stay).
            let means = report.runs[0].values(.distribution(.wait, .all, .mean)).compactMap { $0 }
            #expect(means.count == 6)
            if ReplicationSummary(means, confidence: 0.95).contains(theory) { covered += 1 }
        }
        #expect(covered >= 25, "\(covered) of 30 intervals covered Wq = \(theory)")
    }

    @Test func warmupLeavesEarlyOpsOutOfTheStatistics() throws {
        let scenario = try mm1Scenario(rate: "0.5/s", customers: 200)
        let whole = Replicator.run(scenario, chosen: scenario.variants, replications: 1, measureWallTime: false)
        let warmed = Replicator.run(scenario, chosen: scenario.variants, replications: 1, warmup: .seconds(100),
                                    measureWallTime: false)
        let all = whole.runs[0].results[0].wait.all.count
        let kept = warmed.runs[0].results[0].wait.all.count
        // About 50 of the 200 arrivals fall in the first 100 s (rate 0.5/s).
        #expect(all == 200)
        #expect(kept < all && kept > 100)
        #expect(warmed.runs[0].results[0].counts.executed == 200)
    }

    @Test func replicatedJsonHasMeanIntervalAndValuesPerFigure() throws {
        let scenario = try mm1Scenario(rate: "0.5/s", customers: 50)
        let report = Replicator.run(scenario, chosen: scenario.variants, replications: 3, measureWallTime: false)
        let json = report.json.rendered()
        #expect(json.contains("\"replications\": 3"))
        #expect(json.contains("\"p99\": {\n"))
        #expect(json.contains("\"ci95\": ["))
        #expect(json.contains("\"values\": ["))
        #expect(!json.contains("wall_seconds"))
    }

    /// Replicated, the database load is each replication's own: the values of every count are
    /// what a single run at that replication's seed counts (a kind it never used counts 0),
    /// and the table gives their means.
    @Test func replicatedDatabaseLoadIsEachReplicationsOwn() throws {
        let scenario = try ScenarioParser.load(path: CLI.packageRoot.appendingPathComponent("scenarios/six-instance-starts.yaml").path)
        let chosen = try ScenarioRunner.variants(["plan"], of: scenario)
        let report = Replicator.run(scenario, chosen: chosen, replications: 3, measureWallTime: false)
        let top = try #require(try JSONSerialization.jsonObject(with: Data(report.json.rendered().utf8)) as? [String: Any])
        let runs = try #require(top["runs"] as? [[String: Any]])
        let database = try #require(runs.first?["database"] as? [String: Any])
        let byKind = try #require(database["by_kind"] as? [String: [String: Any]])
        func values(_ object: [String: Any]?, _ key: String) throws -> [Int] {
            let statistic = try #require(object?[key] as? [String: Any])
            return try #require(statistic["values"] as? [Double]).map { Int($0) }
        }
        let singles = (0..<3).map { replication in
            ScenarioRunner.run(scenario, chosen: chosen, seed: Replicator.seed(scenario.seed, replication: replication),
                               measureWallTime: false).runs[0].result.load
        }
        #expect(try values(database, "round_trips") == singles.map(\.total.roundTrips))
        #expect(try values(database, "empty_claims") == singles.map(\.total.emptyClaims))
        let kinds = Set(singles.flatMap { $0.byKind.keys })
        #expect(Set(byKind.keys) == kinds)
        for kind in kinds {
            #expect(try values(byKind[kind], "claims") == singles.map { $0.byKind[kind]?.claims ?? 0 }, "\(kind)")
        }
        let mean = Double(singles.map(\.total.roundTrips).reduce(0, +)) / 3
        #expect(report.table.contains("  database round trips: \(formatFixed(mean, decimals: 1)) ±"))
    }
}
