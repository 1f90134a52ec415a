@testable import Live
import Model
import Sim
import Testing

/// The claim rule (model file §3) on the real server, through the built-in SQL: list order,
/// `scheduled_at`, `limit` and the server cap, spill-over to lower lanes, and concurrent
/// claimers that never get the same row (`FOR UPDATE SKIP LOCKED`).
extension LiveServerTests {
@Suite struct ClaimSQLTests {
    static let urgent = QueueName(.networkNode, .clusterOperation, .userFacing)
    static let lower = QueueName(.networkNode, .clusterOperation, .background)

    static func spec(_ queue: QueueName, _ key: UInt64) -> OpSpec {
        OpSpec(type: .netOp, tasks: ["network_apply_update_dnsmasq"], priority: queue.priority, queue: queue,
               networkID: NetworkID("net-\(key)"), randomKey: key)
    }

    /// Creates `count` ops on `queue`, one after another; returns their ids in order.
    static func create(_ count: Int, on queue: QueueName, _ connection: MariaDBConnection,
                       from key: UInt64 = 0) async throws -> [OpID] {
        var ids: [OpID] = []
        for index in 0..<count { ids.append(try await connection.createOp(spec(queue, key + UInt64(index)))) }
        return ids
    }

    static func connection(_ store: LiveStore, _ name: String = "node-1/sf-net") -> MariaDBConnection {
        store.connect(name, random: RandomStream(seed: 1)) as! MariaDBConnection
    }

    @Test func rowsComeInRequestOrderThenScheduledAt() async throws {
        let store = try LiveServer.store()
        let connection = Self.connection(store)
        let lower = try await Self.create(2, on: Self.lower, connection)
        let urgent = try await Self.create(2, on: Self.urgent, connection, from: 10)
        let claimed = try await connection.claimBatch([Self.urgent, Self.lower], limit: 10)
        #expect(claimed.map(\.opID) == urgent + lower)
        #expect(claimed.allSatisfy { $0.attempts == 1 && $0.claimedBy == "node-1/sf-net" })
        // Asked in the other order, the same kind of rows come the other way round.
        let store2 = try LiveServer.store()
        let connection2 = Self.connection(store2)
        let lower2 = try await Self.create(2, on: Self.lower, connection2)
        let urgent2 = try await Self.create(2, on: Self.urgent, connection2, from: 10)
        #expect(try await connection2.claimBatch([Self.lower, Self.urgent], limit: 10).map(\.opID) == lower2 + urgent2)
    }

    @Test func aRowIsNotClaimedBeforeItsScheduledAt() async throws {
        let store = try LiveServer.store()
        let connection = Self.connection(store)
        let ids = try await Self.create(2, on: Self.urgent, connection)
        let first = try #require(try await connection.claimBatch([Self.urgent], limit: 1).first)
        #expect(first.opID == ids[0])
        // Deferred by 10 s: the other row comes first, then nothing until the deferred one is
        // due. (With 2 s, a loaded CI machine once took longer than that between the
        // reschedule and the next claim, which then found both rows.)
        let deferral = Duration.seconds(10)
        try await connection.reschedule(first, after: deferral, isDefer: true)
        let rescheduled = ContinuousClock.now
        #expect(try await connection.claimBatch([Self.urgent], limit: 10).map(\.opID) == [ids[1]])
        #expect(try await connection.claimBatch([Self.urgent], limit: 10).isEmpty)
        try await Task.sleep(until: rescheduled + deferral + .milliseconds(500), clock: .continuous)
        let due = try await connection.claimBatch([Self.urgent], limit: 10)
        #expect(due.map(\.opID) == [ids[0]])
        #expect(due.first?.deferCount == 1)
        #expect(try await store.counters().deferred == 1)
    }

    @Test func theLimitAndTheServerCapBoundAClaim() async throws {
        var config = ModelConfig.preset(.plan)
        config.claimCap = 256
        let store = try LiveServer.store(config)
        let connection = Self.connection(store)
        _ = try await Self.create(300, on: Self.urgent, connection)
        #expect(try await connection.claimBatch([Self.urgent], limit: 3).count == 3)
        #expect(try await connection.claimBatch([Self.urgent], limit: 1000).count == 256)
        #expect(try await connection.claimBatch([Self.urgent], limit: 1000).count == 300 - 3 - 256)
        #expect(try await connection.depth(of: [Self.urgent]) == 300)
    }

