@testable import Model
import Sim
import Testing

/// maintain's full reconciliation set (model file 8b) and its counted reads.
@Suite struct MaintainReconcileTests {
    static let netA = NetworkID("net-a")

    /// Every check finds drift, nothing has settled time to wait, passes at 30 s.
    static func config() -> ModelConfig {
        var config = ModelConfig.exact(.facade)
        config.maintainUnhealthyProbability = 1
        config.maintainSettleTime = .zero
        return config
    }

    /// One node, which is the network node; net-a has two routes and an instance with a
    /// floating IP. The pass at 30 s reads the depth gate, the network, its pending ops and
    /// its recent outcomes (4 reads) and enqueues, all background on the networknode lane:
    /// `create_network_node`, one `network_add_floating_ip` carrying the instance and address,
    /// and one `route_address` per route.
    @Test func onTheNetworkNodeMaintainReconcilesTheNetworkItsFloatingIPsAndItsRoutes() throws {
        var workload = Workload(networks: [Self.netA], events: [
            .action(at: 0, "start", .instanceStart(instance: InstanceID("vm"), node: .n1, interfaces: [Self.netA],
                                                   floatingIPs: true)),
            .action(at: 40, "keep-open", .nodeStart(.n1)),
        ])
        workload.routes = [Self.netA: 2]
        let result = Cluster.run(Self.config(), nodes: 1, workload: workload, limit: .seconds(45))
        let maintained = result.trace.filter { $0.kind == .created && $0.queue.hasSuffix("-background") }
        #expect(maintained.map { "\($0.task) \($0.queue)" } == [
            "network_apply_create_network_node networknode-clusteroperation-background",
            "network_add_floating_ip networknode-clusteroperation-background",
            "route_address networknode-clusteroperation-background",
            "route_address networknode-clusteroperation-background",
        ])
        #expect(maintained.allSatisfy { same($0.seconds, 30) })
        #expect(result.counts.maintainReads == 4)
    }

    /// Two nodes. node-1 (the network node) is kept busy by a long op on its network lane,
    /// so its depth gate (limit 0) skips its pass after one read. node-2's pass enqueues the
    /// hypervisor's set: `create_hypervisor` on its sf-queues background lane, then
    /// `ensure_mesh` on its sf-net background lane. Reads: 1 on node-1, 4 on node-2.
    @Test func onAHypervisorMaintainReconcilesTheVxlanInterfaceThenItsOwnMesh() throws {
        var config = Self.config()
        config.maintainQueueDepthLimit = 0
        config.tasks["long"] = TaskProfile(service: .constant(.seconds(100)))
        let workload = Workload(networks: [Self.netA],
                                instances: [ExistingInstance(instance: InstanceID("vm"), node: .n2, interfaces: [Self.netA])],
                                events: [.op(at: 0, "long", "long", on: QueueName(.node(.n1), .network, .background),
                                             type: .netOp)])
        let result = Cluster.run(config, nodes: 2, workload: workload, limit: .seconds(35))
        let maintained = result.trace.filter { $0.kind == .created && $0.task != "long" }
        #expect(maintained.map { "\($0.task) \($0.queue)" } == [
            "network_apply_create_hypervisor node-2-clusteroperation-background",
            "network_ensure_mesh node-2-network-background",
        ])
        #expect(result.counts.maintainReads == 5)
    }
}
