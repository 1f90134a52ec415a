@testable import Live
import Model
import Scenarios
import Sim
import Testing

/// Every request a live run of six-instance-starts made, accounted for once on the server,
/// and the same requests the simulator predicted.
///
/// How many requests the run makes is itself a race on the wall clock. The six starts arrive
/// at the same instant, each on its own task, and each requests `ensure_mesh` once per node
/// running an instance on the network when the start is placed (``ClusterAPI``'s
/// `participants(of:)`). The simulator places them in the scenario's order, which alternates
/// node-2 and node-3: the first start sees two participants and the other five see three (17
/// `ensure_mesh` requests, 29 in all). Live, the tasks reach the API in whatever order the
/// threads run them; the real API races the same way. If web-0 and web-2 (both on node-2)
/// are placed before web-1, the second start also sees two participants, and the run makes 28
/// requests (the simulator on that order: 23 created, 28 executed + folded + deduplicated,
/// which is what one loaded CI run saw). So the server is checked against the requests the run
/// made, exactly, and those against the simulator's, exactly, apart from the `ensure_mesh`
/// participants.
struct RequestAccounting {
    /// The requests the live run made: `create_and_enqueue` calls that created an op (counted
    /// when the op's transaction started), and those answered with a pending sibling.
    var recorded: OpCounts
    /// Read back from the server.
    var server: LiveStore.Counters
    /// `ensure_mesh` requests on the server: ops created plus requests deduplicated into one.
    var serverMesh: Int
    /// The simulator's counts and its `ensure_mesh` requests.
    var predicted: OpCounts
    var predictedMesh: Int

    static let meshTask = TaskName.ensureMesh.name

    init(recorded: OpCounts, server: LiveStore.Counters, serverMesh: Int, predicted: OpCounts, predictedMesh: Int) {
        self.recorded = recorded
        self.server = server
        self.serverMesh = serverMesh
        self.predicted = predicted
        self.predictedMesh = predictedMesh
    }

    /// `live` against `simulated` (run with tracing, for its `ensure_mesh` requests).
    init(live: LiveResult, simulated: RunResult, url: DatabaseURL) throws {
        let row = try MariaDBSession(url).query("""
            SELECT (SELECT COUNT(*) FROM cluster_operations
                    WHERE JSON_LENGTH(metadata_json, '$.tasks') = 1
                      AND JSON_VALUE(metadata_json, '$.tasks[0]') = '\(Self.meshTask)'),
                   (SELECT COUNT(*) FROM eventlog e JOIN cluster_operations co ON co.uuid = e.object_uuid
                    WHERE e.event = 'simrun:deduplicated'
                      AND JSON_VALUE(co.metadata_json, '$.tasks[0]') = '\(Self.meshTask)')
            """).rows.first ?? []
        let mesh = row.compactMap { Int($0 ?? "") }.reduce(0, +)
        self.init(recorded: live.recorded, server: live.counters, serverMesh: mesh, predicted: simulated.counts,
                  predictedMesh: Self.meshRequests(simulated.trace))
    }

    /// `ensure_mesh` requests in a traced run: ops created and requests deduplicated.
    static func meshRequests(_ trace: [TraceEvent]) -> Int {
        trace.filter { ($0.kind == .created || $0.kind == .deduplicated) && $0.task == meshTask }.count
    }

    var requested: Int { recorded.created + recorded.deduplicated }
    var accounted: Int { server.executed + server.folded + server.deduplicated }
    var predictedAccounted: Int { predicted.executed + predicted.folded + predicted.deduplicated }

