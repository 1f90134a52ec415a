import Model
import Sim
import Testing

/// Step 6, the caller-site audit (model file, sections 8 and 9): instance start reconciles
/// each network once; per-interface work (floating IPs) stays in the loop.
@Suite struct CallerAuditTests {
    static let net1 = NetworkID("net-1")
    static let net2 = NetworkID("net-2")

    /// Three nodes (network node node-1), an instance already on node-3 on net-1, and one
    /// instance start on node-2 with `interfaces`, on `facade` with step 6 on or off. Returns
    /// the tasks created, in order, with their queues.
    static func created(interfaces: [NetworkID], floatingIPs: Bool, stepSix: Bool) -> [String] {
        var config = ModelConfig.exact(.facade)
        config.steps = stepSix ? [.callerAudit] : []
        let workload = Workload(
            networks: [net1, net2],
            instances: [ExistingInstance(instance: InstanceID("old"), node: .n3, interfaces: [net1])],
            events: [.action(at: 0, "start", .instanceStart(instance: InstanceID("new"), node: .n2,
                                                            interfaces: interfaces, floatingIPs: floatingIPs))])
        let result = Cluster.run(config, nodes: 3, workload: workload)
        #expect(result.ending == .completed)
        #expect(result.counts.waitsCompleted == 1)
        return result.trace.filter { $0.kind == .created }.map { "\($0.task) \($0.queue)" }
    }

    static let mesh1 = "network_ensure_mesh node-1-network-user_facing"
    static let mesh2 = "network_ensure_mesh node-2-network-user_facing"
    static let mesh3 = "network_ensure_mesh node-3-network-user_facing"
    static let dnsmasq = "network_apply_update_dnsmasq networknode-clusteroperation-user_facing_high_io"
    static let floating = "network_add_floating_ip networknode-clusteroperation-user_facing"
    static let start = "instance_start node-2-clusteroperation-user_waiting"

    /// Two interfaces on net-1: one `update_dnsmasq` and one `ensure_mesh` per participating
    /// node (1, 2 and 3) with step 6; the whole reconciliation twice without.
    @Test func stepSixReconcilesANetworkOnceForTwoInterfacesOnIt() {
        let reconcile = [Self.mesh1, Self.mesh2, Self.mesh3, Self.dnsmasq]
        #expect(Self.created(interfaces: [Self.net1, Self.net1], floatingIPs: false, stepSix: true)
                == reconcile + [Self.start])
        #expect(Self.created(interfaces: [Self.net1, Self.net1], floatingIPs: false, stepSix: false)
                == reconcile + reconcile + [Self.start])
    }

    /// Interfaces on two networks: each is reconciled (net-2's participants are node-1 and
    /// node-2), with or without step 6.
    @Test(arguments: [false, true])
    func interfacesOnDifferentNetworksEachReconcile(stepSix: Bool) {
        #expect(Self.created(interfaces: [Self.net1, Self.net2], floatingIPs: false, stepSix: stepSix) == [
            Self.mesh1, Self.mesh2, Self.mesh3, Self.dnsmasq, Self.mesh1, Self.mesh2, Self.dnsmasq, Self.start,
        ])
    }

    /// Floating IPs are per-interface work: two interfaces on net-1 still add two, with step 6.
    @Test func stepSixKeepsOneFloatingIPPerInterface() {
        let created = Self.created(interfaces: [Self.net1, Self.net1], floatingIPs: true, stepSix: true)
        #expect(created == [Self.mesh1, Self.mesh2, Self.mesh3, Self.dnsmasq, Self.floating, Self.floating,
                            Self.start])
    }
}
