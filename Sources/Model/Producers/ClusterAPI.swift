import Sim

/// The callers of the queue: API handlers, node startup and scripted ops (model file 8).
///
/// It keeps the cluster's placement facts (which networks exist, which instance runs where,
/// which floating IPs and routes a network has) and turns each workload action into the ops
/// the real caller enqueues, with the same priorities, queues, parameters and waits. Requests
/// interleave freely: each runs on its own task and its own database connection; this actor
/// only serialises access to the placement facts.
actor ClusterAPI {
    nonisolated let context: ClusterContext
    /// The run's executor, kept: it is asked on every hop to this actor.
    nonisolated let unownedExecutor: UnownedSerialExecutor
    let nodes: NodeControl

    struct NetworkEntry {
        var stateChangedAt: Duration
        /// Routed addresses on the network (maintain reconciles one `route_address` each).
        var routes: Int
    }
    struct InstanceEntry {
        var node: NodeID
        var interfaces: [NetworkID]
        /// Interfaces (by index) that carry a floating IP.
        var floatingIPs: Set<Int>
    }

    private(set) var networks: [NetworkID: NetworkEntry] = [:]
    private(set) var instances: [InstanceID: InstanceEntry] = [:]
    /// Instances per node on each network (an index of `instances`, so a start costs the same
    /// however many instances the cluster already runs).
    private var instancesOnNetwork: [NetworkID: [NodeID: Int]] = [:]

    init(context: ClusterContext, nodes: NodeControl, workload: Workload) {
        unownedExecutor = context.runtime.actorExecutor
        self.context = context
        self.nodes = nodes
        for network in workload.networks {
            networks[network] = NetworkEntry(stateChangedAt: .zero, routes: workload.routes[network] ?? 0)
        }
        for existing in workload.instances {
            instances[existing.instance] = InstanceEntry(node: existing.node, interfaces: existing.interfaces,
                                                         floatingIPs: [])
        }
        for entry in instances.values {
            for network in Set(entry.interfaces) { instancesOnNetwork[network, default: [:]][entry.node, default: 0] += 1 }
        }
    }

    private var config: ModelConfig { context.config }
    private var networkNode: NodeID { context.topology.networkNode }

    /// Nodes whose mesh carries `network`: the network node and every node running an
    /// instance on it, in node order.
    func participants(of network: NetworkID) -> [NodeID] {
        // The index's keys are distinct already: no set to build (called for every mesh op).
        var nodes = Array((instancesOnNetwork[network] ?? [:]).keys)
        if !nodes.contains(networkNode) { nodes.append(networkNode) }
        return nodes.sorted()
    }

    /// Whether `node`'s mesh carries `network` (it is among ``participants(of:)``), without
    /// building the list: every maintain pass asks it of every network on every node.
    func carries(_ network: NetworkID, on node: NodeID) -> Bool {
        node == networkNode || instancesOnNetwork[network]?[node] != nil
    }

    /// Records `instance` (replacing what was recorded under its id), keeping the index.
    private func place(_ instance: InstanceID, _ entry: InstanceEntry) {
        remove(instance)
        instances[instance] = entry
        for network in Set(entry.interfaces) { instancesOnNetwork[network, default: [:]][entry.node, default: 0] += 1 }
    }

    /// Forgets `instance`, keeping the index; returns what was recorded.
    @discardableResult
    private func remove(_ instance: InstanceID) -> InstanceEntry? {
        guard let entry = instances.removeValue(forKey: instance) else { return nil }
        for network in Set(entry.interfaces) {
            let left = (instancesOnNetwork[network]?[entry.node] ?? 1) - 1
            instancesOnNetwork[network]?[entry.node] = left > 0 ? left : nil
        }
        return entry
    }

    /// The floating IPs on `network` (instance and interface index, in order): maintain
    /// re-adds each.
    func floatingIPs(on network: NetworkID) -> [(instance: InstanceID, interface: Int)] {
        instances.keys.sorted().flatMap { instance -> [(instance: InstanceID, interface: Int)] in
            guard let entry = instances[instance] else { return [] }
            return entry.floatingIPs.sorted().filter { entry.interfaces[$0] == network }.map { (instance, $0) }
        }
    }

    /// A floating IP's parameters: its instance and its address (model file 8).
    static func floatingIPParameters(_ instance: InstanceID, interface: Int) -> [String] {
        ["address=\(instance.name)/eth\(interface)/floating", "instance=\(instance.name)"]
    }

    // MARK: Requests

    /// Each action's requests, in a function of its own: an async function's frame holds the
    /// locals of every path through it, and a request's frames stay allocated (in its task's
    /// slabs) while it waits for its op, so one body for every action kept a frame of 1.7 KB
    /// (368 bytes now) for every waiting request (docs/performance.md, "Session 43").
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
                try await networkCreate(network, random: random, connection: connection)
            case .networkDelete(let network):
                try await networkDelete(network, random: random, connection: connection)
            case .floatingIPAdd(let instance):
                try await floatingIP(adding: true, instance, random: random, connection: connection)
            case .floatingIPRemove(let instance):
                try await floatingIP(adding: false, instance, random: random, connection: connection)
            case .nodeStop(let node):
                await nodes.stop(node)
            case .nodeStart(let node):
                await nodes.start(node)
                try await restoreInstances(on: node, random: random, connection: connection)
            case .op(let generic, let wait):
                try await scriptedOp(generic, wait: wait, random: random, connection: connection)
            }
        } catch is CancellationError {
            // Cancelled at the end of the run.
        } catch {
            context.recorder.daemonFailed(connection.name, error)
        }
    }

    /// Network create: the network-node op, which the caller waits for.
    @inline(never)
    private func networkCreate(_ network: NetworkID, random: RandomStream, connection: any QueueConnection)
        async throws {
        networks[network] = NetworkEntry(stateChangedAt: context.runtime.now, routes: networks[network]?.routes ?? 0)
        let op = try await create(.netOp, [.createNetworkNode], .userFacing, .networkNode, .clusterOperation,
                                  network: network, key: random.derived("create"), on: connection)
        try await context.wait(for: op, on: connection, waiter: connection.name)
    }

    /// A floating IP added to or removed from an instance's first interface: one network-node
    /// op, which the caller waits for.
    @inline(never)
    private func floatingIP(adding: Bool, _ instance: InstanceID, random: RandomStream,
                            connection: any QueueConnection) async throws {
        guard let network = instances[instance]?.interfaces.first else { return }
        if adding { instances[instance]?.floatingIPs.insert(0) } else { instances[instance]?.floatingIPs.remove(0) }
        let op = try await create(.netOp, [adding ? .addFloatingIP : .removeFloatingIP], .userFacing,
                                  .networkNode, .clusterOperation, network: network, instance: instance,
                                  parameters: Self.floatingIPParameters(instance, interface: 0),
                                  key: random.derived("float"), on: connection)
        try await context.wait(for: op, on: connection, waiter: connection.name)
    }

    /// A scripted op, created and enqueued as written, waited for if asked.
    @inline(never)
    private func scriptedOp(_ generic: GenericOp, wait: Bool, random: RandomStream, connection: any QueueConnection)
        async throws {
        let op = try await context.createAndEnqueue(OpSpec(
            type: generic.type, tasks: generic.tasks, priority: generic.priority, queue: generic.queue,
            networkID: generic.networkID, nodeID: generic.nodeID, randomKey: random.key),
            caller: connection.name, on: connection)
        if wait { try await context.wait(for: op, on: connection, waiter: connection.name) }
    }

    /// Instance start: for each interface, `ensure_mesh` (one op per participating node) and
    /// `update_dnsmasq`; with step 6 only the first interface on each network reconciles it
    /// (per-interface work such as floating IPs stays in the loop). Then the instance's start
    /// op on its node, `depends_on` all of them, and a REST client waits for it.
    @inline(never)
    private func instanceStart(_ instance: InstanceID, node: NodeID, interfaces: [NetworkID], floatingIPs: Bool,
                               random: RandomStream, connection: any QueueConnection) async throws {
        place(instance, InstanceEntry(node: node, interfaces: interfaces, floatingIPs: []))
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
                instances[instance]?.floatingIPs.insert(index)
                _ = try await create(.netOp, [.addFloatingIP], .userFacing, .networkNode, .clusterOperation,
                                     network: network, instance: instance,
                                     parameters: Self.floatingIPParameters(instance, interface: index),
                                     key: interface.derived("float"), on: connection)
            }
        }
        let start = try await context.createAndEnqueue(OpSpec(
            type: .nodeInstNetdescOp, tasks: [.instanceStart], priority: .userWaiting,
            queue: QueueName(.node(node), .clusterOperation, .userWaiting), nodeID: node, instanceID: instance,
            dependsOn: dependencies, interfaces: interfaces, randomKey: random.derived("start").key),
            caller: connection.name, on: connection)
        try await context.wait(for: start, on: connection, as: .restClient, waiter: connection.name)
    }

    /// Instance delete: the delete op on the instance's node, which the API waits for. The
    /// network work (each interface's DHCP lease, `update_dnsmasq` once per distinct network)
    /// is enqueued by the delete op's handler while it runs on sf-queues (``TaskProfile``
    /// of `instance_delete`), not here.
    @inline(never)
    private func instanceDelete(_ instance: InstanceID, random: RandomStream, connection: any QueueConnection)
        async throws {
        guard let entry = remove(instance) else { return }
        let delete = try await context.createAndEnqueue(OpSpec(
            type: .nodeInstOp, tasks: [.instanceDelete], priority: .userFacing,
            queue: QueueName(.node(entry.node), .clusterOperation, .userFacing), nodeID: entry.node,
            instanceID: instance, interfaces: entry.interfaces, randomKey: random.derived("delete").key),
            caller: connection.name, on: connection)
        try await context.wait(for: delete, on: connection, waiter: connection.name)
    }

    /// Network delete: the network-node op, and on every other participating node the
    /// hypervisor-side delete; the caller waits for the network-node op.
    @inline(never)
    private func networkDelete(_ network: NetworkID, random: RandomStream, connection: any QueueConnection)
        async throws {
        let hypervisors = participants(of: network).filter { $0 != networkNode }
        networks[network] = nil
        let delete = try await create(.netOp, [.deleteNetworkNode], .userFacing, .networkNode, .clusterOperation,
                                      network: network, key: random.derived("delete"), on: connection)
        for node in hypervisors {
            _ = try await create(.nodeNetOp, [.deleteHypervisor], .userFacing, .node(node), .clusterOperation,
                                 network: network, node: node, key: random.derived("delete/\(node)"), on: connection)
        }
        try await context.wait(for: delete, on: connection, waiter: connection.name)
    }

    /// Node startup (`startup_tasks.py`): one network at a time, per instance
    /// `create_on_hypervisor` then `Network.ensure_mesh`, waiting for each; `ensure_mesh` is,
    /// as always, one op per participating node (model file 8b).
    @inline(never)
    private func restoreInstances(on node: NodeID, random: RandomStream, connection: any QueueConnection) async throws {
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
                try await context.wait(for: created, on: connection, waiter: connection.name)
                try await ensureMesh(network, key: key.derived("mesh"), wait: true, on: connection)
            }
        }
    }

    /// `Network.ensure_mesh`: one `net_op` per participating node, on that node's sf-net
    /// (`{node}-network-{priority}`); waited for one after another if asked.
    func ensureMesh(_ network: NetworkID, priority: Priority = .userFacing, key: RandomStream, wait: Bool,
                    on connection: any QueueConnection) async throws {
        var created: [OpID?] = []
        for participant in participants(of: network) {
            created.append(try await create(.netOp, [.ensureMesh], priority, .node(participant), .network,
                                            network: network, node: participant,
                                            key: key.derived("\(participant)"), on: connection))
        }
        if wait {
            for op in created { try await context.wait(for: op, on: connection, waiter: connection.name) }
        }
    }

    // MARK: Helpers

    /// Creates the op the real caller creates (see ``ClusterContext/enqueue(_:caller:on:)``).
    func create(_ type: OperationType, _ tasks: [TaskName], _ priority: Priority, _ target: QueueTarget,
                _ family: QueueFamily, network: NetworkID? = nil, node: NodeID? = nil, instance: InstanceID? = nil,
                parameters: [String] = [], key: RandomStream, on connection: any QueueConnection) async throws -> OpID? {
        let spec = OpSpec(type: type, tasks: tasks, priority: priority, queue: QueueName(target, family, priority),
                          networkID: network, nodeID: node, instanceID: instance, parameters: parameters,
                          randomKey: key.key)
        return try await context.enqueue(spec, caller: connection.name, on: connection)
    }
}

