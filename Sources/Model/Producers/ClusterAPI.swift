import Sim

/// The callers of the queue: API handlers, node startup and scripted ops (model file 8).
///
/// It keeps the cluster's placement facts (which networks exist, which instance runs where)
/// and turns each workload action into the ops the real caller enqueues, with the same
/// priorities, queues and waits. Requests interleave freely: each runs on its own task and
/// its own database connection; this actor only serialises access to the placement facts.
actor ClusterAPI {
    nonisolated let context: ClusterContext
    nonisolated var unownedExecutor: UnownedSerialExecutor { context.sim.executor.asUnownedSerialExecutor() }
    let nodes: NodeControl

    struct NetworkEntry {
        var stateChangedAt: SimClock.Instant
    }
    struct InstanceEntry {
        var node: NodeID
        var interfaces: [NetworkID]
    }

    private(set) var networks: [NetworkID: NetworkEntry] = [:]
    private(set) var instances: [InstanceID: InstanceEntry] = [:]
    /// `inline` era: per-network locks.
    var networkLocks: [NetworkID: NetworkLock] = [:]

    init(context: ClusterContext, nodes: NodeControl, workload: Workload) {
        self.context = context
        self.nodes = nodes
        for network in workload.networks { networks[network] = NetworkEntry(stateChangedAt: .zero) }
        for existing in workload.instances {
            instances[existing.instance] = InstanceEntry(node: existing.node, interfaces: existing.interfaces)
        }
    }

    private var config: ModelConfig { context.config }
    private var networkNode: NodeID { context.topology.networkNode }

    /// Nodes whose mesh carries `network`: the network node and every node running an
    /// instance on it, in node order.
    func participants(of network: NetworkID) -> [NodeID] {
        var nodes: Set<NodeID> = [networkNode]
        for entry in instances.values where entry.interfaces.contains(network) { nodes.insert(entry.node) }
        return nodes.sorted()
    }

    // MARK: Requests

    func perform(_ action: WorkloadAction, label: String, random: RandomStream) async {
        let connection = context.connect("api/\(label)")
        do {
            switch action {
            case .instanceStart(let instance, let node, let interfaces, let floatingIPs):
                try await instanceStart(instance, node: node, interfaces: interfaces, floatingIPs: floatingIPs,
                                        random: random, connection: connection)
            case .instanceDelete(let instance):
                try await instanceDelete(instance, random: random, connection: connection)
            case .networkCreate(let network):
                networks[network] = NetworkEntry(stateChangedAt: context.clock.now)
                let op = try await create(.netOp, [.createNetworkNode], .userFacing, .networkNode, .clusterOperation,
                                          network: network, key: random.derived("create"), on: connection)
                try await wait(for: op, on: connection)
            case .networkDelete(let network):
                try await networkDelete(network, random: random, connection: connection)
            case .floatingIPAdd(let instance), .floatingIPRemove(let instance):
                guard let network = instances[instance]?.interfaces.first else { return }
                let task: TaskName
                if case .floatingIPAdd = action { task = .addFloatingIP } else { task = .removeFloatingIP }
                let op = try await create(.netOp, [task], .userFacing, .networkNode, .clusterOperation,
                                          network: network, key: random.derived("float"), on: connection)
                try await wait(for: op, on: connection)
            case .nodeStop(let node):
                await nodes.stop(node)
            case .nodeStart(let node):
                await nodes.start(node)
                try await restoreInstances(on: node, random: random, connection: connection)
            case .op(let generic, let wait):
                let op = try await context.createAndEnqueue(OpSpec(
                    type: generic.type, tasks: generic.tasks, priority: generic.priority, queue: generic.queue,
                    networkID: generic.networkID, nodeID: generic.nodeID, randomKey: random.key),
                    caller: connection.name, on: connection)
                if wait { try await self.wait(for: op, on: connection) }
            }
        } catch {
            // Cancelled at the end of the run.
        }
    }

    /// Instance start: for each interface, `ensure_mesh` (one op per participating node) and
    /// `update_dnsmasq`; with step 6 only the first interface on each network reconciles it
    /// (per-interface work such as floating IPs stays in the loop). Then the instance's start
    /// op on its node, `depends_on` all of them, and a REST client waits for it.
    private func instanceStart(_ instance: InstanceID, node: NodeID, interfaces: [NetworkID], floatingIPs: Bool,
                               random: RandomStream, connection: SimConnection) async throws {
        instances[instance] = InstanceEntry(node: node, interfaces: interfaces)
        var dependencies: [OpID] = []
        var reconciled: Set<NetworkID> = []
        for (index, network) in interfaces.enumerated() {
            let interface = random.derived("iface-\(index)")
            let firstOnNetwork = reconciled.insert(network).inserted
            if firstOnNetwork || !context.steps.callerAudit {
                for participant in participants(of: network) {
                    let mesh = try await create(
                        .netOp, [.ensureMesh], .userFacing, .node(participant), .network, network: network,
                        node: participant, key: interface.derived("mesh/\(participant)"), on: connection)
                    dependencies += [mesh].compactMap { $0 }
                }
                let dnsmasq = try await create(
                    .netOp, [.updateDnsmasq], .userFacingHighIO, .networkNode, .clusterOperation, network: network,
                    key: interface.derived("dnsmasq"), on: connection)
                dependencies += [dnsmasq].compactMap { $0 }
            }
            if floatingIPs {
                _ = try await create(.netOp, [.addFloatingIP], .userFacing, .networkNode, .clusterOperation,
                                     network: network, key: interface.derived("float"), on: connection)
            }
        }
        let start = try await connection.createOp(OpSpec(
            type: .nodeInstNetdescOp, tasks: [.instanceStart], priority: .userWaiting,
            queue: QueueName(.node(node), .clusterOperation, .userWaiting), nodeID: node, instanceID: instance,
            dependsOn: dependencies, randomKey: random.derived("start").key))
        try await wait(for: start, on: connection, as: .restClient)
    }

    /// Instance delete: the delete op on the node; per distinct network a DHCP lease removal
    /// and an `update_dnsmasq` (the real code already deduplicates networks here).
    private func instanceDelete(_ instance: InstanceID, random: RandomStream, connection: SimConnection) async throws {
        guard let entry = instances.removeValue(forKey: instance) else { return }
        let delete = try await connection.createOp(OpSpec(
            type: .nodeInstOp, tasks: [.instanceDelete], priority: .userFacing,
            queue: QueueName(.node(entry.node), .clusterOperation, .userFacing), nodeID: entry.node,
            instanceID: instance, randomKey: random.derived("delete").key))
        var seen: Set<NetworkID> = []
        for network in entry.interfaces where seen.insert(network).inserted {
            let key = random.derived("net/\(network)")
            _ = try await create(.netMacaddrIPOp, [.removeDHCPLease], .userFacing, .networkNode, .clusterOperation,
                                 network: network, key: key.derived("lease"), on: connection)
            _ = try await create(.netOp, [.updateDnsmasq], .userFacingHighIO, .networkNode, .clusterOperation,
                                 network: network, key: key.derived("dnsmasq"), on: connection)
        }
        try await wait(for: delete, on: connection)
    }

    /// Network delete: the network-node op, and on every other participating node the
    /// hypervisor-side delete; the caller waits for the network-node op.
    private func networkDelete(_ network: NetworkID, random: RandomStream, connection: SimConnection) async throws {
        let hypervisors = participants(of: network).filter { $0 != networkNode }
        networks[network] = nil
        let delete = try await create(.netOp, [.deleteNetworkNode], .userFacing, .networkNode, .clusterOperation,
                                      network: network, key: random.derived("delete"), on: connection)
        for node in hypervisors {
            _ = try await create(.nodeNetOp, [.deleteHypervisor], .userFacing, .node(node), .clusterOperation,
                                 network: network, node: node, key: random.derived("delete/\(node)"), on: connection)
        }
        try await wait(for: delete, on: connection)
    }

    /// Node startup (`startup_tasks.py`): one network at a time, per instance
    /// `create_on_hypervisor` then `ensure_mesh`, waiting for each.
    private func restoreInstances(on node: NodeID, random: RandomStream, connection: SimConnection) async throws {
        let restoring = instances.keys.sorted().filter { instances[$0]?.node == node }
        var byNetwork: [NetworkID: [InstanceID]] = [:]
        for instance in restoring {
            for network in instances[instance]?.interfaces ?? [] { byNetwork[network, default: []].append(instance) }
        }
        for network in byNetwork.keys.sorted() {
            let instances = byNetwork[network] ?? []
            for instance in config.startupRestoresEachNetworkOnce ? Array(instances.prefix(1)) : instances {
                let key = random.derived("restore/\(network)/\(instance)")
                let created = try await create(.nodeNetOp, [.createHypervisor], .userFacing, .node(node),
                                              .clusterOperation, network: network, node: node,
                                              key: key.derived("create"), on: connection)
                try await wait(for: created, on: connection)
                let mesh = try await self.create(.netOp, [.ensureMesh], .userFacing, .node(node), .network,
                                                 network: network, node: node, key: key.derived("mesh"),
                                                 on: connection)
                try await wait(for: mesh, on: connection)
            }
        }
    }

    // MARK: Helpers

    /// Creates the op the real caller creates; in the `inline` era, network work is done
    /// right here instead and nil is returned (there is no op to depend on or wait for).
    private func create(_ type: OperationType, _ tasks: [TaskName], _ priority: Priority, _ target: QueueTarget,
                        _ family: QueueFamily, network: NetworkID? = nil, node: NodeID? = nil, key: RandomStream,
                        on connection: SimConnection) async throws -> OpID? {
        let spec = OpSpec(type: type, tasks: tasks, priority: priority, queue: QueueName(target, family, priority),
                          networkID: network, nodeID: node, randomKey: key.key)
        if config.inlineNetworkWork && spec.type.isNetworkWork {
            try await runInline(spec, on: connection)
            return nil
        }
        return try await context.createAndEnqueue(spec, caller: connection.name, on: connection)
    }

    /// Who waits for an op, and how (model file 8).
    enum WaitStyle {
        /// An API handler (`raise_for_error`): polls every 0.1 s, times out at `API_ASYNC_WAIT`.
        case api
        /// A REST client polling an asynchronous request every 1 s until it is done.
        case restClient
    }

    /// Polls the op's state (one read each) until it is terminal or gone, or, for an API
    /// handler, until `API_ASYNC_WAIT` has passed, which counts as a timed-out wait.
    func wait(for op: OpID?, on connection: SimConnection, as style: WaitStyle = .api) async throws {
        guard let op else { return }
        let deadline = context.clock.now.advanced(by: config.apiAsyncWait)
        let poll = style == .api ? config.waiterPoll : config.restClientPoll
        while true {
            let record = try await connection.loadOp(op)
            if record.map({ $0.state.isTerminal }) ?? true {
                context.recorder.waitEnded(op, timedOut: false)
                return
            }
            if style == .api && context.clock.now >= deadline {
                context.recorder.waitEnded(op, timedOut: true)
                return
            }
            try await context.clock.sleep(for: poll)
        }
    }
}

