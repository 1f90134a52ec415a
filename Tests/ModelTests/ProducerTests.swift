import Model
import Sim
import Testing

/// What the callers enqueue and how they wait (model file, section 8: routing table,
/// instance start fan-out, instance delete, node startup).
@Suite struct ProducerTests {
    static let net1 = NetworkID("net-1")
    static let net2 = NetworkID("net-2")

    /// Three nodes (network node node-1), an instance already on node-3 on net-1. Starting an
    /// instance on node-2 with two interfaces on net-1: per interface one `ensure_mesh` per
    /// participating node ({1, 2, 3}, each on that node's `network-user_facing` lane) and one
    /// `update_dnsmasq` (networknode, user_facing_high_io): 2 × 4 ops, repeated because the
    /// fan-out precedes step 6. Then the start op on node-2's `user_waiting` lane, which runs
    /// only once all eight are complete. The REST client waits without deadline (the start
    /// takes 20 s, beyond API_ASYNC_WAIT) and sees the end at its next 1 s poll.
    @Test func instanceStartFansOutPerInterfaceAndStartsAfterItsNetworkOps() throws {
        let config = ModelConfig.exact(.facade, tasks: [
            FixedTask(.ensureMesh, seconds: 0.3), FixedTask(.updateDnsmasq, seconds: 0.6),
            FixedTask(.instanceStart, seconds: 20),
        ])
        let workload = Workload(
            networks: [Self.net1],
            instances: [ExistingInstance(instance: InstanceID("old"), node: .n3, interfaces: [Self.net1])],
            events: [.action(at: 0, "start", .instanceStart(instance: InstanceID("new"), node: .n2,
                                                            interfaces: [Self.net1, Self.net1], floatingIPs: false))])
        let result = Cluster.run(config, nodes: 3, workload: workload)
        #expect(result.ending == .completed)
        let created = result.trace.filter { $0.kind == .created }
        let mesh = created.filter { $0.task == TaskName.ensureMesh.name }.map(\.queue)
        let meshLanes = ["node-1-network-user_facing", "node-2-network-user_facing", "node-3-network-user_facing"]
        #expect(mesh == meshLanes + meshLanes)
        let dnsmasq = created.filter { $0.task == TaskName.updateDnsmasq.name }.map(\.queue)
        #expect(dnsmasq == Array(repeating: "networknode-clusteroperation-user_facing_high_io", count: 2))
        let start = try #require(result.op(.instanceStart))
        #expect(result.events(start, .created).map(\.queue) == ["node-2-clusteroperation-user_waiting"])
        let networkEnds = result.trace.filter { $0.kind == .terminal && $0.op != start }.map(\.seconds)
        let lastNetworkEnd = networkEnds.max() ?? .infinity
        let startedAt = try #require(result.events(start, .started).first?.seconds)
        #expect(startedAt >= lastNetworkEnd)
        #expect(result.counts.completed == 9)
        // REST client: no timeout, and done within one 1 s poll of the op's end.
        #expect(result.counts.waitsTimedOut == 0 && result.counts.waitsCompleted == 1)
        let end = try #require(result.events(start, .terminal).first?.seconds)
        #expect(result.virtualTime.seconds >= end && result.virtualTime.seconds <= end + 1)
    }

