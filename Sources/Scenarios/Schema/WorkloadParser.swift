import Model
import Sim

/// Reads `networks`, `instances`, `workload` and `sources` into a ``Workload``, checking that
/// every node, network, instance and task named exists.
///
/// Repeated events (`repeat: {count: 6, every: 2s}`) expand into one action each; a name
/// containing `{i}` gets the repetition number (1-based), and a repeated name without `{i}`
/// gets `-<i>` appended. `node: [node-2, node-3]` cycles over the list.
///
/// Events are checked in time order (file order for equal times, the order the run performs
/// them in), against what exists at that time: an instance is deleted or given a floating IP
/// only while it runs (declared, or started earlier and not deleted since), a network is used
/// or deleted only while it exists (declared, or created earlier and not deleted since), and a
/// network is created only while it does not. The real API refuses the others, so they are
/// errors here rather than silently skipped requests. Events keep file order in the workload.
struct WorkloadParser {
    let topology: Topology
    let knownTasks: Set<TaskName>
    /// The largest event log a `trace:` source may read (`--max-file-size`).
    var traceMaxBytes = YAMLInputLimits.defaultMaxBytes

    static let actionKeys = ["instance_start", "instance_delete", "network_create", "network_delete",
                             "floating_ip_add", "floating_ip_remove", "node_stop", "node_start", "op"]
    static let eventKeys = ["at", "repeat", "label"] + actionKeys

