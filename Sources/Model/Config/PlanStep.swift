/// The seed plan's six steps (model file, section 9), each an independent switch.
public enum PlanStep: Int, CaseIterable, Sendable, Comparable, CustomStringConvertible {
    /// A `started executing` event at pickup; its write costs time on the dispatcher's path.
    case visibility = 1
    /// One batched claim for all queues instead of one singular dequeue per queue.
    case batchedDequeue = 2
    /// Op types declare what coalesces. Metadata only: nothing observable changes. (The
    /// coalescing rules themselves are scenario data, read by steps 4 and 5.)
    case coalescingMetadata = 3
    /// Worker-side dedup: drop repeated tasks in one op, fold queued single-task siblings.
    case workerFold = 4
    /// Enqueue-side dedup: return the oldest pending sibling instead of inserting.
    case enqueueDedup = 5
    /// Caller-site audit: instance start reconciles each network once.
    case callerAudit = 6

    public static func < (lhs: PlanStep, rhs: PlanStep) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { String(rawValue) }
}

/// A column of `cluster_operations` that identifies an op's target.
public enum TargetColumn: String, CaseIterable, Sendable {
    case networkUUID = "network_uuid"
    case nodeUUID = "node_uuid"
    case instanceUUID = "instance_uuid"
}

/// Which tasks of one op type coalesce, and on which target columns (`coalescible_tasks`
/// and `coalescible_target_column`, generalised to several columns by the follow-up).
public struct CoalescingRule: Sendable, Equatable {
    public var type: OperationType
    public var tasks: [TaskName]
    public var key: [TargetColumn]

    public init(type: OperationType, tasks: [TaskName], key: [TargetColumn]) {
        self.type = type
        self.tasks = tasks
        self.key = key
    }

    /// The plan's set: `net_op` declares dnsmasq, mesh and network-node creation, keyed on
    /// `network_uuid` (model file, section 9, step 3).
    public static let plan = [CoalescingRule(type: .netOp,
                                             tasks: [.updateDnsmasq, .ensureMesh, .createNetworkNode],
                                             key: [.networkUUID])]

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
}