// MARK: Workload driving

extension ClusterAPI {
    /// Sleeps until the action's time, then performs it.
    func perform(_ event: ScheduledAction, random: RandomStream) async {
        do {
            try await context.clock.sleep(until: SimClock.Instant(offset: event.at))
        } catch {
            return
        }
        await perform(event.action, label: event.label, random: random)
    }

    /// An open-loop source: arrivals follow their own clock (a slow round trip does not delay
    /// the next arrival). A waiting source hands each arrival to its own producer task.
    func run(_ source: OpenLoopSource, random: RandomStream, tracker: ProducerTracker) async {
        var arrivals = random.derived("arrivals")
        let keys = random.derived("ops")
        let connection = context.connect("source/\(source.name)")
        let interArrival = source.arrivals.interArrival
        var next = SimClock.Instant(offset: source.start)
        var index = 0
        do {
            while source.count.map({ index < $0 }) ?? true {
                next = next.advanced(by: interArrival.sample(&arrivals))
                if let until = source.until, next.offset > until { break }
                try await context.clock.sleep(until: next)
                let key = keys.derived(UInt64(index))
                if source.wait {
                    let label = "source/\(source.name)/\(index)"
                    tracker.spawn(label, in: context.sim) { [self] in
                        await perform(.op(source.op, wait: true), label: label, random: key)
                    }
                } else {
                    _ = try await context.createAndEnqueue(OpSpec(
                        type: source.op.type, tasks: source.op.tasks, priority: source.op.priority,
                        queue: source.op.queue, networkID: source.op.networkID, nodeID: source.op.nodeID,
                        randomKey: key.key), caller: "\(connection.name)/\(index)", on: connection)
                }
                index += 1
            }
        } catch {
            // Cancelled at the end of the run.
        }
    }
}