    /// What does not add up (empty when every request is accounted for).
    var mismatches: [String] {
        var found: [String] = []
        // The server holds every op the run created, once: none lost or doubled by a
        // transaction retried after a deadlock, a lock wait timeout or a lost connection.
        if server.created != recorded.created {
            found.append("the run created \(recorded.created) ops, the server holds \(server.created)")
        }
        if server.deduplicated != recorded.deduplicated {
            found.append("the run deduplicated \(recorded.deduplicated) requests, the server \(server.deduplicated)")
        }
        // Each request executed, folded or deduplicated once.
        if accounted != requested {
            found.append("the run made \(requested) requests, the server executed, folded or deduplicated \(accounted)")
        }
        // The simulator's requests one for one, apart from how many ensure_mesh participants
        // the starts saw.
        if accounted - serverMesh != predictedAccounted - predictedMesh {
            found.append("requests other than \(Self.meshTask): \(accounted - serverMesh) on the server, "
                         + "\(predictedAccounted - predictedMesh) predicted")
        }
        // The scenario's order, alternating nodes, shows each start the most participants;
        // the fewest come when the three starts of one node are placed first: two of them
        // see two participants where the scenario's order shows three.
        if !(predictedMesh - 2...predictedMesh).contains(serverMesh) {
            found.append("\(serverMesh) \(Self.meshTask) requests on the server, the simulator predicted "
                         + "\(predictedMesh) (at least \(predictedMesh - 2) in another arrival order)")
        }
        return found
    }

    /// Fails the test if anything `live` (a run against the server at `url`) did does not add
    /// up against `simulated`, naming the ops the server holds (uuid, state, message) and the
    /// retries the run met.
    static func expectEveryRequestAccounted(live: LiveResult, simulated: RunResult, url: DatabaseURL,
                                            sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        try RequestAccounting(live: live, simulated: simulated, url: url)
            .expectEveryRequestAccounted(live: live, url: url, sourceLocation: sourceLocation)
    }

    private func expectEveryRequestAccounted(live: LiveResult, url: DatabaseURL,
                                             sourceLocation: Testing.SourceLocation) throws {
        let found = mismatches
        #expect(found.isEmpty, "\(found): live \(server), recorded \(recorded), simulated \(predicted)",
                sourceLocation: sourceLocation)
        guard !found.isEmpty else { return }
        let rows = try MariaDBSession(url).query(
            "SELECT o.uuid, s.state_value, s.message, JSON_VALUE(o.metadata_json, '$.tasks[0]') FROM cluster_operations o "
            + "LEFT JOIN object_states s ON s.object_uuid = CONCAT_WS('-', SUBSTR(o.uuid, 1, 8), SUBSTR(o.uuid, 9, 4), "
            + "SUBSTR(o.uuid, 13, 4), SUBSTR(o.uuid, 17, 4), SUBSTR(o.uuid, 21)) ORDER BY o.uuid").rows
        Issue.record("ops on the server: \(rows); retried: \(live.transient)", sourceLocation: sourceLocation)
    }
}

/// The accounting itself, on simulated runs (no server needed): an arrival order that makes
/// fewer requests than predicted (as one loaded CI run held 28 against 29) adds up, and a lost
/// or doubled op does not.
@Suite struct RequestAccountingTests {
    /// six-instance-starts with the starts written in the order web-0, web-2, web-4, web-1,
    /// web-3, web-5 (all at 0 s): an order a live run's tasks can reach the API in. Chosen
    /// because it makes fewer ops than the scenario with the simulator's draws (72 of the 720
    /// orders of the six written out this way make one op fewer than the scenario's 24, 216 as
    /// many, 432 one more). Until the ziggurat's normals replaced Box-Muller's, the CI run's
    /// order web-0, web-2, web-1, web-3, web-4, web-5 did, with the CI failure's figures (23
    /// ops against 24, 28 requests against 29, 16 mesh requests against 17); with today's draws
    /// it makes 24, and no order gives those three figures at once.
    static func raceOrder() throws -> Scenario {
        let path = LiveServerTests.LiveRunTests.scenarioPath
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let written = """
              - at: 0s
                repeat: {count: 6, every: 0s}
                instance_start: {name: "web-{i}", node: [node-2, node-3], interfaces: [net-a]}
            """
        try #require(text.contains(written), "\(path) no longer starts six instances as this test expects")
        let reordered = [(0, 2), (2, 2), (4, 2), (1, 3), (3, 3), (5, 3)].map { index, node in
            "  - at: 0s\n    instance_start: {name: \"web-\(index)\", node: node-\(node), interfaces: [net-a]}"
        }.joined(separator: "\n")
        return try ScenarioParser.load(text: text.replacing(written, with: reordered), file: path)
    }

