@testable import Live
import Model
import Scenarios
import Sim
import Synchronization
import Testing

/// Whole runs on the real server: steps 4 and 5 fold and deduplicate what the simulator
/// predicts; the deployed (inert) join reproduces the three lost months and compare flags
/// it; a run reports its progress as it goes; bad URLs and credentials fail in one line
/// before anything runs.
extension LiveServerTests {
@Suite struct LiveRunTests {
    static let scenarioPath = CLIRoot.path + "/scenarios/six-instance-starts.yaml"

    static func run(_ variant: String, sql: SQLStatements? = nil, timeScale: Double = 0.2)
        async throws -> (LiveComparison, Scenario, RunResult) {
        let scenario = try ScenarioParser.load(path: scenarioPath)
        let chosen = try #require(scenario.variant(named: variant))
        let config = scenario.config(for: chosen)
        let statements = try sql ?? SQLStatements.builtIn(asDeployed: config.coalescingSQL != .matches)
        let simulated = ScenarioRunner.run(scenario, chosen: [chosen], measureWallTime: false, tracing: true)
        let live = try await LiveRun.run(scenario, variant: chosen, url: LiveServer.url, sql: statements,
                                         timeScale: timeScale, seed: scenario.seed)
        let result = simulated.runs[0].result
        return (LiveComparison(simulated: RunResultSample(result), live: live), scenario, result)
    }

    /// The plan as designed: the server folds and deduplicates as the simulator predicts, so
    /// compare sees no divergence. Exact: every request the run made is accounted for once on
    /// the server (executed, folded or deduplicated), and they are the simulator's requests
    /// (29 here) but for the ensure_mesh participants the arrival order decides
    /// (``RequestAccounting``). Within the race allowance of
    /// ``LiveComparison/raceAllowance(predicted:)``: the coalesced sum (the fold/dedup split
    /// and so the execution count are wall-clock races, e.g. 9 or 8 executions live).
    @Test func stepsFourAndFiveFoldAndDeduplicateWhatTheSimulatorPredicts() async throws {
        let (comparison, _, result) = try await Self.run("plan")
        #expect(comparison.live.ending == "completed")
        #expect(comparison.live.failures.isEmpty)
        #expect(comparison.simulated.counts.folded > 0 && comparison.simulated.counts.deduplicated > 0)
        #expect(comparison.live.counters.folded > 0 && comparison.live.counters.deduplicated > 0)
        let url = try LiveServer.url
        try RequestAccounting.expectEveryRequestAccounted(live: comparison.live, simulated: result, url: url)
        #expect(comparison.live.counters.leftClaimed == 0)
        #expect(!comparison.diverges)
        // Medians agree within the tolerance set from replications (its doc comment): the
        // waits are ~15 s (the flat sf-queues defer) and live adds wall-clock delays, scaled
        // back by 1/0.2.
        let simulated = try #require(comparison.simulated.waits.quantile(0.5))
        let live = try #require(comparison.live.waits.quantile(0.5))
        #expect(abs(simulated - live) <= LiveComparison.medianTolerance, "sim p50 \(simulated) s, live p50 \(live) s")
    }

    /// The deployed statements (undashed uuid against dashed) never match: nothing folds or
    /// deduplicates on the server while the simulator, told the SQL matches, predicts both.
    @Test func theDeployedJoinIsInertAndCompareFlagsIt() async throws {
        let (comparison, scenario, _) = try await Self.run("plan", sql: SQLStatements.builtIn(asDeployed: true))
        #expect(comparison.live.counters.folded == 0)
        #expect(comparison.live.counters.deduplicated == 0)
        #expect(comparison.diverges)
        #expect(comparison.table(scenario: scenario.name).contains("DIVERGENCE:"))
    }

