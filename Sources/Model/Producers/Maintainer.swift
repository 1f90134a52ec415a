import Sim

/// `maintain.py` on one node (model file 8b): every 30 s, unless the node's network queue
/// depth exceeds 50, look at each network this node carries and enqueue background
/// reconciliation for the unhealthy ones. It never waits for what it enqueues.
///
/// A network is skipped if its state changed less than 60 s ago, if it is healthy, if it has a
/// pending op, if its last op errored less than 60 s ago, or if its last five ops all errored.
/// Health is drawn per pass, node and network with `maintainUnhealthyProbability`.
actor Maintainer {
    nonisolated let context: ClusterContext
    nonisolated var unownedExecutor: UnownedSerialExecutor { context.sim.executor.asUnownedSerialExecutor() }
    let node: NodeID
    let api: ClusterAPI
    private let connection: SimConnection
    private var health: RandomStream
    private let keys: RandomStream
    private var pass = 0

    private let generation: Int

    init(context: ClusterContext, node: NodeID, api: ClusterAPI, generation: Int) {
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
            try await context.clock.sleep(for: first)
            while true {
                try await runPass()
                pass += 1
                try await context.clock.sleep(for: config.maintainInterval)
            }
        } catch {
            // Cancelled: the node stopped or the run ended.
        }
    }

    private func runPass() async throws {
        let config = context.config
        if try await connection.depth(of: gateQueues) > config.maintainQueueDepthLimit { return }
        let now = context.clock.now
        let networks = await api.networks
        for network in networks.keys.sorted() {
            guard let entry = networks[network] else { continue }
            let carried = await api.participants(of: network).contains(node)
            guard carried else { continue }
            let unhealthy = health.nextUnit() < config.maintainUnhealthyProbability
            if entry.stateChangedAt.duration(to: now) < config.maintainSettleTime || !unhealthy { continue }
            if try await connection.hasPendingOp(network: network) { continue }
            let recent = try await connection.recentOutcomes(network: network)
            if let last = recent.last, last.state == .error,
               last.at.duration(to: context.clock.now) < config.maintainErrorBackoff { continue }
            if recent.count == 5 && recent.allSatisfy({ $0.state == .error }) { continue }
            try await reconcile(network)
        }
    }

    /// On the network node: recreate-if-missing on the network node. On a hypervisor: the
    /// vxlan interface and the mesh of this node.
    private func reconcile(_ network: NetworkID) async throws {
        let key = keys.derived("\(pass)/\(network)")
        var specs: [OpSpec]
        if isNetworkNode {
            specs = [OpSpec(type: .netOp, tasks: [.createNetworkNode], priority: .background,
                            queue: QueueName(.networkNode, .clusterOperation, .background), networkID: network,
                            randomKey: key.derived("network-node").key)]
        } else {
            specs = [OpSpec(type: .nodeNetOp, tasks: [.createHypervisor], priority: .background,
                            queue: QueueName(.node(node), .clusterOperation, .background), networkID: network,
                            nodeID: node, randomKey: key.derived("hypervisor").key),
                     OpSpec(type: .netOp, tasks: [.ensureMesh], priority: .background,
                            queue: QueueName(.node(node), .network, .background), networkID: network, nodeID: node,
                            randomKey: key.derived("mesh").key)]
        }
        if context.config.inlineNetworkWork {
            // The `inline` era reconciled in the maintain loop itself, under the network's lock.
            try await api.reconcileInline(specs, caller: connection.name)
            return
        }
        for spec in specs {
            _ = try await context.createAndEnqueue(spec, caller: connection.name, on: connection)
        }
    }
}
