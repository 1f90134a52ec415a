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

    /// Instance delete already deduplicates networks: one delete op on the instance's node
    /// (user_facing), and per distinct network one DHCP lease removal and one `update_dnsmasq`
    /// on the network node.
    @Test func instanceDeleteEnqueuesOneLeaseRemovalAndOneDnsmasqUpdatePerDistinctNetwork() {
        let workload = Workload(
            networks: [Self.net1, Self.net2],
            instances: [ExistingInstance(instance: InstanceID("old"), node: .n2,
                                         interfaces: [Self.net1, Self.net2, Self.net1])],
            events: [.action(at: 0, "delete", .instanceDelete(InstanceID("old")))])
        let result = Cluster.run(.exact(.facade), nodes: 2, workload: workload)
        let created = result.trace.filter { $0.kind == .created }.map { "\($0.task) \($0.queue)" }
        #expect(created.sorted() == [
            "instance_delete node-2-clusteroperation-user_facing",
            "network_apply_update_dnsmasq networknode-clusteroperation-user_facing_high_io",
            "network_apply_update_dnsmasq networknode-clusteroperation-user_facing_high_io",
            "remove_dhcp_lease networknode-clusteroperation-user_facing",
            "remove_dhcp_lease networknode-clusteroperation-user_facing",
        ])
        #expect(result.counts.waitsCompleted == 1)
    }

    /// Node startup restores instances one network at a time: per instance
    /// `create_on_hypervisor` (node's clusteroperation lane), then `ensure_mesh` (node's
    /// network lane), each waited for before the next op is created.
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
        #expect(created.map { "\($0.task) \($0.queue)" } == [
            "network_apply_create_hypervisor node-2-clusteroperation-user_facing",
            "network_ensure_mesh node-2-network-user_facing",
            "network_apply_create_hypervisor node-2-clusteroperation-user_facing",
            "network_ensure_mesh node-2-network-user_facing",
            "network_apply_create_hypervisor node-2-clusteroperation-user_facing",
            "network_ensure_mesh node-2-network-user_facing",
        ])
        // Each op is created only after the previous one ended.
        for (previous, next) in zip(created, created.dropFirst()) {
            let end = result.events(previous.op, .terminal).first?.seconds ?? .infinity
            #expect(next.seconds >= end)
        }
        #expect(result.counts.waitsCompleted == 6)
    }
}
