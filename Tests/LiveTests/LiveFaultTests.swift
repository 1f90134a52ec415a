#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Foundation
@testable import Live
import Model
import Scenarios
import Sim
import Testing

/// Faults during whole live runs: a deadlock forced on the run's own statements by a second
/// session, and a server killed under a running `simrun live run`.
extension LiveServerTests {
@Suite struct LiveFaultTests {
    /// A second session on its own thread (its statements block that thread, never the
    /// run's executor).
    final class Session: @unchecked Sendable {
        private let queue = DispatchQueue(label: "simrun.test.interferer")
        private var session: MariaDBSession?
        let url: DatabaseURL

        init(_ url: DatabaseURL) { self.url = url }

        func perform<T: Sendable>(_ body: @escaping @Sendable (MariaDBSession) throws -> T) async throws -> T {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                queue.async { [self] in
                    continuation.resume(with: Result {
                        let session = try self.session ?? MariaDBSession(url)
                        self.session = session
                        return try body(session)
                    })
                }
            }
        }
    }

    /// A real deadlock (1213) on the run's first `create_and_enqueue` transaction, forced by a
    /// second session that locks in the opposite order:
    ///
    /// 1. the interferer (REPEATABLE READ) inserts 200 ballast rows, so it is the heavier
    ///    transaction and InnoDB picks the run's as the victim, then locks the gap where the
    ///    first op's state row goes (on an empty `object_states`: every insert waits);
    /// 2. the run's first op inserts its `cluster_operations` row (holding it) and waits on
    ///    that gap with `insert_state` (seen in `information_schema.INNODB_TRX`);
    /// 3. the interferer asks for the first op's row: a cycle, so the server rolls back the
    ///    run's transaction with 1213 and the interferer goes on, then rolls back.
    ///
    /// The connection retries the transaction with jitter as the daemons do; the run
    /// completes with every request accounted for.
    @Test func aDeadlockForcedOnTheRunIsRetriedAndTheRunCompletes() async throws {
        _ = try LiveServer.store()  // empty tables: the interferer's gap is the whole table
        let url = try LiveServer.url
        let first = LiveStore.uuid(OpID(1)), firstState = LiveStore.dashed(LiveStore.uuid(OpID(1)))
        let interferer = Session(url), monitor = Session(url)
        try await Self.lockGap(of: firstState, in: interferer, ballast: true)
        let (scenario, variant, run) = try Self.startPlanRun(url)
        // Step 2: the run's first op waits on the gap.
        try await Self.waitUntilBlocked(on: firstState, monitor: monitor)
        // Step 3: the cycle. The interferer must not be the victim.
        let interfererOutcome: String? = await {
            do {
                _ = try await interferer.perform { session in
                    try session.query("SELECT uuid FROM cluster_operations WHERE uuid = '\(first)' FOR UPDATE")
                }
                return nil
            } catch {
                return "\(error)"
            }
        }()
        try await interferer.perform { session in
            try session.execute("ROLLBACK")
            try session.execute("DROP TABLE IF EXISTS simrun_test_ballast")
        }
        #expect(interfererOutcome == nil, "the interferer was the deadlock victim: \(interfererOutcome ?? "")")
        let live = try await run.value
        #expect(live.transient.deadlocks >= 1, "no deadlock (1213) reached the run's connections: \(live.transient)")
        try Self.expectCompletedAndAccounted(live, scenario: scenario, variant: variant, url: url)
    }

    /// Locks, in `interferer` (REPEATABLE READ, a transaction left open), the gap where the
    /// state row `state` goes; with `ballast`, after inserting 200 rows first, so that its
    /// transaction is the heavier one and InnoDB picks the other side of a deadlock as victim.
    static func lockGap(of state: String, in interferer: Session, ballast: Bool) async throws {
        try await interferer.perform { session in
            if ballast {
                try session.execute("CREATE TABLE IF NOT EXISTS simrun_test_ballast (id INT PRIMARY KEY) ENGINE=InnoDB")
                try session.execute("DELETE FROM simrun_test_ballast")
            }
            try session.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            try session.execute("START TRANSACTION")
            if ballast {
                try session.execute("INSERT INTO simrun_test_ballast (id) WITH RECURSIVE n(i) AS "
                                    + "(SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) SELECT i FROM n")
            }
            try session.query("SELECT object_uuid FROM object_states WHERE object_type = 'cluster_operation' "
                              + "AND object_uuid = '\(state)' FOR UPDATE")
        }
    }

