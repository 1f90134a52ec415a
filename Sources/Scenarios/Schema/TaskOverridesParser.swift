import Model
import Sim

/// Reads `overrides.tasks`: each task's service time, failure probability, disk load, the
/// scope of its change and the ops its handler enqueues.
///
/// ```yaml
/// tasks:
///   blob_fetch: {service: {lognormal: {median: 6.1s, p99: 30s}}, disk: 400, scope: node}
///   reconfigure: {service: 1s, enqueues: [{type: net_op, task: network_ensure_mesh,
///                 priority: user_facing, queue: this_node, family: network, wait: true}]}
/// ```
enum TaskOverridesParser {
    static let fields = ["service", "failure_probability", "disk", "scope", "enqueues"]
    static let enqueueFields = ["type", "task", "priority", "queue", "family", "fanout", "wait"]

    /// A task not in the defaults must give `service`.
    static func read(_ node: YAMLNode) throws(ScenarioError) -> [ConfigOverride] {
        var out: [ConfigOverride] = []
        for entry in try node.entries() {
            let task = TaskName(entry.key)
            let fields = try entry.value.mapping(allowedKeys: Self.fields)
            let known = DefaultTaskProfiles.all[task]
            guard known != nil || fields.contains("service") else {
                throw entry.value.error("task \"\(entry.key)\" is not a default task, so it needs a service distribution")
            }
            let service = try fields.optional("service")?.distribution()
            let failure = try fields.optional("failure_probability")?.double(in: 0...1)
            // A node has one disk: a million ms/s is far beyond busy, and sums of loads stay finite.
            let disk = try fields.optional("disk")?.double(in: 0...1_000_000)
            let scope = try fields.optional("scope")?.enumValue(TaskScope.self)
            var references: [ConfigOverride.Reference] = []
            let enqueues = try fields.optional("enqueues").map { (node) throws(ScenarioError) in
                try readEnqueues(node, references: &references)
            }
            out.append(ConfigOverride(keyPath: entry.value.path.description, line: entry.value.line, definesTask: task,
                                      references: references) { config in
                var profile = config.tasks[task] ?? TaskProfile(service: .zero)
                if let service { profile.service = service }
                if let failure { profile.failureProbability = failure }
                if let disk { profile.diskMillisecondsPerSecond = disk }
                if let scope { profile.scope = scope }
                if let enqueues { profile.enqueues = enqueues }
                config.tasks[task] = profile
            })
        }
        return out
    }

    /// `[{type, task, priority, queue, family, fanout, wait}]`; the tasks and nodes named are
    /// checked once every task and the cluster are known (``ConfigOverride/Reference``).
    static func readEnqueues(_ node: YAMLNode,
                             references: inout [ConfigOverride.Reference]) throws(ScenarioError) -> [TaskEnqueue] {
        var out: [TaskEnqueue] = []
        for item in try node.elements() {
            let fields = try item.mapping(allowedKeys: enqueueFields)
            let type = try fields.required("type").enumValue(OperationType.self)
            let taskNode = try fields.required("task")
            let task = TaskName(try taskNode.string())
            references.append(.task(task, at: taskNode.error("")))
            let priorityNode = try fields.required("priority")
            let priority = Priority(name: try priorityNode.enumValue(Priority.allCases.map(\.name))) ?? .userFacing
            let queueNode = try fields.required("queue")
            let queueText = try queueNode.string()
            let target: TaskEnqueue.Target
            switch queueText {
            case "networknode": target = .networkNode
            case "any": target = .any
            case "this_node": target = .thisNode
            default:
                guard queueText.hasPrefix("node-"), let number = Int(queueText.dropFirst(5)), number >= 1 else {
                    throw queueNode.expected("networknode, any, this_node or a node name node-K")
                }
                target = .node(NodeID(index: number - 1))
                references.append(.node(number - 1, at: queueNode.error("")))
            }
            let family = try fields.optional("family")?.enumValue(QueueFamily.self) ?? .clusterOperation
            if family == .network {
                switch target {
                case .node, .thisNode: break
                case .networkNode, .any:
                    throw queueNode.error("network-family queues exist only per node (queue: node-K or this_node)")
                }
            }
            out.append(TaskEnqueue(
                type: type, task: task, priority: priority, target: target, family: family,
                fanout: try fields.optional("fanout")?.enumValue(TaskEnqueue.Fanout.self) ?? .once,
                wait: try fields.optional("wait")?.bool() ?? true))
        }
        return out
    }
}
