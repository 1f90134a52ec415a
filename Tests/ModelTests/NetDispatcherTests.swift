@testable import Model
import Sim
import Testing

/// sf-net (model file, sections 3 and 4): which lanes it drains, in which order, and how the
/// singular (`facade`) and batched (`plan`) dequeues claim them.
@Suite struct NetDispatcherTests {
    static let work = FixedTask("work", seconds: 1)

    @Test func networkNodeLanesComeAfterTheNodesOwnLanesAndOnlyOnTheNetworkNode() {
        let bench = Bench(config: .exact(.facade), nodes: 2, networkNode: 0)
        let onNetworkNode = NetDispatcher(context: bench.context, node: .n1)
        let onHypervisor = NetDispatcher(context: bench.context, node: .n2)
        bench.run { _ in
            let own = QueueName.lanes(.node(.n1), .network)
            let networkNode = QueueName.lanes(.networkNode, .clusterOperation)
            #expect(await onNetworkNode.queues == own + networkNode)
            // "networknode/background is 9th of 10 in the priority list" (section 3).
            #expect(await onNetworkNode.queues[8] == QueueName(.networkNode, .clusterOperation, .background))
            #expect(await onHypervisor.queues == QueueName.lanes(.node(.n2), .network))
        }
    }

    @Test func onlyTheNetworkNodeRunsNetworkNodeWork() {
        let bench = Bench(config: .exact(.facade, tasks: [Self.work]), nodes: 3, networkNode: 1)
        for node in [NodeID.n1, .n2, .n3] { bench.startNet(node) }
        bench.run { driver in
            var created: [OpID] = []
            for _ in 0..<3 {
                created.append(await driver.create([Self.work.name],
                                                   on: QueueName(.networkNode, .clusterOperation, .userFacing)))
            }
            let own = await driver.create([Self.work.name], on: QueueName(.node(.n3), .network, .userFacing))
            for op in created + [own] { try await driver.awaitTerminal(op, deadline: 60) }
        }
        let runners = bench.createdOps.map { bench.events($0, .started).map(\.by) }
        // node-2 is the network node: it alone drains networknode-*, even though node-1 and
        // node-3 poll just as often; a node's own lane is drained by that node.
        #expect(runners == [["node-2/sf-net"], ["node-2/sf-net"], ["node-2/sf-net"], ["node-3/sf-net"]])
    }

    /// With a constant 10 ms round trip every step of the singular dequeue shows in the times.
    /// The default shape is a round (model file 4): one dequeue per queue in list order, then
    /// the collected items in list order. At t = 0 the daemon releases its own claims (one
    /// round trip, to 0.01); the round's ten dequeues end at 0.02 ... 0.11, the fifth returning
    /// Y and the sixth X. Y's load ends at 0.12 (its pickup), its `executing` write at 0.13,
    /// 1 s of work, the `complete` write at 1.14, the row delete at 1.15; X's load ends at 1.16.
    @Test func singularDequeueRoundAsksEveryQueueOnceThenRunsWhatItCollectedInListOrder() throws {
        let bench = Bench(config: .exact(.facade, roundTrip: .milliseconds(10), tasks: [Self.work]))
        bench.startNet(.n1)
        bench.run { driver in
            let x = await driver.create([Self.work.name], on: QueueName(.networkNode, .clusterOperation, .userWaiting))
            await driver.create([Self.work.name], on: QueueName(.node(.n1), .network, .backgroundHighIO))
            try await driver.awaitTerminal(x, deadline: 10)
        }
        let (x, y) = (try bench.createdOp(0), try bench.createdOp(1))
        #expect(same(bench.times(y, .started), [0.12]))
        #expect(same(bench.times(y, .terminal), [1.14]))
        #expect(same(bench.times(x, .started), [1.16]))
        #expect(same(bench.times(x, .terminal), [2.18]))
    }

