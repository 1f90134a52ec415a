import Model
import Sim

/// Reads a scenario file into a ``Scenario``. Every mistake is a ``ScenarioError`` naming the
/// file, the line, the key path and what was expected. The format is described in
/// `docs/scenario-format.md`.
public enum ScenarioParser {
    static let topKeys = ["name", "description", "parameters", "seed", "time_limit", "era", "ideal", "steps", "follow_up",
                          "coalescing", "coalescing_sql", "cluster", "database", "overrides", "networks", "instances",
                          "workload", "sources", "variants", "default_variants", "fairness", "figures"]
    static let variantKeys = ["description", "era", "ideal", "steps", "follow_up", "coalescing", "coalescing_sql",
                              "database", "overrides", "fairness"]

    /// Default time limit when a scenario gives none: a run never hangs.
    public static let defaultTimeLimit = Duration.seconds(3600)

    /// Reads the scenario at `path` with `settings` (`--set KEY=VALUE`) applied to it first,
    /// refusing files larger than `maxBytes`.
    public static func load(path: String, settings: [YAMLSetting] = [],
                            maxBytes: Int = YAMLInputLimits.defaultMaxBytes) throws(ScenarioError) -> Scenario {
        try parse(YAMLDocument.load(path: path, maxBytes: maxBytes).patched(with: settings), maxBytes: maxBytes)
    }

    public static func load(text: String, file: String, settings: [YAMLSetting] = []) throws(ScenarioError) -> Scenario {
        try parse(YAMLDocument.load(text: text, file: file).patched(with: settings))
    }

    /// `maxBytes` also bounds the event logs `trace:` sources read.
    static func parse(_ written: YAMLDocument, maxBytes: Int = YAMLInputLimits.defaultMaxBytes) throws(ScenarioError) -> Scenario {
        let document = try ScenarioParameters.substitute(written)
        let top = try document.root.mapping(allowedKeys: topKeys)
        let name = try top.optional("name")?.string() ?? stem(of: document.file)
        let topology = try readCluster(top.optional("cluster"), root: top.node)
        let base = try readSettings(top, tasksSoFar: Set(DefaultTaskProfiles.all.keys))
        var variants: [Variant] = []
        var variantNames: Set<String> = []
        var fairnessNodes: [String: YAMLNode] = [:]
        if let node = top.optional("variants") {
            for entry in try node.entries() {
                let mapping = try entry.value.mapping(allowedKeys: variantKeys)
                fairnessNodes[entry.key] = mapping.optional("fairness")
                guard variantNames.insert(entry.key).inserted else {
                    throw entry.value.error("duplicate variant \"\(entry.key)\"")
                }
                variants.append(Variant(name: entry.key, description: try mapping.optional("description")?.string(),
                                        settings: try readSettings(mapping, tasksSoFar: [])))
            }
            if variants.isEmpty { throw node.error("expected at least one variant") }
        }
        if variants.isEmpty {
            variants = [Variant(name: (base.era ?? .facade).rawValue, description: nil, settings: ModelSettings())]
        }
        var defaults = variants.map(\.name)
        if let node = top.optional("default_variants") {
            defaults = []
            let names = variants.map(\.name)
            for item in try node.elements() {
                let value = try item.enumValue(names)
                defaults.append(value)
            }
            // None would run nothing and print an empty report.
            guard !defaults.isEmpty else { throw node.error("expected at least one variant, got an empty list") }
        }
        var knownTasks = Set(DefaultTaskProfiles.all.keys)
        for override in base.overrides + variants.flatMap(\.settings.overrides) {
            if let task = override.definesTask { knownTasks.insert(task) }
        }
        for override in base.overrides + variants.flatMap(\.settings.overrides) {
            for reference in override.references {
                switch reference {
                case .task(let task, var error) where !knownTasks.contains(task):
                    let suggestion = nearestSpelling(to: task.name, among: knownTasks.map(\.name).sorted())
                    error.message = "unknown task \(quoted(task.name))"
                        + (suggestion.map { " (did you mean \(quoted($0))?)" } ?? "")
                        + "; define it under overrides.tasks with a service distribution"
                    throw error
                case .node(let index, var error) where index >= topology.nodes.count:
                    error.message = "expected a node name node-1 ... node-\(topology.nodes.count), "
                        + "got \(quoted("node-\(index + 1)"))"
                    throw error
                default:
                    continue
                }
            }
        }
        try checkCoalescingTasks(top, known: knownTasks)
        var reader = WorkloadParser(topology: topology, knownTasks: knownTasks)
        reader.traceMaxBytes = maxBytes
        let (workload, eventOrigins, sourceOrigins) = try reader.read(top)
        let timeLimitNode = top.optional("time_limit")
        let scenario = Scenario(
            name: name, description: try top.optional("description")?.string(), file: document.file,
            seed: try top.optional("seed")?.uint64() ?? 1,
            timeLimit: try timeLimitNode?.positiveDuration() ?? defaultTimeLimit,
            timeLimitOrigin: timeLimitNode.map(SourceLocation.init),
            topology: topology, workload: workload, eventOrigins: eventOrigins, sourceOrigins: sourceOrigins,
            base: base, variants: variants, defaultVariants: defaults,
            figures: try FairnessParser.readFigures(top.optional("figures")))
        try FairnessParser.check(scenario, base: top.optional("fairness"), variants: fairnessNodes)
        try checkIdealPools(scenario)
        return scenario
    }

