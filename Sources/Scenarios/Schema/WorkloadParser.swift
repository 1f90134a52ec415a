import Model
import Sim

/// Reads `networks`, `instances`, `workload` and `sources` into a ``Workload``, checking that
/// every node, network, instance and task named exists.
///
/// Repeated events (`repeat: {count: 6, every: 2s}`) expand into one action each; a name
/// containing `{i}` gets the repetition number (1-based), and a repeated name without `{i}`
/// gets `-<i>` appended. `node: [node-2, node-3]` cycles over the list.
struct WorkloadParser {
    let topology: Topology
    let knownTasks: Set<TaskName>

    static let actionKeys = ["instance_start", "instance_delete", "network_create", "network_delete",
                             "floating_ip_add", "floating_ip_remove", "node_stop", "node_start", "op"]
    static let eventKeys = ["at", "repeat", "label"] + actionKeys

    func read(_ top: YAMLMapping) throws(ScenarioError) -> Workload {
        var workload = Workload()
        var networks: [String] = []
        if let node = top.optional("networks") {
            for item in try node.elements() {
                // `net-a`, or `{name: net-a, routes: 2}` (routed addresses maintain reconciles).
                var nameNode = item
                var routes = 0
                if item.kind == .mapping {
                    let fields = try item.mapping(allowedKeys: ["name", "routes"])
                    nameNode = try fields.required("name")
                    routes = try fields.optional("routes")?.int(in: 0...10_000) ?? 0
                }
                let name = try nameNode.string()
                guard !networks.contains(name) else { throw item.error("duplicate network \"\(name)\"") }
                networks.append(name)
                if routes > 0 { workload.routes[NetworkID(name)] = routes }
            }
        }
        workload.networks = networks.map(NetworkID.init)
        var created = networks
        var events: [YAMLNode] = []
        if let node = top.optional("workload") { events = try node.elements() }
        // Networks that some event creates may be used by any event (checked by name only).
        for event in events {
            let mapping = try event.mapping(allowedKeys: Self.eventKeys)
            if let create = mapping.optional("network_create") {
                let template = try create.mapping(allowedKeys: ["name"]).required("name").string()
                let count = try mapping.optional("repeat")?.mapping(allowedKeys: ["count", "every"])
                    .required("count").int(in: 1...1_000_000) ?? 1
                for number in 1...count {
                    created.append(template.replacingAll("{i}", with: String(number)))
                }
            }
        }
        var instances: [String] = []
        if let node = top.optional("instances") {
            for item in try node.elements() {
                let fields = try item.mapping(allowedKeys: ["name", "node", "interfaces"])
                let name = try fields.required("name").string()
                guard !instances.contains(name) else { throw item.error("duplicate instance \"\(name)\"") }
                instances.append(name)
                workload.instances.append(ExistingInstance(
                    instance: InstanceID(name), node: try readNode(fields.required("node")),
                    interfaces: try readNetworks(fields.required("interfaces"), known: created)))
            }
        }
        var startedCount = 0
        for (index, event) in events.enumerated() {
            let mapping = try event.mapping(allowedKeys: Self.eventKeys)
            let at = try mapping.required("at").duration()
            var count = 1
            var every = Duration.zero
            if let node = mapping.optional("repeat") {
                let repeatMap = try node.mapping(allowedKeys: ["count", "every"])
                count = try repeatMap.required("count").int(in: 1...1_000_000)
                every = try repeatMap.optional("every")?.duration() ?? .zero
            }
            let label = try mapping.optional("label")?.string() ?? "workload[\(index)]"
            let action = try mapping.exactlyOne(of: Self.actionKeys)
            for repetition in 1...count {
                let context = Repetition(number: repetition, repeated: count > 1)
                let resolved = try readAction(action, repetition: context, networks: created,
                                              instances: &instances, startedCount: &startedCount)
                workload.events.append(ScheduledAction(
                    at: at + every * (repetition - 1), action: resolved,
                    label: count > 1 ? "\(label)#\(repetition)" : label))
            }
        }
        if let node = top.optional("sources") {
            var names: [String] = []
            for item in try node.elements() {
                let source = try readSource(item, networks: created)
                guard !names.contains(source.name) else { throw item.error("duplicate source \"\(source.name)\"") }
                names.append(source.name)
                workload.sources.append(source)
            }
        }
        return workload
    }