    /// The `restart` shape (what simrun modelled before, kept selectable): the walk stops at the
    /// first queue that yields a row and, after that item, starts again from the top. Release
    /// to 0.01; five dequeues to 0.06 return Y; Y's load ends at 0.07 (pickup), `executing`
    /// 0.08, work to 1.08, `complete` 1.09, delete 1.10; six dequeues (to 1.16) reach X, whose
    /// load ends at 1.17.
    @Test func singularDequeueRestartRunsTheFirstRowItGetsThenStartsOver() throws {
        var config = ModelConfig.exact(.facade, roundTrip: .milliseconds(10), tasks: [Self.work])
        config.netSingularDequeue = .restart
        let bench = Bench(config: config)
        bench.startNet(.n1)
        bench.run { driver in
            // X: created first, but in the 6th queue of the list (the first networknode lane).
            let x = await driver.create([Self.work.name], on: QueueName(.networkNode, .clusterOperation, .userWaiting))
            // Y: created second, in the 5th queue (the node's own background_high_io lane).
            await driver.create([Self.work.name], on: QueueName(.node(.n1), .network, .backgroundHighIO))
            try await driver.awaitTerminal(x, deadline: 10)
        }
        let (x, y) = (try bench.createdOp(0), try bench.createdOp(1))
        #expect(same(bench.times(y, .started), [0.07]))
        #expect(same(bench.times(y, .terminal), [1.09]))
        #expect(same(bench.times(x, .started), [1.17]))
    }

    /// An op already terminal when its row is dispatched (how folded siblings disappear) is
    /// not run: the row is dropped with `skipping op already in terminal state`.
    @Test func aRowWhoseOpIsAlreadyTerminalIsDroppedWithoutRunning() throws {
        let lane = QueueName(.node(.n1), .network, .userFacing)
        let bench = Bench(config: .exact(.facade, tasks: [Self.work]))
        bench.startNet(.n1)
        bench.run { driver in
            // Between two polls (t = 0 and 0.2): the row exists, the op is already complete.
            try await driver.sleep(until: 0.1)
            let op = await driver.create([Self.work.name], on: lane)
            await driver.setState(op, .complete)
            try await driver.sleep(until: 1)
            #expect(await bench.database.depth(of: [lane]) == 0)
        }
        let op = try bench.createdOp(0)
        #expect(bench.events(op, .skipped).map(\.detail) == ["skipping op already in terminal state"])
        #expect(same(bench.times(op, .skipped), [0.2]))
        #expect(bench.events(op, .started).isEmpty)
        #expect(bench.counts.skippedTerminal == 1)
    }

    @Test func batchedDequeueClaimsUpToTenRowsInOneRoundTrip() throws {
        let bench = Bench(config: .exact(.plan, roundTrip: .milliseconds(10), tasks: [Self.work]))
        bench.startNet(.n1)
        bench.run { driver in
            var ops: [OpID] = []
            for _ in 0..<12 {
                ops.append(await driver.create([Self.work.name], on: QueueName(.node(.n1), .network, .userFacing)))
            }
            for op in ops { try await driver.awaitTerminal(op, deadline: 60) }
        }
        let ops = bench.createdOps
        let starts = ops.compactMap { bench.events($0, .started).first?.seconds }
        let ends = ops.compactMap { bench.events($0, .terminal).first?.seconds }
        try #require(starts.count == 12 && ends.count == 12)
        // After releasing its claims (10 ms), the first claim (one round trip) returns ten rows
        // (the first loaded by 0.03); they run one after another, each
        // paying row delete + load (20 ms) after the previous complete write. The 11th needs a
        // new claim: delete + claim + load (30 ms). The 11th and 12th came in that one claim.
        let gaps = (1..<12).map { starts[$0] - ends[$0 - 1] }
        #expect(same(gaps, Array(repeating: 0.02, count: 9) + [0.03, 0.02]), "gaps \(gaps)")
        #expect(same(starts.first ?? -1, 0.03))
    }
}

/// sf-net's third shape (model file 4): one drainer thread per queue.
@Suite struct ThreadPerQueueTests {
    /// X (6th queue) and Y (5th) with 10 ms round trips: the release ends at 0.01, each
    /// queue's drainer dequeues its own queue (to 0.02) and loads its item (to 0.03): both run
    /// at once instead of one after the other.
    @Test func eachQueuesDrainerRunsItsOwnItemsConcurrently() throws {
        var config = ModelConfig.exact(.facade, roundTrip: .milliseconds(10), tasks: [NetDispatcherTests.work])
        config.netSingularDequeue = .threadPerQueue
        let bench = Bench(config: config)
        bench.startNet(.n1)
        bench.run { driver in
            let x = await driver.create(["work"], on: QueueName(.networkNode, .clusterOperation, .userWaiting))
            let y = await driver.create(["work"], on: QueueName(.node(.n1), .network, .backgroundHighIO))
            try await driver.awaitTerminal(x, deadline: 10)
            try await driver.awaitTerminal(y, deadline: 10)
        }
        let (x, y) = (try bench.createdOp(0), try bench.createdOp(1))
        #expect(same(bench.times(x, .started), [0.03]))
        #expect(same(bench.times(y, .started), [0.03]))
        #expect(same(bench.times(x, .terminal), [1.05]))
    }
}