    /// Starts `simrun live run` of six-instance-starts' `plan` at time scale 0.2, in a task.
    static func startPlanRun(_ url: DatabaseURL) throws -> (Scenario, Variant, Task<LiveResult, any Error>) {
        let scenario = try ScenarioParser.load(path: LiveRunTests.scenarioPath)
        let variant = try #require(scenario.variant(named: "plan"))
        let run = Task {
            try await LiveRun.run(scenario, variant: variant, url: url, sql: SQLStatements.builtIn(),
                                  timeScale: 0.2, seed: scenario.seed)
        }
        return (scenario, variant, run)
    }

    /// The run completed with no failures and no rows left claimed, and every request it made
    /// is accounted for once on the server, as the simulator predicted (see
    /// ``RequestAccounting``: how many ensure_mesh requests the six starts make depends on the
    /// order they reach the API, a race on the wall clock).
    static func expectCompletedAndAccounted(_ live: LiveResult, scenario: Scenario, variant: Variant,
                                            url: DatabaseURL) throws {
        #expect(live.ending == "completed")
        #expect(live.failures.isEmpty, "\(live.failures)")
        #expect(live.counters.leftClaimed == 0)
        let simulated = ScenarioRunner.run(scenario, chosen: [variant], measureWallTime: false, tracing: true)
        try RequestAccounting.expectEveryRequestAccounted(live: live, simulated: simulated.runs[0].result, url: url)
    }

    /// Waits (at most 20 s) until the run's `insert_state` of the state row `state` waits on
    /// a lock, as `information_schema.INNODB_TRX` shows it; records an issue if it never does.
    /// Polled every 250 ms: the server refreshes INNODB_TRX only when it was last read more
    /// than 0.1 s ago.
    static func waitUntilBlocked(on state: String, monitor: Session) async throws {
        for _ in 0..<80 {
            let waiting = try await monitor.perform { session in
                try session.query("SELECT COUNT(*) FROM information_schema.INNODB_TRX WHERE trx_state = 'LOCK WAIT' "
                                  + "AND trx_query LIKE '%\(state)%'").rows.first?.first.flatMap { $0 } != "0"
            }
            if waiting { return }
            try await Task.sleep(for: .milliseconds(250))
        }
        let transactions = try await monitor.perform { session in
            try session.query("SELECT trx_state, trx_query FROM information_schema.INNODB_TRX").rows
        }
        Issue.record("the run's first insert_state never waited on the interferer's gap lock: \(transactions)")
    }

    /// A lock wait timeout (1205) on the run's first `create_and_enqueue`, in the middle of
    /// its transaction. InnoDB rolls back only the statement that timed out (unless
    /// `innodb_rollback_on_timeout`), so the op's `cluster_operations` row is still in the
    /// open transaction: a retry that re-ran only the failed statement, or that began the
    /// next try without rolling back (`START TRANSACTION` commits what is open), would keep
    /// or double that row. The connection rolls back and retries the whole transaction, so
    /// the run completes with every request once.
    ///
    /// A second session (REPEATABLE READ) locks the gap where the first op's state row goes
    /// and holds it past the run's `innodb_lock_wait_timeout` (10 s, ``MariaDBSession``):
    /// the run's `insert_state` times out at least once, then goes through on a later try.
    @Test func aLockWaitTimeoutInTheMiddleOfATransactionRetriesItWhole() async throws {
        _ = try LiveServer.store()  // empty tables: the interferer's gap is the whole table
        let url = try LiveServer.url
        let firstState = LiveStore.dashed(LiveStore.uuid(OpID(1)))
        let interferer = Session(url), monitor = Session(url)
        try await Self.lockGap(of: firstState, in: interferer, ballast: false)
        let (scenario, variant, run) = try Self.startPlanRun(url)
        try await Self.waitUntilBlocked(on: firstState, monitor: monitor)
        // The wait began before it was seen: 10 s plus the server's once-a-second timeout
        // check plus a margin.
        try await Task.sleep(for: .seconds(12))
        try await interferer.perform { session in try session.execute("ROLLBACK") }
        let live = try await run.value
        #expect(live.transient.lockWaitTimeouts >= 1, "no lock wait timeout (1205) reached the run: \(live.transient)")
        try Self.expectCompletedAndAccounted(live, scenario: scenario, variant: variant, url: url)
    }

