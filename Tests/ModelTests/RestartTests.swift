@testable import Model
import Sim
import Testing

/// A daemon clears the claims on its own queues when it starts (`restart_work_queue`, model
/// file 7): rows a crashed node had claimed come back when it restarts, not only after the
/// reaper's 30 minutes.
@Suite struct RestartTests {
    /// node-2's sf-queues claims a 10 s op at 0.2 s; node-2 crashes at 1 s and restarts at 5 s.
    /// Releasing its claims at startup, the restarted pool runs the op again (from about
    /// 5.2 s) and it completes; without the release the row stays claimed and the op
    /// `executing` until the time limit (the reaper would free the row only after 1800 s).
    @Test(arguments: [true, false])
    func aRestartedNodeReleasesItsClaimsAndRunsTheOpAgain(release: Bool) throws {
        var config = ModelConfig.exact(.facade, tasks: [FixedTask("long", seconds: 10)])
        config.startupReleasesClaims = release
        let lane = QueueName(.node(.n2), .clusterOperation, .userFacing)
        let workload = Workload(events: [
            .op(at: 0, "long", "long", on: lane),
            .action(at: 1, "crash", .nodeStop(.n2)),
            .action(at: 5, "boot", .nodeStart(.n2)),
        ])
        let result = Cluster.run(config, nodes: 2, workload: workload, limit: .seconds(100))
        let op = try #require(result.op("long"))
        #expect(result.counts.releasedAtStartup == (release ? 1 : 0))
        if release {
            #expect(result.ending == .completed)
            let starts = result.events(op, .started).map(\.seconds)
            #expect(starts.count == 2)
            #expect((starts.last ?? 0) >= 5)
            #expect(result.events(op, .terminal).map(\.detail) == ["complete"])
        } else {
            #expect(result.events(op, .terminal).isEmpty)
            #expect(result.pendingOps.map(\.state) == [.executing])
        }
    }
}

/// An op folded between its claim and its `executing` write does not run: the state machine
/// refuses `complete → executing` (model file 4).
@Suite struct FoldBeforeExecutingTests {
    static let netA = NetworkID("net-a")

    /// sf-net on the network node with one drainer per queue and 10 ms round trips. A
    /// (networknode user_waiting) and B (networknode user_facing), both update_dnsmasq on net-a,
    /// are claimed at 0.02 by two drainers and loaded at 0.03. A writes `executing` at 0.04
    /// and folds B at 0.045. B first checks its `runs_after` (one read, to 0.04), so its own
    /// `executing` write lands at 0.05, after the fold: it is refused, B's task never runs and
    /// its row is dropped. Only A executed.
    @Test func anOpFoldedAfterItsClaimIsRefusedAtItsExecutingWrite() throws {
        var config = ModelConfig.exact(.facade, roundTrip: .milliseconds(10),
                                       tasks: [FixedTask(.updateDnsmasq, seconds: 1)])
        config.steps = [.workerFold]
        config.netSingularDequeue = .threadPerQueue
        config.foldCost = .constant(.milliseconds(5))
        let bench = Bench(config: config)
        bench.startNet(.n1)
        bench.run { driver in
            let done = await driver.create(["other"], on: QueueName(.node(.n1), .clusterOperation, .background))
            await driver.setState(done, .complete)
            let a = await driver.create([.updateDnsmasq], on: QueueName(.networkNode, .clusterOperation, .userWaiting),
                                        network: Self.netA)
            let b = await driver.create([.updateDnsmasq], on: QueueName(.networkNode, .clusterOperation, .userFacing),
                                        network: Self.netA, runsAfter: [done])
            try await driver.awaitTerminal(a, deadline: 10)
            try await driver.awaitTerminal(b, deadline: 10)
            try await driver.sleep(until: 2)
        }
        let (a, b) = (try bench.createdOp(1), try bench.createdOp(2))
        #expect(same(bench.times(b, .folded), [0.045]))
        #expect(bench.events(b, .finished).isEmpty)
        #expect(bench.events(b, .skipped).map(\.detail) == ["refused executing: op already terminal"])
        #expect(bench.events(a, .finished).count == 1)
        #expect(bench.counts.executed == 1)
    }
}