    struct Repetition {
        var number: Int
        var repeated: Bool

        /// An instance name: `{i}` substituted; a repeated name without it gets `-<i>`.
        func name(_ template: String) -> String {
            if template.contains("{i}") { return substituted(template) }
            return repeated ? "\(template)-\(number)" : template
        }

        /// `{i}` substituted, nothing appended (a network may be shared by every repetition).
        func substituted(_ template: String) -> String {
            template.replacingAll("{i}", with: String(number))
        }
    }

    private func readAction(_ entry: YAMLEntry, repetition: Repetition, networks: [String],
                            instances: inout [String], startedCount: inout Int) throws(ScenarioError) -> WorkloadAction {
        let node = entry.value
        switch entry.key {
        case "instance_start":
            let fields = try node.mapping(allowedKeys: ["name", "node", "interfaces", "floating_ips"])
            startedCount += 1
            let name = try fields.optional("name").map { (node) throws(ScenarioError) in
                repetition.name(try node.string())
            } ?? "inst-\(startedCount)"
            guard !instances.contains(name) else {
                throw node.error("instance \"\(name)\" is started twice; give each start its own name")
            }
            instances.append(name)
            return .instanceStart(
                instance: InstanceID(name), node: try readNode(fields.required("node"), cycle: repetition.number),
                interfaces: try readNetworks(fields.required("interfaces"), known: networks, repetition: repetition),
                floatingIPs: try fields.optional("floating_ips")?.bool() ?? false)
        case "instance_delete", "floating_ip_add", "floating_ip_remove":
            let key = entry.key == "instance_delete" ? "name" : "instance"
            let fields = try node.mapping(allowedKeys: [key])
            let nameNode = try fields.required(key)
            let name = repetition.name(try nameNode.string())
            guard instances.contains(name) else {
                throw nameNode.error("no instance \"\(name)\" is declared or started before this event")
            }
            let instance = InstanceID(name)
            if entry.key == "instance_delete" { return .instanceDelete(instance) }
            return entry.key == "floating_ip_add" ? .floatingIPAdd(instance) : .floatingIPRemove(instance)
        case "network_create", "network_delete":
            let fields = try node.mapping(allowedKeys: ["name"])
            let nameNode = try fields.required("name")
            let network = try readNetwork(nameNode, known: networks, repetition: repetition)
            return entry.key == "network_create" ? .networkCreate(network) : .networkDelete(network)
        case "node_stop", "node_start":
            let fields = try node.mapping(allowedKeys: ["node"])
            let target = try readNode(fields.required("node"), cycle: repetition.number)
            return entry.key == "node_stop" ? .nodeStop(target) : .nodeStart(target)
        default:
            let fields = try node.mapping(allowedKeys: GenericOpReader.keys + ["wait"])
            let op = try GenericOpReader(topology: topology, knownTasks: knownTasks, networks: networks).read(fields)
            return .op(op, wait: try fields.optional("wait")?.bool() ?? false)
        }
    }

    private func readSource(_ node: YAMLNode, networks: [String]) throws(ScenarioError) -> OpenLoopSource {
        let fields = try node.mapping(allowedKeys: ["name", "op", "arrivals", "start", "count", "until", "wait"])
        let name = try fields.required("name").string()
        let opNode = try fields.required("op")
        let op = try GenericOpReader(topology: topology, knownTasks: knownTasks, networks: networks)
            .read(opNode.mapping(allowedKeys: GenericOpReader.keys))
        let arrivalsNode = try fields.required("arrivals")
        let arrivalsMap = try arrivalsNode.mapping(allowedKeys: ["poisson", "every", "distribution"])
        let kind = try arrivalsMap.exactlyOne(of: ["poisson", "every", "distribution"])
        let arrivals: Arrivals
        switch kind.key {
        case "poisson": arrivals = .poisson(ratePerSecond: try kind.value.rate())
        case "every": arrivals = .fixed(try kind.value.positiveDuration())
        default: arrivals = .distribution(try kind.value.distribution())
        }
        let count = try fields.optional("count")?.int(in: 0...)
        let until = try fields.optional("until")?.duration()
        guard count != nil || until != nil else {
            throw node.error("a source needs \"count\" or \"until\" (or both), or it never ends")
        }
        return OpenLoopSource(name: name, op: op, arrivals: arrivals,
                              start: try fields.optional("start")?.duration() ?? .zero, count: count, until: until,
                              wait: try fields.optional("wait")?.bool() ?? false)
    }