    /// The workload, and where each event (as written) and each source was written (the
    /// `trace:` sources' places follow the other sources', in the order of `workload.traces`).
    func read(_ top: YAMLMapping) throws(ScenarioError)
        -> (workload: Workload, events: [SourceLocation], sources: [SourceLocation]) {
        var workload = Workload()
        var eventOrigins: [SourceLocation] = []
        var sourceOrigins: [SourceLocation] = []
        var declared: [String] = []
        var declaredSet: Set<String> = []
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
                let name = try nameNode.name()
                guard declaredSet.insert(name).inserted else { throw item.error("duplicate network \"\(name)\"") }
                declared.append(name)
                if routes > 0 { workload.routes[NetworkID(name)] = routes }
            }
        }
        workload.networks = declared.map(NetworkID.init)
        var names = NetworkNames(declared: declared)
        var instanceNames: Set<String> = []
        var checks = PlacementChecks()
        checks.declare(networks: declared)
        if let node = top.optional("instances") {
            for item in try node.elements() {
                let fields = try item.mapping(allowedKeys: ["name", "node", "interfaces"])
                let nameNode = try fields.required("name")
                let name = try nameNode.name()
                guard instanceNames.insert(name).inserted else { throw item.error("duplicate instance \"\(name)\"") }
                checks.declare(instance: name, line: nameNode.line)
                let interfaces = try fields.required("interfaces")
                let networks = try readNetworks(interfaces, names: NetworkNames(declared: declared))
                workload.instances.append(ExistingInstance(
                    instance: InstanceID(name), node: try readNode(fields.required("node")),
                    interfaces: networks.map { NetworkID($0.name) }))
            }
        }
        var events: [YAMLNode] = []
        if let node = top.optional("workload") { events = try node.elements() }
        // First the events' shapes, and every network some event creates: a name no part of the
        // file declares or creates is unknown wherever it is used.
        var parsed: [(mapping: YAMLMapping, at: Duration, count: Int, every: Duration, action: YAMLEntry)] = []
        for event in events {
            let mapping = try event.mapping(allowedKeys: Self.eventKeys)
            let at = try mapping.required("at").duration()
            var count = 1
            var every = Duration.zero
            if let node = mapping.optional("repeat") {
                let repeatMap = try node.mapping(allowedKeys: ["count", "every"])
                count = try repeatMap.required("count").int(in: 1...1_000_000)
                every = try repeatMap.optional("every")?.duration() ?? .zero
            }
            let action = try mapping.exactlyOne(of: Self.actionKeys)
            if action.key == "network_create" {
                let template = try NameTemplate(action.value.mapping(allowedKeys: ["name"]).required("name"))
                for number in 1...count {
                    names.created.insert(Repetition(number: number, repeated: count > 1).substituted(template))
                }
            }
            parsed.append((mapping, at, count, every, action))
        }
        var startedCount = 0
        for (index, event) in parsed.enumerated() {
            let label = try event.mapping.optional("label")?.string() ?? "workload[\(index)]"
            let origin = SourceLocation(event.mapping.node)
            // Read once; each repetition only substitutes its number.
            let template = try readTemplate(event.action, names: names)
            let repeated = event.count > 1
            for repetition in 1...event.count {
                let context = Repetition(number: repetition, repeated: repeated)
                let at = event.at + event.every * (repetition - 1)
                let resolved = try template.resolve(context, names: names, reader: self, startedCount: &startedCount) {
                    checks.add($0, at: at, repetition: repeated ? repetition : nil)
                }
                workload.events.append(ScheduledAction(
                    at: at, action: resolved, label: repeated ? "\(label)#\(repetition)" : label))
                eventOrigins.append(origin)
            }
        }
        var traceOrigins: [SourceLocation] = []
        if let node = top.optional("sources") {
            var sourceNames: Set<String> = []
            for item in try node.elements() {
                if item.kind == .mapping, try item.entries().contains(where: { $0.key == "trace" }) {
                    let trace = try readTrace(item)
                    guard sourceNames.insert(trace.name).inserted else {
                        throw item.error("duplicate source \"\(trace.name)\"")
                    }
                    workload.traces.append(trace)
                    traceOrigins.append(SourceLocation(item))
                    continue
                }
                let source = try readSource(item, names: names) { checks.add($0, at: $1, repetition: nil) }
                guard sourceNames.insert(source.name).inserted else {
                    throw item.error("duplicate source \"\(source.name)\"")
                }
                workload.sources.append(source)
                sourceOrigins.append(SourceLocation(item))
            }
        }
        try checks.run()
        return (workload, eventOrigins, sourceOrigins + traceOrigins)
    }

    /// The network names a scenario knows: declared, and created by some event.
    struct NetworkNames {
        var declared: [String]
        var declaredSet: Set<String>
        var created: Set<String> = []

        init(declared: [String]) {
            self.declared = declared
            declaredSet = Set(declared)
        }

        func knows(_ name: String) -> Bool { declaredSet.contains(name) || created.contains(name) }
    }

    struct Repetition {
        var number: Int
        var repeated: Bool

        /// An instance name: `{i}` substituted; a repeated name without it gets `-<i>`.
        func name(_ template: NameTemplate) -> String {
            if template.hasPlaceholder { return substituted(template) }
            return repeated ? "\(template.text)-\(number)" : template.text
        }

        /// `{i}` substituted, nothing appended (a network may be shared by every repetition).
        func substituted(_ template: NameTemplate) -> String {
            template.hasPlaceholder ? template.text.replacingAll("{i}", with: String(number)) : template.text
        }
    }

    /// One written event's action, read once for all its repetitions.
    enum Template {
        case instanceStart(name: NameTemplate?, site: PlacementChecks.Site, nodes: [NodeID], interfaces: [NameTemplate],
                           floatingIPs: Bool)
        case instance(action: String, name: NameTemplate)
        case network(create: Bool, name: NameTemplate)
        case nodeControl(start: Bool, nodes: [NodeID])
        case op(GenericOp, wait: Bool, network: PlacementChecks.Site?)

        func resolve(_ repetition: Repetition, names: NetworkNames, reader: WorkloadParser, startedCount: inout Int,
                     check: (PlacementChecks.Request) -> Void) throws(ScenarioError) -> WorkloadAction {
            switch self {
            case .instanceStart(let nameTemplate, let site, let nodes, let interfaceTemplates, let floatingIPs):
                startedCount += 1
                let name = nameTemplate.map { repetition.name($0) } ?? "inst-\(startedCount)"
                var interfaces: [NetworkID] = []
                for interface in interfaceTemplates {
                    let network = try reader.network(repetition.substituted(interface), at: interface.node, names: names)
                    interfaces.append(network)
                }
                check(.startInstance(name, nameTemplate?.site ?? site))
                for (network, template) in zip(interfaces, interfaceTemplates) { check(.useNetwork(network.name, template.site)) }
                return .instanceStart(instance: InstanceID(name), node: nodes[(repetition.number - 1) % nodes.count],
                                      interfaces: interfaces, floatingIPs: floatingIPs)
            case .instance(let action, let nameTemplate):
                let name = repetition.name(nameTemplate)
                let instance = InstanceID(name)
                switch action {
                case "instance_delete":
                    check(.deleteInstance(name, nameTemplate.site))
                    return .instanceDelete(instance)
                case "floating_ip_add":
                    check(.useInstance(name, nameTemplate.site))
                    return .floatingIPAdd(instance)
                default:
                    check(.useInstance(name, nameTemplate.site))
                    return .floatingIPRemove(instance)
                }
            case .network(let create, let nameTemplate):
                let network = try reader.network(repetition.substituted(nameTemplate), at: nameTemplate.node, names: names)
                check(create ? .createNetwork(network.name, nameTemplate.site) : .deleteNetwork(network.name, nameTemplate.site))
                return create ? .networkCreate(network) : .networkDelete(network)
            case .nodeControl(let start, let nodes):
                let node = nodes[(repetition.number - 1) % nodes.count]
                return start ? .nodeStart(node) : .nodeStop(node)
            case .op(let op, let wait, let networkSite):
                if let network = op.networkID, let networkSite { check(.useNetwork(network.name, networkSite)) }
                return .op(op, wait: wait)
            }
        }
    }

    /// A name as written, with whether it holds `{i}`.
    struct NameTemplate {
        let text: String
        let site: PlacementChecks.Site
        let hasPlaceholder: Bool

        var node: YAMLNode { site.node }

        init(_ node: YAMLNode) throws(ScenarioError) {
            text = try node.name()
            site = PlacementChecks.Site(node)
            hasPlaceholder = text.replacingAll("{i}", with: "") != text
        }
    }

    private func readTemplate(_ entry: YAMLEntry, names: NetworkNames) throws(ScenarioError) -> Template {
        let node = entry.value
        switch entry.key {
        case "instance_start":
            let fields = try node.mapping(allowedKeys: ["name", "node", "interfaces", "floating_ips"])
            let name = try fields.optional("name").map { (node) throws(ScenarioError) in try NameTemplate(node) }
            let interfacesNode = try fields.required("interfaces")
            var interfaces: [NameTemplate] = []
            for item in try interfacesNode.elements() { interfaces.append(try NameTemplate(item)) }
            guard !interfaces.isEmpty else { throw interfacesNode.expected("at least one network") }
            return .instanceStart(name: name, site: PlacementChecks.Site(node), nodes: try readNodes(fields.required("node")),
                                  interfaces: interfaces, floatingIPs: try fields.optional("floating_ips")?.bool() ?? false)
        case "instance_delete", "floating_ip_add", "floating_ip_remove":
            let key = entry.key == "instance_delete" ? "name" : "instance"
            let fields = try node.mapping(allowedKeys: [key])
            return .instance(action: entry.key, name: try NameTemplate(fields.required(key)))
        case "network_create", "network_delete":
            let fields = try node.mapping(allowedKeys: ["name"])
            return .network(create: entry.key == "network_create", name: try NameTemplate(fields.required("name")))
        case "node_stop", "node_start":
            let fields = try node.mapping(allowedKeys: ["node"])
            return .nodeControl(start: entry.key == "node_start", nodes: try readNodes(fields.required("node")))
        default:
            let fields = try node.mapping(allowedKeys: GenericOpReader.keys + ["wait"])
            let op = try GenericOpReader(topology: topology, knownTasks: knownTasks, names: names).read(fields)
            return .op(op, wait: try fields.optional("wait")?.bool() ?? false,
                       network: fields.optional("network").map(PlacementChecks.Site.init))
        }
    }

    private func readSource(_ node: YAMLNode, names: NetworkNames,
                            check: (PlacementChecks.Request, Duration) -> Void) throws(ScenarioError) -> OpenLoopSource {
        let fields = try node.mapping(allowedKeys: ["name", "op", "arrivals", "start", "count", "until", "wait"])
        let name = try fields.required("name").string()
        let opNode = try fields.required("op")
        let opFields = try opNode.mapping(allowedKeys: GenericOpReader.keys)
        let op = try GenericOpReader(topology: topology, knownTasks: knownTasks, names: names).read(opFields)
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
        let start = try fields.optional("start")?.duration() ?? .zero
        if let network = op.networkID, let networkNode = opFields.optional("network") {
            check(.useNetwork(network.name, PlacementChecks.Site(networkNode)), start)
        }
        return OpenLoopSource(name: name, op: op, arrivals: arrivals, start: start, count: count, until: until,
                              wait: try fields.optional("wait")?.bool() ?? false)
    }

    /// A node name.
    func readNode(_ node: YAMLNode) throws(ScenarioError) -> NodeID {
        try ScenarioParser.readNode(node, count: topology.nodes.count)
    }

    /// A node name, or a non-empty list of node names that repetitions cycle over.
    func readNodes(_ node: YAMLNode) throws(ScenarioError) -> [NodeID] {
        guard node.kind == .sequence else { return [try readNode(node)] }
        var nodes: [NodeID] = []
        for item in try node.elements() { nodes.append(try readNode(item)) }
        guard !nodes.isEmpty else { throw node.expected("a node name or a non-empty list of them") }
        return nodes
    }

    func readNetworks(_ node: YAMLNode, names: NetworkNames) throws(ScenarioError) -> [(name: String, node: YAMLNode)] {
        var out: [(name: String, node: YAMLNode)] = []
        for item in try node.elements() { out.append((try readNetwork(item, names: names).name, item)) }
        guard !out.isEmpty else { throw node.expected("at least one network") }
        return out
    }

    /// A network some part of the scenario declares or creates (whether it exists when it is
    /// used is checked in time order, by ``PlacementChecks``).
    func readNetwork(_ node: YAMLNode, names: NetworkNames) throws(ScenarioError) -> NetworkID {
        try network(node.string(), at: node, names: names)
    }

    /// The network `name` (written at `node`), if the scenario knows it.
    func network(_ name: String, at node: YAMLNode, names: NetworkNames) throws(ScenarioError) -> NetworkID {
        guard names.knows(name) else {
            let known = names.declared
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
    let names: WorkloadParser.NetworkNames

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
            try WorkloadParser(topology: topology, knownTasks: knownTasks).readNetwork(node, names: names)
        }
        let node = try fields.optional("node").map { (node) throws(ScenarioError) in
            try ScenarioParser.readNode(node, count: topology.nodes.count)
        }
        return GenericOp(type: type, tasks: tasks, priority: priority, target: target, family: family,
                         networkID: network, nodeID: node)
    }
}

extension String {
    /// Every occurrence of `pattern` replaced by `replacement`, matching UTF-8 bytes (no
    /// Foundation; linear in the length of the text).
    func replacingAll(_ pattern: String, with replacement: String) -> String {
        let needle = Array(pattern.utf8)
        guard let first = needle.first else { return self }
        var text = self
        return text.withUTF8 { bytes -> String in
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count + replacement.utf8.count)
            var index = 0
            while index < bytes.count {
                if bytes[index] == first && index + needle.count <= bytes.count
                    && bytes[index..<(index + needle.count)].elementsEqual(needle) {
                    out += replacement.utf8
                    index += needle.count
                } else {
                    out.append(bytes[index])
                    index += 1
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
    }
}