    /// Instance delete: the API creates only the delete op on the instance's node
    /// (user_facing) and waits for it. Its handler, while it runs on sf-queues, removes each
    /// interface's DHCP lease (one op per interface, each carrying its MAC) and updates dnsmasq
    /// once per distinct network (the real code deduplicates networks here), each enqueued only
    /// after the previous one ended (the handler waits for each, holding its slot); the delete
    /// op completes after the last of them.
    @Test func instanceDeleteEnqueuesItsNetworkWorkWhenTheDeleteOpRunsAndWaitsForEach() throws {
        var config = ModelConfig.exact(.facade)
        // Constant service times on the default profiles (which keep the delete's handler).
        config.tasks[.instanceDelete]?.service = .constant(.milliseconds(100))
        config.tasks[.removeDHCPLease]?.service = .constant(.milliseconds(100))
        config.tasks[.updateDnsmasq]?.service = .constant(.milliseconds(600))
        let workload = Workload(
            networks: [Self.net1, Self.net2],
            instances: [ExistingInstance(instance: InstanceID("old"), node: .n2,
                                         interfaces: [Self.net1, Self.net2, Self.net1])],
            events: [.action(at: 0, "delete", .instanceDelete(InstanceID("old")))])
        let result = Cluster.run(config, nodes: 2, workload: workload)
        #expect(result.ending == .completed)
        let created = result.trace.filter { $0.kind == .created }
        #expect(created.map { "\($0.task) \($0.queue)" } == [
            "instance_delete node-2-clusteroperation-user_facing",
            "remove_dhcp_lease networknode-clusteroperation-user_facing",
            "remove_dhcp_lease networknode-clusteroperation-user_facing",
            "remove_dhcp_lease networknode-clusteroperation-user_facing",
            "network_apply_update_dnsmasq networknode-clusteroperation-user_facing_high_io",
            "network_apply_update_dnsmasq networknode-clusteroperation-user_facing_high_io",
        ])
        let delete = try #require(result.op(.instanceDelete))
        let deleteStarted = try #require(result.events(delete, .started).first?.seconds)
        let handlerOps = created.dropFirst()
        // Enqueued while the delete op runs (after its 0.1 s of work), one after another.
        #expect(handlerOps.allSatisfy { $0.seconds >= deleteStarted + 0.1 })
        for (previous, next) in zip(handlerOps, handlerOps.dropFirst()) {
            let end = try #require(result.events(previous.op, .terminal).first?.seconds)
            #expect(next.seconds >= end)
        }
        let handlerEnds: [Double] = handlerOps.compactMap { result.events($0.op, .terminal).first?.seconds }
        let lastEnd = try #require(handlerEnds.max())
        let deleteEnd = try #require(result.events(delete, .terminal).first?.seconds)
        #expect(deleteEnd >= lastEnd)
        // The API's wait and the handler's five.
        #expect(result.counts.waitsCompleted == 6 && result.counts.waitsTimedOut == 0)
    }

    /// A handler that waits for work queued behind itself cannot succeed (model file 8): an
    /// sf-net op on node-1's own lane whose handler enqueues another op on that lane and waits.
    /// sf-net runs one item at a time, so the wait ends only at `API_ASYNC_WAIT` (15 s), and the
    /// timed-out wait names the op it waited for and where that op sat.
    @Test func aHandlerWaitingOnWorkQueuedBehindItselfTimesOutAndSaysWhere() throws {
        var config = ModelConfig.exact(.facade, tasks: [FixedTask("child", seconds: 0.1)])
        config.tasks["parent"] = TaskProfile(service: .constant(.milliseconds(100)), enqueues: [
            TaskEnqueue(type: .netOp, task: "child", priority: .userFacing, target: .thisNode, family: .network),
        ])
        let lane = QueueName(.node(.n1), .network, .userFacing)
        let workload = Workload(events: [.op(at: 0, "parent", "parent", on: lane, type: .netOp)])
        let result = Cluster.run(config, nodes: 1, workload: workload)
        #expect(result.ending == .completed)
        let parent = try #require(result.op("parent"))
        let child = try #require(result.op("child"))
        let childStart = try #require(result.events(child, .started).first?.seconds)
        let parentEnd = try #require(result.events(parent, .terminal).first?.seconds)
        #expect(childStart >= parentEnd)
        #expect(result.counts.waitsTimedOut == 1)
        let timedOut = try #require(result.timedOutWaits.first)
        #expect(timedOut.op == child)
        #expect(timedOut.waiter.hasPrefix("\(parent) parent on node-1/sf-net"))
        #expect(timedOut.whereabouts == "\(child) (child) queued, queued on node-1-network-user_facing behind 0 due rows")
        #expect(same(timedOut.at.seconds, 0.2 + 0.1 + 15))
    }

    /// Node startup restores instances one network at a time: per instance
    /// `create_on_hypervisor` (node's clusteroperation lane), waited for, then
    /// `Network.ensure_mesh`: one op per participating node (the network node node-1 and
    /// node-2), each on its node's network lane, waited for in turn before the next instance.
    @Test func nodeStartRestoresInstancesOneOpAtATimeWaitingForEach() {
        let workload = Workload(
            networks: [Self.net1, Self.net2],
            instances: [
                ExistingInstance(instance: InstanceID("a"), node: .n2, interfaces: [Self.net2, Self.net1]),
                ExistingInstance(instance: InstanceID("b"), node: .n2, interfaces: [Self.net1]),
            ],
            events: [.action(at: 0, "crash", .nodeStop(.n2)), .action(at: 10, "boot", .nodeStart(.n2))])
        let result = Cluster.run(.exact(.facade), nodes: 2, workload: workload)
        #expect(result.ending == .completed)
        let created = result.trace.filter { $0.kind == .created }
        // Three (network, instance) pairs (net-1: a and b; net-2: a), create then mesh for each.
        let restore = [
            "network_apply_create_hypervisor node-2-clusteroperation-user_facing",
            "network_ensure_mesh node-1-network-user_facing",
            "network_ensure_mesh node-2-network-user_facing",
        ]
        #expect(created.map { "\($0.task) \($0.queue)" } == restore + restore + restore)
        // A create_hypervisor is created only after the previous instance's mesh ops ended;
        // the mesh ops only after their create_hypervisor ended.
        for (index, op) in created.enumerated() where index > 0 {
            let previous = created[index % 3 == 2 ? index - 2 : index - 1]
            let end = result.events(previous.op, .terminal).first?.seconds ?? .infinity
            #expect(op.seconds >= end, "\(op.op) created before \(previous.op) ended")
        }
        #expect(result.counts.waitsCompleted == 9)
    }
}
