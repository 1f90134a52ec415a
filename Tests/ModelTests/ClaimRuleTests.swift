@testable import Model
import Sim
import Testing

/// The claim rule of `SimDatabase` (model file, section 3): eligible rows are unclaimed, due
/// (`scheduled_at <= now`) and in the requested queues; they are ordered by the position of
/// their queue in the request list, then `scheduled_at`, then row id; at most `limit` (capped
/// at 256) are claimed, each with `attempts + 1`.
@Suite struct ClaimRuleTests {
    static let urgent = QueueName(.node(.n1), .network, .userFacing)
    static let lower = QueueName(.node(.n1), .network, .background)

    /// Runs `body` on a bench with no daemons: only the script touches the database.
    private func withDatabase(_ config: ModelConfig = .exact(.facade),
                              _ body: @escaping @Sendable (Driver, SimDatabase) async throws -> Void) {
        let bench = Bench(config: config)
        let outcome = bench.run { driver in try await body(driver, bench.database) }
        #expect(outcome.ending == .completed)
    }

    @Test func claimOrdersByRequestPositionThenScheduledAtThenRowID() {
        withDatabase { driver, database in
            // X gets row 1, is claimed and deferred to t=5: its new row (row 2) is older by id
            // than the rows created at t=1, but scheduled later.
            let x = await driver.create(["t"], on: Self.urgent)
            let first = await database.claim([Self.urgent], limit: 1, by: "tester")
            await database.reschedule(try #require(first.first), after: .seconds(5), isDefer: true)
            try await driver.sleep(until: 1)
            let y = await driver.create(["t"], on: Self.urgent)
            let z = await driver.create(["t"], on: Self.urgent)
            let w = await driver.create(["t"], on: Self.lower)
            try await driver.sleep(until: 5)
            // The lower-priority queue is asked first, so its row comes first: the order is
            // the request's, not the priority's. Y before X: scheduled_at outranks row id.
            // Y before Z: same scheduled_at, row id breaks the tie.
            let claimed = await database.claim([Self.lower, Self.urgent], limit: 10, by: "tester")
            #expect(claimed.map(\.opID) == [w, y, z, x])
        }
    }

    /// An empty `strict` claim keeps the earliest `scheduled_at` it saw, for ideal mode's wait
    /// right after it: asked again with no row changed since, the database answers from it;
    /// after a row is made or claimed, it reads the queues again.
    @Test func theEarliestRowAfterAnEmptyClaimFollowsEveryChange() {
        withDatabase { driver, database in
            let queues = [Self.urgent, Self.lower]
            // Two rows deferred, to t=5 and t=3 (each claimed, then rescheduled).
            await driver.create(["t"], on: Self.urgent)
            let x = await database.claim([Self.urgent], limit: 1, by: "tester")
            await database.reschedule(try #require(x.first), after: .seconds(5), isDefer: true)
            await driver.create(["t"], on: Self.lower)
            let y = await database.claim([Self.lower], limit: 1, by: "tester")
            await database.reschedule(try #require(y.first), after: .seconds(3), isDefer: true)
            #expect(await database.claim(queues, limit: 10, by: "tester").isEmpty)
            #expect(await database.earliestVisible([queues], from: .zero) == [.seconds(3)])
            // A row made now is visible now, though the empty claim saw none due.
            await driver.create(["t"], on: Self.urgent)
            #expect(await database.earliestVisible([queues], from: .zero) == [.zero])
            // Claimed, it leaves the row at t=3 the earliest again.
            #expect(await database.claim(queues, limit: 10, by: "tester").count == 1)
            #expect(await database.claim(queues, limit: 10, by: "tester").isEmpty)
            #expect(await database.earliestVisible([queues], from: .zero) == [.seconds(3)])
            // At t=3 that row is claimed: the row at t=5 is the earliest, by a claim that
            // took a row (nothing kept) and then by an empty one (kept).
            try await driver.sleep(until: 3)
            #expect(await database.claim(queues, limit: 10, by: "tester").count == 1)
            #expect(await database.earliestVisible([queues], from: .seconds(3)) == [.seconds(5)])
            #expect(await database.claim(queues, limit: 10, by: "tester").isEmpty)
            #expect(await database.earliestVisible([queues], from: .seconds(3)) == [.seconds(5)])
            // Other lists are read afresh: the lower lane alone has no row left.
            #expect(await database.earliestVisible([[Self.lower], [Self.urgent]], from: .seconds(3)) == [nil, .seconds(5)])
            // Written into a list kept by the daemon: what was there before goes, longer or
            // shorter.
            var kept: [Duration?] = [.seconds(9), nil, .seconds(1)]
            await database.earliestVisible([[Self.lower], [Self.urgent]], from: .seconds(3), into: &kept)
            #expect(kept == [nil, .seconds(5)])
            await database.earliestVisible([queues, [Self.lower], queues], from: .seconds(4), into: &kept)
            #expect(kept == [.seconds(5), nil, .seconds(5)])
        }
    }

    @Test func claimTakesAtMostLimitAndNeverMoreThan256() {
        withDatabase { driver, database in
            for _ in 0..<300 { await driver.create(["t"], on: Self.urgent) }
            #expect(await database.claim([Self.urgent], limit: 3, by: "tester").count == 3)
            // The server caps a claim at 256 rows whatever the caller asks for.
            #expect(await database.claim([Self.urgent], limit: 1000, by: "tester").count == 256)
            #expect(await database.claim([Self.urgent], limit: 1000, by: "tester").count == 300 - 3 - 256)
        }
    }

    @Test func lowerLanesGetRowsOnlyWhenHigherLanesYieldFewerThanLimit() {
        withDatabase { driver, database in
            let a1 = await driver.create(["t"], on: Self.urgent)
            let a2 = await driver.create(["t"], on: Self.urgent)
            var lower: [OpID] = []
            for _ in 0..<5 { lower.append(await driver.create(["t"], on: Self.lower)) }
            // Two urgent rows fill a limit of 2: the lower lane gets nothing although its
            // rows have waited as long.
            let full = await database.claim([Self.urgent, Self.lower], limit: 2, by: "tester")
            #expect(full.map(\.opID) == [a1, a2])
            // One urgent row and a limit of 4: the remaining three slots spill to the lower lane.
            let a3 = await driver.create(["t"], on: Self.urgent)
            let spill = await database.claim([Self.urgent, Self.lower], limit: 4, by: "tester")
            #expect(spill.map(\.opID) == [a3] + lower.prefix(3))
        }
    }

    @Test func rowsNotYetDueAreNotClaimed() {
        withDatabase { driver, database in
            let x = await driver.create(["t"], on: Self.urgent)
            let item = try #require(await database.claim([Self.urgent], limit: 1, by: "tester").first)
            await database.reschedule(item, after: .seconds(5), isDefer: true)
            try await driver.sleep(until: 4.999_999_999)
            #expect(await database.claim([Self.urgent], limit: 10, by: "tester").isEmpty)
            // `scheduled_at <= now`: due at exactly t=5.
            try await driver.sleep(until: 5)
            #expect(await database.claim([Self.urgent], limit: 10, by: "tester").map(\.opID) == [x])
        }
    }

    @Test func claimMarksRowsClaimedAndCountsAttempts() {
        var config = ModelConfig.exact(.facade)
        config.claimTimeout = .seconds(10)
        withDatabase(config) { driver, database in
            let x = await driver.create(["t"], on: Self.urgent)
            let first = await database.claim([Self.urgent], limit: 10, by: "node-1/sf-net")
            #expect(first.count == 1)
            #expect(first.first?.opID == x)
            #expect(first.first?.attempts == 1)
            #expect(first.first?.claimedBy == "node-1/sf-net")
            // A claimed row is not offered again...
            #expect(await database.claim([Self.urgent], limit: 10, by: "node-2/sf-net").isEmpty)
            // ...until the reaper releases it; the next claim is its second attempt.
            try await driver.sleep(until: 11)
            let reaped = await database.reap()
            #expect(reaped.released == 1 && reaped.errored == 0)
            let second = await database.claim([Self.urgent], limit: 10, by: "node-2/sf-net")
            #expect(second.map(\.attempts) == [2])
            #expect(second.first?.claimedBy == "node-2/sf-net")
        }
    }
}