    /// `simrun live run` against a server of its own, killed (SIGKILL) two seconds into the
    /// run: one line on standard error, a non-zero exit status, no crash, nothing printed as
    /// if the run were whole.
    @Test func aServerKilledMidRunEndsTheRunWithOneLine() async throws {
        let directory = "/tmp/simrun-kill-\(getpid())"
        let environment = ["SIMRUN_MARIADB_DIR": directory]
        var failure: (any Error)?
        do {
            try await Self.killMidRun(directory: directory, environment: environment)
        } catch {
            failure = error
        }
        // Stopped, and its directory deleted, however the test went.
        _ = try? await LiveProcess.run(LiveProcess.script, ["stop"], environment: environment)
        if let failure { throw failure }
    }

    static func killMidRun(directory: String, environment: [String: String]) async throws {
        let started = try await LiveProcess.run(LiveProcess.script, ["start"], environment: environment)
        try #require(started.status == 0, "scripts/mariadb.sh start: \(started.stderr)")
        let url = started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let pid = try #require(pid_t(String(contentsOfFile: directory + "/pid", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        // At time scale 1 the scenario runs for well over two seconds.
        let running = try LiveProcess.Running(LiveProcess.simrun, [
            "live", "run", LiveRunTests.scenarioPath, "--variant", "plan", "--mariadb", url, "--time-scale", "1"])
        try await Task.sleep(for: .seconds(2))
        #expect(running.isRunning, "the run ended before the server was killed")
        #expect(kill(pid, SIGKILL) == 0)
        let outcome = await running.finish()
        #expect(!outcome.signalled, "simrun died of a signal: \(outcome.stderr)")
        #expect(outcome.status == 2)
        #expect(outcome.stderr.hasPrefix("simrun: live run: "), "\(outcome.stderr)")
        #expect(outcome.stderr.filter { $0 == "\n" }.count == 1, "\(outcome.stderr)")
        #expect(outcome.stdout.isEmpty, "\(outcome.stdout)")
    }
}
}

/// Needs no server: a machine without MariaDB Connector/C gets one line from any live
/// command, before anything runs. `SIMRUN_LIBMARIADB` points the loader at a missing file.
@Suite struct LiveLibraryTests {
    @Test func aMissingClientLibraryIsOneLineAndStatusTwo() async throws {
        let missing = "/nonexistent/simrun-test/libmariadb.so.3"
        let outcome = try await LiveProcess.run(LiveProcess.simrun, [
            "live", "init", "--mariadb", "mariadb://root@localhost/simrun?socket=/nonexistent/sock"],
            environment: [MariaDBLibrary.pathVariable: missing])
        #expect(outcome.status == 2)
        #expect(!outcome.signalled)
        #expect(outcome.stderr == "simrun: live init: \(MariaDBLibrary.missingMessage) "
                + "(\(MariaDBLibrary.pathVariable)=\(missing) could not be loaded)\n")
        #expect(outcome.stdout.isEmpty)
    }
}

/// A `--sql` file is checked as it is read and as its answers come back: a statement name
/// live mode never runs is a misspelling (its statement would be ignored), and a `counters`
/// statement that does not give six counts is an error, not counts of 0.
@Suite struct SQLFileTests {
    /// The built-in file with the body of `name` replaced by `body`.
    static func replacing(_ name: String, with body: String) throws -> String {
        let text = SQLStatements.builtInText()
        let marker = "-- name: \(name)\n"
        let start = try #require(text.range(of: marker))
        let end = text.range(of: "\n-- name:", range: start.upperBound..<text.endIndex)?.lowerBound ?? text.endIndex
        return text.replacingCharacters(in: start.upperBound..<end, with: body)
    }