// MARK: Workload driving

extension ClusterAPI {
    /// Performs a scheduled action, in its task started at the action's time
    /// (``ProducerTracker/spawn(_:in:)``).
    func perform(_ event: ScheduledAction, random: RandomStream) async {
        await perform(event.action, label: event.label, random: random)
    }

    /// An open-loop source: arrivals follow their own clock (a slow round trip does not delay
    /// the next arrival). A waiting source hands each arrival to its own producer task.
    func run(_ source: OpenLoopSource, random: RandomStream, tracker: ProducerTracker) async {
        var arrivals = random.derived("arrivals")
        let keys = random.derived("ops")
        let connection = context.connect("source/\(source.name)")
        let interArrival = source.arrivals.interArrival
        var next = source.start
        var index = 0
        do {
            while source.count.map({ index < $0 }) ?? true {
                next = next + interArrival.sample(&arrivals)
                if let until = source.until, next > until { break }
                try await context.runtime.sleep(until: next)
                let key = keys.derived(UInt64(index))
                if source.wait {
                    let label = "source/\(source.name)/\(index)"
                    tracker.spawn(label, in: context.runtime) { [self] in
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
        } catch is CancellationError {
            // Cancelled at the end of the run.
        } catch {
            context.recorder.daemonFailed(connection.name, error)
        }
    }
}
