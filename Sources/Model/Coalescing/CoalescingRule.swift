/// A column of `cluster_operations` that identifies an op's target.
public enum TargetColumn: String, CaseIterable, Sendable {
    case networkUUID = "network_uuid"
    case nodeUUID = "node_uuid"
    case instanceUUID = "instance_uuid"
}

/// A class of queues a coalescing rule (or step 5) can be limited to.
public enum QueueScope: String, CaseIterable, Sendable {
    /// `networknode-*` queues (the elected network node's).
    case networkNode = "networknode"
    /// `{node}-network-*` queues (family `network`, drained by each node's sf-net).
    case nodeNetwork = "node_network"
    /// `{node}-clusteroperation-*` queues (drained by each node's sf-queues).
    case nodeClusterOperation = "node_clusteroperation"
    /// `any-*` queues.
    case any

    public func contains(_ queue: QueueName) -> Bool {
        switch (self, queue.target) {
        case (.networkNode, .networkNode), (.any, .any): return true
        case (.nodeNetwork, .node): return queue.family == .network
        case (.nodeClusterOperation, .node): return queue.family == .clusterOperation
        default: return false
        }
    }
}

/// Which tasks of one op type coalesce, and on which target columns (`coalescible_tasks`
/// and `coalescible_target_column`, generalised to several columns by the follow-up), and on
/// which queues (phase 8 folded only on `networknode-` queues).
public struct CoalescingRule: Sendable, Equatable {
    public var type: OperationType
    public var tasks: [TaskName]
    public var key: [TargetColumn]
    /// The rule applies only to ops on these queues (nil: on every queue).
    public var queues: [QueueScope]?

    public init(type: OperationType, tasks: [TaskName], key: [TargetColumn], queues: [QueueScope]? = nil) {
        self.type = type
        self.tasks = tasks
        self.key = key
        self.queues = queues
    }

    /// Whether an op on `queue` is covered by this rule.
    public func applies(to queue: QueueName) -> Bool {
        queues.map { scopes in scopes.contains { $0.contains(queue) } } ?? true
    }

    /// The follow-up: `node_net_op/network_apply_create_hypervisor` on the pair
    /// (`node_uuid`, `network_uuid`).
    public static let followUp = CoalescingRule(type: .nodeNetOp, tasks: [.createHypervisor],
                                                key: [.nodeUUID, .networkUUID])
}

/// The values of an op's key columns, e.g. `network_uuid=net-a,node_uuid=node-2`.
public struct CoalescingKey: Hashable, Sendable, CustomStringConvertible {
    public let values: [String]
    public let description: String

    /// Nil when the op lacks one of the columns: such an op never coalesces.
    public init?(_ spec: OpSpec, columns: [TargetColumn]) {
        var values: [String] = []
        for column in columns {
            switch column {
            case .networkUUID: guard let network = spec.networkID else { return nil }; values.append(network.name)
            case .nodeUUID: guard let node = spec.nodeID else { return nil }; values.append(node.description)
            case .instanceUUID: guard let instance = spec.instanceID else { return nil }; values.append(instance.name)
            }
        }
        self.values = values
        description = zip(columns, values).map { "\($0.rawValue)=\($1)" }.joined(separator: ",")
    }

    /// Equal keys have equal descriptions, so the description alone is hashed (the
    /// synthesized hash read every value and then the description that repeats them, for
    /// each coalescing lookup: about 1 % of a long backlog's run). Equality still compares
    /// both: a value holding `,` or `=` could make two different keys read alike.
    public func hash(into hasher: inout Hasher) { hasher.combine(description) }
    public static func == (lhs: CoalescingKey, rhs: CoalescingKey) -> Bool {
        lhs.description == rhs.description && lhs.values == rhs.values
    }
}