    @Test func aStatementNameLiveModeNeverRunsIsRefused() throws {
        let text = SQLStatements.builtInText() + "-- name: conters\nSELECT 1;\n"
        #expect(throws: LiveError.usage("edited.sql:\(text.split(separator: "\n", omittingEmptySubsequences: false).count - 2): "
                                        + "no statement of live mode is named conters (the names are those of `simrun live sql`)")) {
            try SQLStatements(text: text, source: "edited.sql")
        }
        _ = try SQLStatements(text: SQLStatements.builtInText(), source: "built-in")
    }

    /// A parameter live mode does not bind to its statement is refused as the file is read,
    /// naming the file's line: found at the statement's first run, it ended a daemon mid-run.
    /// Quoted text is not a parameter.
    @Test func aParameterLiveModeDoesNotBindIsRefusedWhenRead() throws {
        let text = try Self.replacing("dequeue_one", with: "SELECT 1\nFROM work_queue WHERE queue_name = ':no'\n"
                                      + "  AND queue_name = :queu\n\n")
        let line = try #require(text.split(separator: "\n", omittingEmptySubsequences: false)
            .firstIndex { $0.contains(":queu\n") || $0.hasSuffix(":queu") }) + 1
        #expect(throws: LiveError.usage("edited.sql:\(line): statement dequeue_one uses :queu, which live mode does "
                                        + "not bind to it (it binds :queue, :claimer)")) {
            try SQLStatements(text: text, source: "edited.sql")
        }
        // `{key}`'s parameters come with it, not written out.
        let key = try Self.replacing("find_pending", with: "SELECT 1 FROM cluster_operations co "
                                     + "WHERE co.network_uuid = :key_network_uuid\n")
        #expect(throws: LiveError.self) { try SQLStatements(text: key, source: "edited.sql") }
        // A statement that binds nothing takes none.
        let none = try Self.replacing("quiet", with: "SELECT :limit\n")
        #expect(throws: LiveError.usage("edited.sql:\(try Self.line(of: "SELECT :limit", in: none)): statement quiet "
                                        + "uses :limit, which live mode does not bind to it (it binds none)")) {
            try SQLStatements(text: none, source: "edited.sql")
        }
    }

    /// The line number (from 1) of the first line of `text` containing `fragment`.
    static func line(of fragment: String, in text: String) throws -> Int {
        try #require(text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains(fragment) }) + 1
    }

    /// The built-in file with each statement that takes parameters using all of those
    /// ``SQLStatements/binds`` lists for it, in a comment at its start (bound like any other
    /// parameter, inert for the server).
    static func usingEveryBoundParameter() -> String {
        var text = SQLStatements.builtInText()
        for (name, parameters) in SQLStatements.binds {
            guard let parameters, !parameters.isEmpty else { continue }
            let marker = "-- name: \(name)\n"
            text = text.replacing(marker, with: marker + "/* " + parameters.map { ":\($0)" }.joined(separator: " ") + " */ ")
        }
        return text
    }
}

extension LiveServerTests {
/// A `--sql` file on a whole run: what the file may use is what the run binds, and a
/// statement the server refuses ends the run at once.
@Suite struct LiveSQLFileRunTests {
    /// Every parameter ``SQLStatements/binds`` lets a statement use is bound by every run of
    /// it that six-instance-starts makes under `plan` (claims, marks, creates, loads, state
    /// changes, defers, dedup lookups, folds, the reaper's select, events, counters), under
    /// `facade` (`dequeue_one`) and under `plan` with bounded staleness
    /// (`claim_bounded_staleness`), `release_claims_select` at every daemon's start: each run
    /// completes as with the built-in file (`release_all`: ``aStoppedRunReleasesItsRows``).
    /// Not reached by these runs, so not covered here: `release_rows` and `requeue_executing`
    /// (rows found claimed at a start, or past the claim timeout), the reaper's `delete_row`
    /// and `set_state` of an op past its attempts.
    @Test(arguments: [("plan", nil), ("facade", nil), ("plan", "variants.plan.fairness={policy: bounded_staleness, after: 30s}")])
    func everyParameterTheFileMayUseIsBound(variantName: String, setting: String?) async throws {
        let sql = try SQLStatements(text: SQLFileTests.usingEveryBoundParameter(), source: "every-parameter.sql")
        let scenario = try ScenarioParser.load(path: LiveRunTests.scenarioPath,
                                               settings: try setting.map { [try YAMLSetting.parse($0)] } ?? [])
        let variant = try #require(scenario.variant(named: variantName))
        let url = try LiveServer.url
        let live = try await LiveRun.run(scenario, variant: variant, url: url, sql: sql, timeScale: 0.2,
                                         seed: scenario.seed)
        try LiveFaultTests.expectCompletedAndAccounted(live, scenario: scenario, variant: variant, url: url)
    }

    /// A run stopped midway (Ctrl-C's path) releases what it holds with `release_all`, which
    /// takes no parameter; with the every-parameter file it still stops cleanly, leaving no
    /// row claimed.
    @Test func aStoppedRunReleasesItsRows() async throws {
        let sql = try SQLStatements(text: SQLFileTests.usingEveryBoundParameter(), source: "every-parameter.sql")
        let scenario = try ScenarioParser.load(path: LiveRunTests.scenarioPath)
        let variant = try #require(scenario.variant(named: "plan"))
        let stop = LiveStop()
        let run = Task {
            try await LiveRun.run(scenario, variant: variant, url: LiveServer.url, sql: sql, timeScale: 0.2,
                                  seed: scenario.seed, stop: stop)
        }
        try await Task.sleep(for: .seconds(1))
        stop.request("interrupted")
        let live = try await run.value
        #expect(live.ending == "interrupted")
        #expect(live.failures.isEmpty, "\(live.failures)")
        #expect(live.counters.leftClaimed == 0)
    }