    /// Every task a coalescing rule names (the scenario's or a variant's) must exist: a
    /// misspelt task would silently coalesce nothing. (A named set's tasks are built in.)
    static func checkCoalescingTasks(_ top: YAMLMapping, known: Set<TaskName>) throws(ScenarioError) {
        var lists: [YAMLNode] = []
        if let node = top.optional("coalescing") { lists.append(node) }
        if let node = top.optional("variants") {
            for entry in try node.entries() {
                if let list = try entry.value.mapping(allowedKeys: variantKeys).optional("coalescing") { lists.append(list) }
            }
        }
        let names = known.map(\.name).sorted()
        for list in lists where list.kind == .sequence {
            for rule in try list.elements() {
                for task in try rule.mapping(allowedKeys: ["type", "tasks", "key", "queues"]).required("tasks").elements() {
                    let name = try task.string()
                    guard !known.contains(TaskName(name)) else { continue }
                    let hint = nearestSpelling(to: name, among: names).map { "; did you mean \(quoted($0))?" } ?? ""
                    throw task.error("unknown task \(quoted(name)) in a coalescing rule\(hint) (tasks are the "
                                     + "defaults and those defined under overrides.tasks)")
                }
            }
        }
    }
    /// Ideal mode runs exactly `int(max_workers)` sf-queues workers per node: with fewer than
    /// one on some node nothing queued there could ever run.
    static func checkIdealPools(_ scenario: Scenario) throws(ScenarioError) {
        for variant in scenario.variants {
            let config = scenario.config(for: variant)
            guard config.ideal else { continue }
            for node in scenario.topology.nodes {
                let workers = config.maxWorkers(cpus: scenario.topology.cpus(of: node))
                guard workers < 1 else { continue }
                let overrides = scenario.base.overrides + variant.settings.overrides
                let culprit = overrides.last { override in
                    ["max_workers", "min_workers", "cpus_per_worker"].contains { override.keyPath.hasSuffix("sf_queues.\($0)") }
                }
                let location = culprit?.location ?? SourceLocation(line: nil, keyPath: "")
                throw location.error(in: scenario.file,
                                     "ideal mode runs int(max_workers) workers per node, and \(node) would get "
                                     + "\(formatFixed(workers, decimals: 3)) (variant \(variant.name)): no op queued "
                                     + "there could run; give it at least 1")
            }
        }
    }

    /// `era`, `ideal`, `database` and `overrides` of the top level or of one variant.
    static func readSettings(_ mapping: YAMLMapping, tasksSoFar: Set<TaskName>) throws(ScenarioError) -> ModelSettings {
        var settings = ModelSettings()
        for key in ["era", "ideal", "steps", "follow_up", "coalescing", "coalescing_sql", "fairness"] {
            if let line = mapping.optional(key)?.line { settings.lines[key] = line }
        }
        if let node = mapping.optional("era") { settings.era = try node.enumValue(Era.self) }
        if let node = mapping.optional("ideal") { settings.ideal = try node.bool() }
        if let node = mapping.optional("steps") { settings.steps = try readSteps(node) }
        if let node = mapping.optional("follow_up") { settings.followUp = try node.bool() }
        if let node = mapping.optional("coalescing") { settings.coalescing = try readCoalescing(node) }
        if let node = mapping.optional("coalescing_sql") { settings.coalescingSQL = try node.enumValue(CoalescingSQL.self) }
        if let node = mapping.optional("fairness") { settings.fairness = try FairnessParser.read(node) }
        if let node = mapping.optional("database") {
            let database = try node.mapping(allowedKeys: ["round_trip", "claim_cap"])
            if let value = database.optional("round_trip") {
                let roundTrip = try value.distribution()
                settings.overrides.append(ConfigOverride(keyPath: "database.round_trip", line: value.line) {
                    $0.roundTrip = roundTrip
                })
            }
            if let value = database.optional("claim_cap") {
                let cap = try value.int(in: 1...1_000_000)
                settings.overrides.append(ConfigOverride(keyPath: "database.claim_cap", line: value.line) {
                    $0.claimCap = cap
                })
            }
        }
        if let node = mapping.optional("overrides") {
            settings.overrides += try OverridesParser.read(node)
        }
        return settings
    }