    /// A live run tells its progress every 2 s of wall time (the plan run takes about 4.5 s
    /// at time scale 0.2): its scenario clock, growing, never past where the run ended.
    @Test func aLiveRunReportsItsProgress() async throws {
        let scenario = try ScenarioParser.load(path: Self.scenarioPath)
        let variant = try #require(scenario.variant(named: "plan"))
        let heard = Mutex<[(RunProgress, Double)]>([])
        let live = try await LiveRun.run(scenario, variant: variant, url: LiveServer.url, sql: SQLStatements.builtIn(),
                                         timeScale: 0.2, seed: scenario.seed,
                                         progress: { now, wall in heard.withLock { $0.append((now, wall)) } })
        let reports = heard.withLock { $0 }
        #expect(live.ending == "completed")
        #expect(!reports.isEmpty, "no progress in \(live.wallSeconds) s wall")
        let clocks = reports.map(\.0.virtualTime.seconds)
        #expect(clocks == clocks.sorted() && (clocks.last ?? 0) <= live.runSeconds, "\(clocks)")
        #expect(reports.allSatisfy { $0.1 >= 1.9 && $0.1 <= live.wallSeconds && $0.0.ended <= $0.0.created })
        let line = ScenarioRunner.progressLine(reports[0].0, variant: "plan", timeLimit: scenario.timeLimit,
                                               wall: reports[0].1, clock: "scenario")
        #expect(line.hasPrefix("variant plan: ") && line.contains(" s of 600 s scenario ("), "\(line)")
    }

    @Test func aBadURLOrUserFailsInOneLineBeforeAnythingRuns() throws {
        #expect(throws: LiveError.self) { try DatabaseURL(parsing: "postgres://x/y") }
        #expect(throws: LiveError.self) { try DatabaseURL(parsing: "mariadb://root@localhost") }
        var url = try LiveServer.url
        url.user = "nobody_simrun"
        url.password = "wrong"
        #expect {
            _ = try MariaDBSession(url)
        } throws: { error in
            guard let error = error as? DatabaseError, case .accessDenied = error else { return false }
            return !error.description.contains("\n")
        }
        var unreachable = try LiveServer.url
        unreachable.socket = "/nonexistent/simrun.sock"
        #expect {
            _ = try MariaDBSession(unreachable)
        } throws: { error in
            guard let error = error as? DatabaseError, case .unavailable = error else { return false }
            return true
        }
    }

    /// Two sessions lock two rows in opposite orders: the server picks one as the deadlock
    /// victim (1213), which the client types as a deadlock, the kind the daemons retry.
    @Test func anInjectedDeadlockIsTypedAsOne() async throws {
        let store = try LiveServer.store()
        let creator = ClaimSQLTests.connection(store, "creator")
        _ = try await ClaimSQLTests.create(2, on: ClaimSQLTests.urgent, creator)
        let url = try LiveServer.url
        let ids = try MariaDBSession(url).query("SELECT id FROM work_queue ORDER BY id").rows.compactMap { $0[0] }
        try #require(ids.count == 2)
        let outcomes = await withTaskGroup(of: DatabaseError?.self) { group in
            for order in [ids, Array(ids.reversed())] {
                group.addTask {
                    do {
                        let session = try MariaDBSession(url)
                        try session.execute("START TRANSACTION")
                        try session.execute("SELECT id FROM work_queue WHERE id = \(order[0]) FOR UPDATE")
                        try await Task.sleep(for: .milliseconds(300))
                        try session.execute("SELECT id FROM work_queue WHERE id = \(order[1]) FOR UPDATE")
                        try session.execute("COMMIT")
                        return nil
                    } catch let error as DatabaseError {
                        return error
                    } catch {
                        return .other(code: -1, "\(error)")
                    }
                }
            }
            var all: [DatabaseError?] = []
            for await outcome in group { all.append(outcome) }
            return all
        }
        let errors = outcomes.compactMap { $0 }
        #expect(errors.count == 1)
        #expect(errors.allSatisfy { $0.isTransient }, "\(errors)")
    }
}
}

/// The package root (for the shipped scenarios).
enum CLIRoot {
    static let path: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()
}
