import Model
import Sim
import Testing

/// The seed plan's symptom and the polling cost behind it (model file, sections 4, 6, 10).
@Suite struct SeedScenarioTests {
    static let network = NetworkID("net-1")

    /// Six instance starts on one network, spread over three nodes, all at t = 0.
    static func sixInstanceStarts() -> Workload {
        let starts = (1...6).map { index in
            ScheduledAction.action(at: 0, "start-\(index)", .instanceStart(
                instance: InstanceID("inst-\(index)"), node: NodeID(index: (index - 1) % 3),
                interfaces: [network], floatingIPs: false))
        }
        return Workload(networks: [network], events: starts)
    }

    /// `facade`, default timings. Each start enqueues one `update_dnsmasq` on the network node;
    /// node-1's single-threaded sf-net runs the six strictly one after another (each starts
    /// after the previous one's `complete` write), so each waits for all before it and the
    /// `wait_seconds` of the six grow.
    @Test func sixInstanceStartsGiveSixSerialDnsmasqOpsWithGrowingWaits() {
        let result = Cluster.run(.preset(.facade), nodes: 3, workload: Self.sixInstanceStarts(), seed: 7)
        #expect(result.ending == .completed)
        #expect(result.counts.waitsCompleted == 6)
        let starts = result.events(.started, task: .updateDnsmasq)
        #expect(starts.count == 6)
        #expect(starts.allSatisfy { $0.by == "node-1/sf-net" })
        for (previous, next) in zip(starts, starts.dropFirst()) {
            let previousEnd = result.events(previous.op, .terminal).first?.seconds ?? .infinity
            #expect(next.seconds >= previousEnd, "\(next.op) started before \(previous.op) ended")
        }
        let waits = starts.compactMap(\.waitSeconds)
        #expect(waits.count == 6)
        #expect(zip(waits, waits.dropFirst()).allSatisfy { $0 < $1 }, "waits \(waits)")
    }

    /// An idle cluster of three nodes for 10 s, round trips a constant 1 ms. In `facade` sf-net
    /// asks each of its queues once per poll, one round trip each: 10 on the network node (its
    /// five lanes and the five networknode lanes), 5 elsewhere. A round then takes 10 ms + the
    /// 0.2 s idle sleep on the network node (48 whole rounds start by t = 10: 480 round trips)
    /// and 5 ms + 0.2 s on the others (49 rounds: 245). In `plan` one batched claim per poll:
    /// rounds of 0.201 s, 50 of them. In `later` the idle sleep backs off (0.2, 0.4, 0.8, 1.6,
    /// then 2 s): polls start at 0, 0.201, 0.602, 1.403, 3.004, 5.005, 7.006 and 9.007: 8.
    /// Every daemon first pays one round trip releasing its own claims (`restart_work_queue`),
    /// which shifts the rounds by 1 ms and adds one to each count.
    @Test(arguments: [(Era.facade, 480, 245), (.plan, 50, 50), (.later, 8, 8)])
    func idleSfNetPaysOneRoundTripPerQueuePerPollInFacadeAndOnePerPollAfter(era: Era, networkNode: Int, otherNode: Int) {
        let config = ModelConfig.exact(era, roundTrip: .milliseconds(1))
        // Starting a node that already runs changes nothing; it keeps the run open until t = 10.
        let workload = Workload(events: [.action(at: 10, "keep-open", .nodeStart(.n1))])
        let result = Cluster.run(config, nodes: 3, workload: workload)
        #expect(result.ending == .completed)
        #expect(same(result.virtualTime.seconds, 10))
        #expect(result.roundTrips["node-1/sf-net"] == networkNode + 1)
        #expect(result.roundTrips["node-2/sf-net"] == otherNode + 1)
        #expect(result.roundTrips["node-3/sf-net"] == otherNode + 1)
    }
}