    /// `steps: [1, 2, 4]`, `steps: all` or `steps: none`.
    static func readSteps(_ node: YAMLNode) throws(ScenarioError) -> Set<PlanStep> {
        if node.kind == .scalar {
            let word = try node.enumValue(["all", "none"])
            return word == "all" ? Set(PlanStep.allCases) : []
        }
        var steps: Set<PlanStep> = []
        for item in try node.elements() {
            guard let step = PlanStep(rawValue: try item.int(in: 1...6)) else { throw item.expected("a step 1 ... 6") }
            guard steps.insert(step).inserted else { throw item.error("step \(step) is listed twice") }
        }
        return steps
    }

    /// `coalescing: phase11` (a named set: `plan`, `phase8`, `phase11`) or
    /// `coalescing: [{type: net_op, tasks: [...], key: [network_uuid], queues: [networknode]}]`,
    /// a set of its own that replaces the era's. One op type may have several rules, with
    /// disjoint tasks, each on its own key.
    static func readCoalescing(_ node: YAMLNode) throws(ScenarioError) -> CoalescingSet {
        if node.kind == .scalar {
            let name = try node.enumValue(CoalescingSet.named.map(\.name))
            return CoalescingSet.named.first { $0.name == name } ?? .plan
        }
        var rules: [CoalescingRule] = []
        for item in try node.elements() {
            let fields = try item.mapping(allowedKeys: ["type", "tasks", "key", "queues"])
            let type = try fields.required("type").enumValue(OperationType.self)
            var tasks: [TaskName] = []
            for taskNode in try fields.required("tasks").elements() {
                let task = TaskName(try taskNode.string())
                guard !rules.contains(where: { $0.type == type && $0.tasks.contains(task) }) else {
                    throw taskNode.error("\(type.rawValue) task \(task) is in an earlier rule already")
                }
                tasks.append(task)
            }
            var key: [TargetColumn] = []
            let keyNode = try fields.required("key")
            for column in try keyNode.elements() { key.append(try column.enumValue(TargetColumn.self)) }
            guard !tasks.isEmpty, !key.isEmpty else { throw item.expected("at least one task and one key column") }
            var queues: [QueueScope]?
            if let queuesNode = fields.optional("queues") {
                var scopes: [QueueScope] = []
                for scope in try queuesNode.elements() { scopes.append(try scope.enumValue(QueueScope.self)) }
                guard !scopes.isEmpty else { throw queuesNode.expected("at least one queue class") }
                queues = scopes
            }
            rules.append(CoalescingRule(type: type, tasks: tasks, key: key, queues: queues))
        }
        return CoalescingSet(name: "custom", rules: rules)
    }

    static let clusterKeys = ["nodes", "network_node", "cpus"]

    /// `cluster: {nodes: 3, network_node: node-1, cpus: 16}`; `cpus` may be a list, one per node.
    static func readCluster(_ node: YAMLNode?, root: YAMLNode) throws(ScenarioError) -> Topology {
        guard let node else { return Topology(nodeCount: 3, networkNode: NodeID(index: 0), cpus: [16, 16, 16]) }
        let cluster = try node.mapping(allowedKeys: clusterKeys)
        let count = try cluster.optional("nodes")?.int(in: 1...1000) ?? 3
        var cpus = Array(repeating: 16, count: count)
        if let cpuNode = cluster.optional("cpus") {
            if cpuNode.kind == .sequence {
                var list: [Int] = []
                for item in try cpuNode.elements() { list.append(try item.int(in: 1...4096)) }
                guard list.count == count else {
                    throw cpuNode.error("expected \(count) CPU counts (one per node), got \(list.count)")
                }
                cpus = list
            } else {
                cpus = Array(repeating: try cpuNode.int(in: 1...4096), count: count)
            }
        }
        let networkNode = try cluster.optional("network_node").map { (node) throws(ScenarioError) in
            try readNode(node, count: count)
        } ?? NodeID(index: 0)
        return Topology(nodeCount: count, networkNode: networkNode, cpus: cpus)
    }

    /// A node name `node-K` with 1 <= K <= count.
    static func readNode(_ node: YAMLNode, count: Int) throws(ScenarioError) -> NodeID {
        let names = (1...count).map { "node-\($0)" }
        let what = count == 1 ? "node-1" : "a node name node-1 ... node-\(count)"
        let text = try node.string()
        guard let index = names.firstIndex(of: text) else { throw node.expected(what) }
        return NodeID(index: index)
    }

    static func stem(of file: String) -> String {
        let base = file.split(separator: "/").last.map(String.init) ?? file
        for suffix in [".yaml", ".yml"] where base.hasSuffix(suffix) { return String(base.dropLast(suffix.count)) }
        return base
    }
}