    /// A node name, or a list of node names cycled over repetitions (1-based `cycle`).
    func readNode(_ node: YAMLNode, cycle: Int = 1) throws(ScenarioError) -> NodeID {
        if node.kind == .sequence {
            let items = try node.elements()
            guard !items.isEmpty else { throw node.expected("a node name or a non-empty list of them") }
            return try ScenarioParser.readNode(items[(cycle - 1) % items.count], count: topology.nodes.count)
        }
        return try ScenarioParser.readNode(node, count: topology.nodes.count)
    }

    func readNetworks(_ node: YAMLNode, known: [String],
                      repetition: Repetition? = nil) throws(ScenarioError) -> [NetworkID] {
        var out: [NetworkID] = []
        for item in try node.elements() { out.append(try readNetwork(item, known: known, repetition: repetition)) }
        guard !out.isEmpty else { throw node.expected("at least one network") }
        return out
    }

    func readNetwork(_ node: YAMLNode, known: [String], repetition: Repetition? = nil) throws(ScenarioError) -> NetworkID {
        let written = try node.string()
        let name = repetition?.substituted(written) ?? written
        guard known.contains(name) else {
            let shown = known.prefix(10).joined(separator: ", ") + (known.count > 10 ? ", ..." : "")
            let list = known.isEmpty ? "none are declared" : "declared: \(shown)"
            throw node.error("unknown network \"\(name)\" (\(list); list it under networks or create it)")
        }
        return NetworkID(name)
    }
}

/// `{type: net_op, tasks: [network_apply_update_dnsmasq], priority: user_facing,
///   queue: networknode, family: clusteroperation, network: net-a, node: node-2}`.
struct GenericOpReader {
    static let keys = ["type", "tasks", "priority", "queue", "family", "network", "node"]

    let topology: Topology
    let knownTasks: Set<TaskName>
    let networks: [String]

    func read(_ fields: YAMLMapping) throws(ScenarioError) -> GenericOp {
        let type = try fields.required("type").enumValue(OperationType.self)
        let tasksNode = try fields.required("tasks")
        var tasks: [TaskName] = []
        for item in try tasksNode.elements() {
            let task = TaskName(try item.string())
            guard knownTasks.contains(task) else {
                throw item.error("unknown task \"\(task)\"; define it under overrides.tasks with a service distribution")
            }
            tasks.append(task)
        }
        guard !tasks.isEmpty else { throw tasksNode.expected("at least one task") }
        let priorityNode = try fields.required("priority")
        let priorityName = try priorityNode.enumValue(Priority.allCases.map(\.name))
        guard let priority = Priority(name: priorityName) else { throw priorityNode.expected("a priority") }
        let queueNode = try fields.required("queue")
        let nodeNames = topology.nodes.map(\.description)
        let targetName = try queueNode.enumValue(["networknode", "any"] + nodeNames)
        let target: QueueTarget
        switch targetName {
        case "networknode": target = .networkNode
        case "any": target = .any
        default: target = .node(try ScenarioParser.readNode(queueNode, count: topology.nodes.count))
        }
        var family: QueueFamily = .clusterOperation
        if let node = fields.optional("family") {
            family = try node.enumValue(QueueFamily.self)
        }
        if family == .network, case .node = target {} else if family == .network {
            throw queueNode.error("network-family queues exist only per node (queue: node-K)")
        }
        let network = try fields.optional("network").map { (node) throws(ScenarioError) in
            try WorkloadParser(topology: topology, knownTasks: knownTasks).readNetwork(node, known: networks)
        }
        let node = try fields.optional("node").map { (node) throws(ScenarioError) in
            try ScenarioParser.readNode(node, count: topology.nodes.count)
        }
        return GenericOp(type: type, tasks: tasks, priority: priority, target: target, family: family,
                         networkID: network, nodeID: node)
    }
}

extension String {
    /// Every occurrence of `pattern` replaced by `replacement` (no Foundation).
    func replacingAll(_ pattern: String, with replacement: String) -> String {
        guard !pattern.isEmpty else { return self }
        var result = ""
        var rest = Substring(self)
        while let range = rest.firstRange(of: pattern) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
