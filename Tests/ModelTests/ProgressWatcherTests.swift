import Model
import Sim
import Testing

/// A run in which no progress is possible any more ends as stuck soon after, instead of
/// polling up to its time limit; a run that can still progress is left alone.
@Suite struct ProgressWatcherTests {
    static let oneMillionHours = Duration.seconds(3_600_000_000)

    /// node-3 stops for good at t = 0; at t = 1 an instance start on it enqueues its mesh op
    /// (node-3's network queue) and its start op (node-3's sf-queues), and a REST client polls
    /// forever. The network node's work completes; the two ops on node-3 never can. The reaper
    /// could still release claims node-3 held when it stopped, until 1800 + 60 s after the
    /// stop (plus one 10 s check), so the run ends as stuck between 1870 and 1890 s, not at
    /// the time limit of a million hours, naming the stopped node.
    @Test func opsWaitingOnANodeStoppedForGoodEndTheRunAsStuckSoonAfter() {
        let workload = Workload(networks: [NetworkID("net-a")], events: [
            .action(at: 0, "stop", .nodeStop(.n3)),
            .action(at: 1, "start", .instanceStart(instance: InstanceID("web"), node: .n3,
                                                   interfaces: [NetworkID("net-a")], floatingIPs: false)),
        ])
        let result = Cluster.run(.preset(.facade), nodes: 3, workload: workload, limit: Self.oneMillionHours,
                                 tracing: false)
        guard case .stuck = result.ending else {
            Issue.record("expected stuck, got \(result.ending)")
            return
        }
        #expect(result.virtualTime > .seconds(1860) && result.virtualTime < .seconds(1890))
        #expect(result.endingReason?.contains("stopped: node-3") == true)
        #expect(result.pendingOps.map(\.task) == ["network_ensure_mesh", "instance_start"])
    }

    /// The watch looks at the same instants (every 10 s from zero) however far the clock
    /// jumps, so a stuck run ends at the same instant, with the same trace, whether the
    /// daemons and waiters skip their idle polls or poll tick by tick. (Before the watch's
    /// instants were fixed, skipping moved this ending from 1873 s to 1920 s.)
    @Test func aStuckRunEndsAtTheSameInstantWhetherPollsAreSkippedOrNot() {
        let workload = Workload(networks: [NetworkID("net-a")], events: [
            .action(at: 0, "stop", .nodeStop(.n3)),
            .action(at: 1, "start", .instanceStart(instance: InstanceID("web"), node: .n3,
                                                   interfaces: [NetworkID("net-a")], floatingIPs: false)),
        ])
        for config in [ModelConfig.preset(.facade), .preset(.plan), .preset(.later)] {
            let skipped = Cluster.run(config, nodes: 3, workload: workload, limit: Self.oneMillionHours)
            let naive = Cluster.run(config, nodes: 3, workload: workload, limit: Self.oneMillionHours,
                                    naivePolling: true)
            guard case .stuck = skipped.ending, case .stuck = naive.ending else {
                Issue.record("expected both stuck, got \(skipped.ending) and \(naive.ending)")
                continue
            }
            #expect(skipped.virtualTime == naive.virtualTime)
            #expect(skipped.trace == naive.trace)
            #expect(skipped.load == naive.load)
            #expect(skipped.jobs < naive.jobs)
        }
    }

    /// The same, but node-3 starts again at t = 5000: the watch must not end the run before
    /// then (a later event could change everything), and the run completes.
    @Test func aNodeThatStartsAgainLaterIsWaitedFor() {
        let workload = Workload(networks: [NetworkID("net-a")], events: [
            .action(at: 0, "stop", .nodeStop(.n3)),
            .action(at: 1, "start", .instanceStart(instance: InstanceID("web"), node: .n3,
                                                   interfaces: [NetworkID("net-a")], floatingIPs: false)),
            .action(at: 5000, "restart", .nodeStart(.n3)),
        ])
        let result = Cluster.run(.preset(.facade), nodes: 3, workload: workload, limit: Self.oneMillionHours,
                                 tracing: false)
        #expect(result.ending == .completed)
        #expect(result.virtualTime > .seconds(5000))
    }

    /// With more reserved user slots than workers, sf-queues never asks for background lanes
    /// (`busy <= max_workers - reserved_user_slots` cannot hold): a background op on a running
    /// node can never run. No node stopped, so the run ends one or two checks after the op.
    @Test func anOpOnALaneNoDaemonEverClaimsEndsTheRunAsStuck() {
        var config = ModelConfig.preset(.facade)
        config.maxWorkersOverride = 2
        config.reservedUserSlots = 3
        let background = QueueName(.node(.n1), .clusterOperation, .background)
        let workload = Workload(events: [.op(at: 1, "op", "instance_delete", on: background)])
        let result = Cluster.run(config, nodes: 1, workload: workload, limit: Self.oneMillionHours, tracing: false)
        guard case .stuck = result.ending else {
            Issue.record("expected stuck, got \(result.ending)")
            return
        }
        #expect(result.virtualTime <= .seconds(30))
        #expect(result.endingReason?.contains("node-1-clusteroperation-background") == true)
    }
}
