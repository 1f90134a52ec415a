import Sim

/// `maintain.py` on one node (model file 8b): every 30 s, unless the node's network queue
/// depth exceeds 50, look at each network this node carries and enqueue background
/// reconciliation for the unhealthy ones. It never waits for what it enqueues.
///
/// A network is skipped if its state changed less than 60 s ago, if it is healthy, if it has a
/// pending op, if its last op errored less than 60 s ago, or if its last five ops all errored.
/// Health is drawn per pass, node and network with `maintainUnhealthyProbability`; a finding
/// is mesh-only drift with `maintainMeshOnlyFraction`. Every database read it makes (the depth
/// gate, each network's object, its pending ops, its recent outcomes) is one round trip and
/// is counted (`maintain_reads`).
actor Maintainer {
    nonisolated let context: ClusterContext
    /// The run's executor, kept: it is asked on every hop to this actor.
    nonisolated let unownedExecutor: UnownedSerialExecutor
    let node: NodeID
    let api: ClusterAPI
    private let connection: any QueueConnection
    private var health: RandomStream
    private let keys: RandomStream
    private var pass = 0

    private let generation: Int

    init(context: ClusterContext, node: NodeID, api: ClusterAPI, generation: Int) {
        unownedExecutor = context.runtime.actorExecutor
        self.context = context
        self.node = node
        self.generation = generation
        self.api = api
        connection = context.connect("\(node)/maintain/\(generation)")
        health = context.random.derived("maintain/\(node)/\(generation)/health")
        keys = context.random.derived("maintain/\(node)/\(generation)/ops")
    }

    private var isNetworkNode: Bool { node == context.topology.networkNode }

    /// The queues whose depth gates the pass.
    private var gateQueues: [QueueName] {
        var queues = QueueName.lanes(.node(node), .network)
        if isNetworkNode { queues += QueueName.lanes(.networkNode, .clusterOperation) }
        return queues
    }

    func run() async {
        let config = context.config
        guard config.maintainUnhealthyProbability > 0 else { return }
        var phase = context.random.derived("maintain/\(node)/\(generation)/phase")
        let first = config.maintainStaggered
            ? Distribution.uniform(.zero, config.maintainInterval).sample(&phase) : config.maintainInterval
        do {
            try await context.runtime.sleep(for: first)
            while true {
                try await runPass()
                pass += 1
                try await context.runtime.sleep(for: config.maintainInterval)
            }
        } catch is CancellationError {
            // The node stopped or the run ended.
        } catch {
            context.recorder.daemonFailed(connection.name, error)
        }
    }

    private func runPass() async throws {
        let config = context.config
        let recorder = context.recorder
        recorder.maintainRead()
        if try await connection.depth(of: gateQueues) > config.maintainQueueDepthLimit { return }
        let networks = await api.networks
        for network in networks.keys.sorted() {
            guard let entry = networks[network] else { continue }
            guard await api.carries(network, on: node) else { continue }
            recorder.maintainRead()
            try await connection.read()
            let unhealthy = health.nextUnit() < config.maintainUnhealthyProbability
            if context.runtime.now - entry.stateChangedAt < config.maintainSettleTime || !unhealthy { continue }
            let meshOnly = config.maintainMeshOnlyFraction > 0 && health.nextUnit() < config.maintainMeshOnlyFraction
            recorder.maintainRead()
            if try await connection.hasPendingOp(network: network) { continue }
            recorder.maintainRead()
            let recent = try await connection.recentOutcomes(network: network)
            if let last = recent.last, last.state == .error,
               context.runtime.now - last.at < config.maintainErrorBackoff { continue }
            if recent.count >= config.maintainErrorStreak
                && recent.suffix(config.maintainErrorStreak).allSatisfy({ $0.state == .error }) { continue }
            try await reconcile(network, meshOnly: meshOnly, routes: entry.routes)
        }
    }

    /// The reconciliation set (model file 8b): mesh-only drift → `ensure_mesh` on this node;
    /// on the network node, recreate-if-missing, one `network_add_floating_ip` per floating IP
    /// and one `route_address` per route; on a hypervisor, the vxlan interface (sf-queues)
    /// then this node's mesh. All background priority.
    private func reconcile(_ network: NetworkID, meshOnly: Bool, routes: Int) async throws {
        let key = keys.derived("\(pass)/\(network)")
        let meshSpec = OpSpec(type: .netOp, tasks: [.ensureMesh], priority: .background,
                              queue: QueueName(.node(node), .network, .background), networkID: network, nodeID: node,
                              randomKey: key.derived("mesh").key)
        var specs: [OpSpec]
        if meshOnly {
            specs = [meshSpec]
        } else if isNetworkNode {
            let queue = QueueName(.networkNode, .clusterOperation, .background)
            specs = [OpSpec(type: .netOp, tasks: [.createNetworkNode], priority: .background, queue: queue,
                            networkID: network, randomKey: key.derived("network-node").key)]
            for floating in await api.floatingIPs(on: network) {
                specs.append(OpSpec(type: .netOp, tasks: [.addFloatingIP], priority: .background, queue: queue,
                                    networkID: network, instanceID: floating.instance,
                                    parameters: ClusterAPI.floatingIPParameters(floating.instance,
                                                                                interface: floating.interface),
                                    randomKey: key.derived("float/\(floating.instance)/\(floating.interface)").key))
            }
            for route in 0..<routes {
                specs.append(OpSpec(type: .netIPOp, tasks: [.routeAddress], priority: .background, queue: queue,
                                    networkID: network, parameters: ["address=\(network)/route-\(route)"],
                                    randomKey: key.derived("route/\(route)").key))
            }
        } else {
            specs = [OpSpec(type: .nodeNetOp, tasks: [.createHypervisor], priority: .background,
                            queue: QueueName(.node(node), .clusterOperation, .background), networkID: network,
                            nodeID: node, randomKey: key.derived("hypervisor").key),
                     meshSpec]
        }
        for spec in specs {
            // In the `inline` era the work runs here, in the maintain loop, under the lock.
            _ = try await context.enqueue(spec, caller: connection.name, on: connection)
        }
    }
}