    static func simulate(_ scenario: Scenario) throws -> RunResult {
        let variant = try #require(scenario.variant(named: "plan"))
        return ScenarioRunner.run(scenario, chosen: [variant], measureWallTime: false, tracing: true).runs[0].result
    }

    /// A simulated run as if live: what it recorded, and the same counts as the server's.
    static func accounting(live: RunResult, predicted: RunResult,
                           adjust: (inout LiveStore.Counters) -> Void = { _ in }) -> RequestAccounting {
        var server = LiveStore.Counters(executed: live.counts.executed, folded: live.counts.folded,
                                        deduplicated: live.counts.deduplicated, created: live.counts.created)
        adjust(&server)
        return RequestAccounting(recorded: live.counts, server: server,
                                 serverMesh: RequestAccounting.meshRequests(live.trace), predicted: predicted.counts,
                                 predictedMesh: RequestAccounting.meshRequests(predicted.trace))
    }

    @Test func anotherArrivalOrderMakesFewerRequestsAndStillAddsUp() throws {
        let predicted = try Self.simulate(ScenarioParser.load(path: LiveServerTests.LiveRunTests.scenarioPath))
        let raced = try Self.simulate(Self.raceOrder())
        // Fewer ops, requests and mesh requests than predicted (here 23 against 24, 27 against
        // 29, 15 against 17), and every one of them accounted for.
        #expect(raced.counts.created + 1 == predicted.counts.created,
                "created: raced \(raced.counts.created), predicted \(predicted.counts.created)")
        let accounting = Self.accounting(live: raced, predicted: predicted)
        #expect(accounting.accounted < accounting.predictedAccounted,
                "requests: raced \(accounting.accounted), predicted \(accounting.predictedAccounted)")
        #expect(accounting.serverMesh < accounting.predictedMesh,
                "mesh requests: raced \(accounting.serverMesh), predicted \(accounting.predictedMesh)")
        #expect(accounting.mismatches.isEmpty, "\(accounting.mismatches)")
        // The scenario's own order against itself.
        #expect(Self.accounting(live: predicted, predicted: predicted).mismatches.isEmpty)
    }

    @Test func aLostOrDoubledRequestIsAMismatch() throws {
        let predicted = try Self.simulate(ScenarioParser.load(path: LiveServerTests.LiveRunTests.scenarioPath))
        let raced = try Self.simulate(Self.raceOrder())
        for live in [predicted, raced] {
            // An op the run created that the server lost (rolled back, treated as done).
            let lost = Self.accounting(live: live, predicted: predicted) { server in
                server.created -= 1
                server.executed -= 1
            }
            #expect(!lost.mismatches.isEmpty)
            // An op inserted twice (a retried transaction that had committed).
            let doubled = Self.accounting(live: live, predicted: predicted) { server in
                server.created += 1
                server.executed += 1
            }
            #expect(!doubled.mismatches.isEmpty)
            // A dedup event lost.
            #expect(!Self.accounting(live: live, predicted: predicted) { $0.deduplicated -= 1 }.mismatches.isEmpty)
            // A request the producers never made (lost before it reached the server): the run
            // and the server agree with each other, not with the simulator.
            var short = Self.accounting(live: live, predicted: predicted)
            short.recorded.created -= 1
            short.server.created -= 1
            short.server.executed -= 1
            #expect(short.mismatches.count == 1, "\(short.mismatches)")
        }
    }
}
