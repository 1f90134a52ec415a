import Model
import Sim
import Testing

/// Dependency defers (model file, section 7): the delay each daemon and era uses, read from
/// the `Execution deferred for X seconds` events of the trace.
///
/// Every test makes its op depend on an op `D` parked on a lane nobody drains (node-3's, on
/// a one-node bench), so it defers until the script completes `D` (or forever).
@Suite struct DeferTests {
    static let parked = QueueName(.node(.n3), .network, .userFacing)
    /// 0.1 s doubling, capped at 15 s.
    static let ladder = [0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 15, 15, 15]

    /// Idle dispatchers poll every 0.2 s (section 6), so an op deferred for `d` is picked up
    /// between `d` and `d + 0.2` s later.
    private func expectGaps(_ times: [Double], delays: [Double], slack: Double) {
        for (index, delay) in delays.enumerated() where index + 1 < times.count {
            let gap = times[index + 1] - times[index]
            #expect(gap >= delay - 1e-9 && gap <= delay + slack + 1e-9, "defer \(index): \(gap) s after \(delay) s")
        }
    }

    @Test func sfNetDefersOnALadderKeptInMemoryPerOp() throws {
        let bench = Bench(config: .exact(.facade, tasks: [FixedTask("work", seconds: 1)]))
        bench.startNet(.n1)
        bench.run(limit: .seconds(60)) { driver in
            let d = await driver.create(["work"], on: Self.parked)
            await driver.create(["work"], on: QueueName(.node(.n1), .network, .userFacing), dependsOn: [d])
            try await driver.sleep(until: 5)
            await driver.create(["work"], on: QueueName(.node(.n1), .network, .userFacing), dependsOn: [d])
            try await driver.sleep(until: 60)
        }
        let (first, second) = (try bench.createdOp(1), try bench.createdOp(2))
        let firstDelays = bench.events(first, .deferred).compactMap(\.deferSeconds)
        // 25.5 s of ladder, then 15 s steps: 11 defers fit in 60 s.
        #expect(same(firstDelays, Self.ladder))
        expectGaps(bench.times(first, .deferred), delays: Self.ladder, slack: 0.2)
        // The second op, first deferred at t = 5 while the first was on its 1.6 s step,
        // starts its own ladder at 0.1 s: the ladder belongs to the op.
        let secondDelays = bench.events(second, .deferred).compactMap(\.deferSeconds)
        #expect(same(Array(secondDelays.prefix(8)), Array(Self.ladder.prefix(8))))
    }

    /// sf-queues before `later`: every defer is 15 s, whatever `defer_count` says. The op
    /// defers at t = 0.2, 15.2, 30.2 and 45.2; `D` completes at 50; it runs at 60.2 with the
    /// persisted `defer_count` 4 in its `started executing` event.
    @Test(arguments: [Era.facade, .plan])
    func sfQueuesDefersAFlat15SecondsBeforeTheLaterEra(era: Era) throws {
        let bench = Bench(config: .exact(era, tasks: [FixedTask("work", seconds: 1)]))
        bench.startQueues(.n1)
        bench.run { driver in
            let d = await driver.create(["work"], on: Self.parked)
            let op = await driver.create(["work"], on: QueueName(.node(.n1), .clusterOperation, .userFacing),
                                         dependsOn: [d])
            try await driver.sleep(until: 50)
            await driver.setState(d, .complete)
            try await driver.awaitTerminal(op, deadline: 100)
        }
        let op = try bench.createdOp(1)
        let delays = bench.events(op, .deferred).compactMap(\.deferSeconds)
        #expect(same(delays, [15, 15, 15, 15]))
        expectGaps(bench.times(op, .deferred), delays: delays, slack: 0.2)
        #expect(bench.events(op, .started).map(\.deferCount) == [4])
        #expect(bench.terminalState(op) == "complete")
    }

    /// `later`: sf-queues computes the ladder from the row's persisted `defer_count`, so it
    /// continues whichever node claims the row. Idle polls back off up to 2 s in `later`
    /// (section 6), hence the wider slack.
    @Test func sfQueuesDefersOnTheLadderFromThePersistedDeferCountInTheLaterEra() throws {
        let bench = Bench(config: .exact(.later, tasks: [FixedTask("work", seconds: 1)]), nodes: 2)
        bench.startQueues(.n1)
        bench.startQueues(.n2)
        bench.run { driver in
            let d = await driver.create(["work"], on: Self.parked)
            let op = await driver.create(["work"], on: QueueName(.any, .clusterOperation, .userFacing), dependsOn: [d])
            try await driver.sleep(until: 20)
            await driver.setState(d, .complete)
            try await driver.awaitTerminal(op, deadline: 100)
        }
        let op = try bench.createdOp(1)
        let deferred = bench.events(op, .deferred)
        let delays = deferred.compactMap(\.deferSeconds)
        #expect(delays.count >= 5)
        #expect(same(delays, Array(Self.ladder.prefix(delays.count))))
        expectGaps(deferred.map(\.seconds), delays: delays, slack: 2)
        #expect(bench.events(op, .started).map(\.deferCount) == [delays.count])
        // Both pools took part, and the ladder did not restart when the row changed hands.
        #expect(Set(deferred.map(\.by)) == ["node-1/sf-queues", "node-2/sf-queues"])
    }
}

extension TraceEvent {
    /// X of a `deferred` event's `Execution deferred for X seconds`.
    var deferSeconds: Double? {
        guard kind == .deferred else { return nil }
        let words = detail.split(separator: " ")
        guard words.count == 5, words[0] == "Execution", words[4] == "seconds" else { return nil }
        return Double(words[3])
    }
}