    /// A statement the server refuses (a syntax error in `claim`, or in `insert_row`, which
    /// every op's creation runs) ends the daemon or producer that ran it, and the run with it:
    /// `failed`, at once, its claimed rows released. It used to run on without them until
    /// the scenario's time limit (600 scenario s, two wall minutes here) and, when every
    /// insert failed, to call the run completed.
    @Test(arguments: ["claim", "insert_row"])
    func aStatementTheServerRefusesEndsTheRunAsFailed(_ statement: String) async throws {
        let text = SQLStatements.builtInText().replacing("-- name: \(statement)\n",
                                                         with: "-- name: \(statement)\nSELEKT 1; ")
        let sql = try SQLStatements(text: text, source: "broken.sql")
        let scenario = try ScenarioParser.load(path: LiveRunTests.scenarioPath)
        let variant = try #require(scenario.variant(named: "plan"))
        let live = try await LiveRun.run(scenario, variant: variant, url: LiveServer.url, sql: sql, timeScale: 0.2,
                                         seed: scenario.seed)
        #expect(live.ending == "failed")
        #expect(!live.failures.isEmpty && live.failures.allSatisfy { $0.contains("error 1064") }, "\(live.failures)")
        // Well before the time limit: the plan run completes in about 23 scenario s.
        #expect(live.runSeconds < scenario.timeLimit.seconds / 10, "ended after \(live.runSeconds) scenario s")
        #expect(live.counters.leftClaimed == 0)
        #expect(LiveReport.table(live: live, scenario: scenario.name)
            .hasPrefix("live run of six-instance-starts, variant plan: failed after "))
        // Set beside the simulator, its partial counts are no finding about the SQL: no
        // divergence (the failed claim coalesced nothing, where the simulator predicted 20).
        let simulated = ScenarioRunner.run(scenario, chosen: [variant], measureWallTime: false, tracing: true)
        let comparison = LiveComparison(simulated: RunResultSample(simulated.runs[0].result), live: live)
        let table = comparison.table(scenario: scenario.name)
        #expect(!comparison.diverges && !table.contains("DIVERGENCE") && !table.contains("Kolmogorov"), "\(table)")
        #expect(table.contains("NOT COMPARED: the live run ended failed, so its figures are partial"))
    }

    /// What a program sees of such a run: `simrun live run --format json` prints the whole
    /// object with its ending and failures, and exits 1.
    @Test func aFailedRunIsFailedInItsJSONAndItsStatus() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("simrun-broken-\(getpid()).sql").path
        try SQLStatements.builtInText().replacing("-- name: claim\n", with: "-- name: claim\nSELEKT 1; ")
            .write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let outcome = try await LiveProcess.run(LiveProcess.simrun, [
            "live", "run", LiveRunTests.scenarioPath, "--variant", "plan", "--mariadb", try #require(LiveServer.urlText),
            "--time-scale", "0.2", "--sql", file, "--format", "json"])
        #expect(outcome.status == 1 && !outcome.signalled, "\(outcome.stderr)")
        let json = try JSONValue.parse(outcome.stdout)
        #expect(json["ending"]?.stringValue == "failed")
        #expect(json["failures"]?.arrayValue?.isEmpty == false)
        #expect(json["server"]?["left_claimed"]?.int64Value == 0)
    }
}
}

extension LiveServerTests {
@Suite struct LiveCountersTests {
    @Test(arguments: ["SELECT 1, 2", "SELECT NULL, NULL, NULL, NULL, NULL, NULL", "SELECT -1, 2, 3, 4, 5, 6",
                      "SELECT 1, 2, 3, 4, 5, 6 FROM DUAL WHERE 0"])
    func countersThatAreNotSixCountsAreAnError(_ body: String) async throws {
        let sql = try SQLStatements(text: try SQLFileTests.replacing("counters", with: body), source: "edited.sql")
        let store = try LiveServer.store(sql: sql)
        do {
            _ = try await store.counters()
            Issue.record("\(body): counters were accepted")
        } catch let error as LiveError {
            #expect(error.description.hasPrefix("edited.sql: statement counters gave "), "\(error)")
        }
        let builtIn = try LiveServer.store()
        let counters = try await builtIn.counters()
        #expect(counters.executed >= 0 && counters.leftClaimed >= 0)
    }
}
}