    @Test func lowerLanesGetRowsOnlyWhenHigherOnesYieldFewerThanTheLimit() async throws {
        let store = try LiveServer.store()
        let connection = Self.connection(store)
        let urgent = try await Self.create(2, on: Self.urgent, connection)
        let lower = try await Self.create(3, on: Self.lower, connection, from: 10)
        #expect(try await connection.claimBatch([Self.urgent, Self.lower], limit: 2).map(\.opID) == urgent)
        #expect(try await connection.claimBatch([Self.urgent, Self.lower], limit: 2).map(\.opID)
                == Array(lower.prefix(2)))
    }

    @Test func theSingularDequeueTakesOneRowPerQueue() async throws {
        let store = try LiveServer.store()
        let connection = Self.connection(store)
        let urgent = try await Self.create(2, on: Self.urgent, connection)
        let lower = try await Self.create(2, on: Self.lower, connection, from: 10)
        let round = try await connection.claim([Self.urgent, Self.lower], limit: 10, mode: .singular, shape: .round)
        #expect(round.map(\.opID) == [urgent[0], lower[0]])
        #expect(round.allSatisfy { $0.claimBatch == 2 })
        let restart = try await connection.claim([Self.urgent, Self.lower], limit: 10, mode: .singular, shape: .restart)
        #expect(restart.map(\.opID) == [urgent[1]])
    }

    /// Eight connections claim batches of 3 from 240 rows at once, round after round, until
    /// the queue is empty: every row is claimed exactly once.
    @Test func concurrentClaimersNeverGetTheSameRow() async throws {
        let store = try LiveServer.store()
        let creator = Self.connection(store, "creator")
        let created = try await Self.create(240, on: Self.urgent, creator)
        // Every claimer connected before any claims, so they start together.
        let claimers = (0..<8).map { Self.connection(store, "node-\($0 + 1)/sf-net") }
        for claimer in claimers { _ = try await claimer.row("now") }
        // Each claimer takes its first batch, then waits for the others' first batches: on a
        // loaded machine one task could otherwise drain all 80 batches before the others ran
        // (seen once in CI), and the test would no longer be about concurrent claimers.
        let firstBatches = StartBarrier(parties: claimers.count)
        // An empty batch does not mean the queue is empty: the claim's `ORDER BY FIELD(...)`
        // needs a filesort, so a claim's locking read can lock every row it reads before
        // the LIMIT applies, and while that transaction is open SKIP LOCKED hides them all. A claimer stops when all rows
        // are claimed (or after many empty batches in a row, so a lost row fails the counts
        // below instead of hanging); stopping at its first empty batch let one claimer take
        // everything once on a loaded machine.
        let tally = ClaimTally()
        let claims = try await withThrowingTaskGroup(of: [OpID].self) { group in
            for connection in claimers {
                group.addTask {
                    let first: Result<[OpID], any Error>
                    do { first = .success(try await connection.claimBatch([Self.urgent], limit: 3).map(\.opID)) } catch {
                        first = .failure(error)
                    }
                    await firstBatches.arrive()  // also on failure, so no claimer waits forever
                    var mine = try first.get()
                    await tally.add(mine.count)
                    var emptyInARow = 0
                    while await tally.total < created.count && emptyInARow < 1_000 {
                        let batch = try await connection.claimBatch([Self.urgent], limit: 3)
                        emptyInARow = batch.isEmpty ? emptyInARow + 1 : 0
                        mine += batch.map(\.opID)
                        await tally.add(batch.count)
                    }
                    return mine
                }
            }
            var all: [[OpID]] = []
            for try await claimed in group { all.append(claimed) }
            return all
        }
        let everything = claims.flatMap { $0 }
        #expect(everything.count == created.count)
        #expect(Set(everything) == Set(created))
        #expect(claims.filter { !$0.isEmpty }.count > 1, "the claimers should have shared the work")
        #expect(try await store.counters().leftClaimed == 240)
    }
}
}

/// Lets `parties` tasks wait until all of them have arrived.
/// Rows claimed so far by all the claimers of a test.
actor ClaimTally {
    private(set) var total = 0
    func add(_ count: Int) { total += count }
}

actor StartBarrier {
    private let parties: Int
    private var arrived = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(parties: Int) { self.parties = parties }

    func arrive() async {
        arrived += 1
        if arrived >= parties {
            for continuation in waiting { continuation.resume() }
            waiting = []
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }
}
