import Sim
import Synchronization

/// `operation_type` of a cluster operation (`shakenfist/schema/operations/*.py`).
public enum OperationType: String, CaseIterable, Sendable, Comparable {
    case netOp = "net_op"
    case nodeNetOp = "node_net_op"
    case nodeInstOp = "node_inst_op"
    case nodeInstNetdescOp = "node_inst_netdesc_op"
    case nodeBlobOp = "node_blob_op"
    case artifactFetchOp = "artifact_fetch_op"
    case netIPOp = "net_ip_op"
    case netMacaddrIPOp = "net_macaddr_ip_op"
    case netIfaceOp = "net_iface_op"

    public static func < (lhs: OperationType, rhs: OperationType) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The type's place in ``allCases``: tables by type are arrays indexed by it.
    public var index: Int {
        switch self {
        case .netOp: return 0
        case .nodeNetOp: return 1
        case .nodeInstOp: return 2
        case .nodeInstNetdescOp: return 3
        case .nodeBlobOp: return 4
        case .artifactFetchOp: return 5
        case .netIPOp: return 6
        case .netMacaddrIPOp: return 7
        case .netIfaceOp: return 8
        }
    }

    // By case, not by raw value: a `String`-backed enum otherwise hashes and compares its
    // raw string (the standard library's `RawRepresentable` defaults), through SipHash on
    // every lookup keyed by type.
    public static func == (lhs: OperationType, rhs: OperationType) -> Bool { lhs.index == rhs.index }
    public func hash(into hasher: inout Hasher) { hasher.combine(index) }

    /// Network work: what the `inline` era did in the caller instead of enqueueing.
    public var isNetworkWork: Bool {
        switch self {
        case .netOp, .nodeNetOp, .netIPOp, .netMacaddrIPOp, .netIfaceOp: return true
        case .nodeInstOp, .nodeInstNetdescOp, .nodeBlobOp, .artifactFetchOp: return false
        }
    }
}

/// A task name as the schema enums spell it (`network_apply_update_dnsmasq`, ...).
/// Open-ended: scenario files may define their own tasks for generic sources.
///
/// Equal names get the same ``id`` (``TaskNames``), so tasks compare and hash as integers: a
/// task is compared on every dispatched item (the coalescing rules' task lists, the tasks
/// that can coalesce), where comparing and hashing the strings cost about 2 % of the full
/// model's M/M/1.
public struct TaskName: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let name: String
    /// The same for equal names, different for different ones, within a process.
    let id: Int
    public init(_ name: String) {
        self.name = name
        id = TaskNames.shared.id(of: name)
    }
    public init(stringLiteral value: String) { self.init(value) }
    public var description: String { name }
    public static func < (lhs: TaskName, rhs: TaskName) -> Bool { lhs.name < rhs.name }
    public static func == (lhs: TaskName, rhs: TaskName) -> Bool { lhs.id == rhs.id }
    public func hash(into hasher: inout Hasher) { hasher.combine(id) }
    /// The table hash of the id (`tableHash(_:seed:)`): tasks key the profiles, the
    /// coalescing rules and the pending single-task ops, looked up for every item.
    public func _rawHashValue(seed: Int) -> Int { tableHash(id, seed: seed) }

    public static let updateDnsmasq: TaskName = "network_apply_update_dnsmasq"
    public static let removeDnsmasq: TaskName = "network_apply_remove_dnsmasq"
    public static let ensureMesh: TaskName = "network_ensure_mesh"
    public static let createNetworkNode: TaskName = "network_apply_create_network_node"
    public static let deleteNetworkNode: TaskName = "network_apply_delete_network_node"
    public static let createHypervisor: TaskName = "network_apply_create_hypervisor"
    public static let deleteHypervisor: TaskName = "network_apply_delete_hypervisor"
    public static let addFloatingIP: TaskName = "network_add_floating_ip"
    public static let removeFloatingIP: TaskName = "network_remove_floating_ip"
    public static let removeDHCPLease: TaskName = "remove_dhcp_lease"
    public static let routeAddress: TaskName = "route_address"
    public static let instanceStart: TaskName = "instance_start"
    public static let instanceDelete: TaskName = "instance_delete"
}

/// The ids of the task names made so far. Names are made when scenarios are read and for the
/// built-in tasks, not per op, so the lock is taken rarely.
final class TaskNames: Sendable {
    static let shared = TaskNames()
    private let ids = Mutex<[String: Int]>([:])

    func id(of name: String) -> Int {
        ids.withLock { ids in
            if let id = ids[name] { return id }
            let id = ids.count
            ids[name] = id
            return id
        }
    }
}

/// Op state (`object_states.state_value`). Terminal: complete, error, abort, deleted.
public enum OpState: String, Sendable {
    case queued, executing, complete, error, abort, deleted

    public var isTerminal: Bool {
        switch self {
        case .queued, .executing: return false
        case .complete, .error, .abort, .deleted: return true
        }
    }
}

/// Everything a caller states when it creates an op.
///
/// The fields live in one shared box, copied only when a copy that shares it is changed (the
/// standard library's arrays do the same). A spec travels with every op, row, item and record
/// and is copied at each of them; held inline, each copy moved about 150 bytes and retained
/// and released its five arrays and strings one by one (about 8 % of the full model's M/M/1
/// went to retains, releases and copies of specs and records); boxed, a copy is one pointer
/// and one retain.
public struct OpSpec: Sendable {
    /// The fields. Mutated only through ``unique()``, so only by the one spec that holds the
    /// box: no two specs (and so no two threads) ever see one box change, which is what makes
    /// it `Sendable` and its fields safe to leave unchecked for exclusivity (every access of a
    /// class's stored `var` is otherwise checked at run time).
    private final class Fields: @unchecked Sendable {
        @exclusivity(unchecked) var type: OperationType
        @exclusivity(unchecked) var tasks: [TaskName]
        @exclusivity(unchecked) var taskLabel: String
        @exclusivity(unchecked) var priority: Priority
        @exclusivity(unchecked) var queue: QueueName
        @exclusivity(unchecked) var networkID: NetworkID?
        @exclusivity(unchecked) var nodeID: NodeID?
        @exclusivity(unchecked) var instanceID: InstanceID?
        @exclusivity(unchecked) var dependsOn: [OpID]
        @exclusivity(unchecked) var runsAfter: [OpID]
        @exclusivity(unchecked) var parameters: [String]
        @exclusivity(unchecked) var interfaces: [NetworkID]
        @exclusivity(unchecked) var randomKey: UInt64
        @exclusivity(unchecked) var measuredService: Duration?

        init(type: OperationType, tasks: [TaskName], taskLabel: String, priority: Priority, queue: QueueName,
             networkID: NetworkID?, nodeID: NodeID?, instanceID: InstanceID?, dependsOn: [OpID], runsAfter: [OpID],
             parameters: [String], interfaces: [NetworkID], randomKey: UInt64, measuredService: Duration?) {
            self.type = type
            self.tasks = tasks
            self.taskLabel = taskLabel
            self.priority = priority
            self.queue = queue
            self.networkID = networkID
            self.nodeID = nodeID
            self.instanceID = instanceID
            self.dependsOn = dependsOn
            self.runsAfter = runsAfter
            self.parameters = parameters
            self.interfaces = interfaces
            self.randomKey = randomKey
            self.measuredService = measuredService
        }

        func copy() -> Fields {
            Fields(type: type, tasks: tasks, taskLabel: taskLabel, priority: priority, queue: queue,
                   networkID: networkID, nodeID: nodeID, instanceID: instanceID, dependsOn: dependsOn,
                   runsAfter: runsAfter, parameters: parameters, interfaces: interfaces, randomKey: randomKey,
                   measuredService: measuredService)
        }
    }

    private var fields: Fields

    /// The box, first copied if another spec shares it: the only way to a field to change.
    private mutating func unique() -> Fields {
        if !isKnownUniquelyReferenced(&fields) { fields = fields.copy() }
        return fields
    }

    public var type: OperationType {
        get { fields.type }
        set { unique().type = newValue }
    }
    public var tasks: [TaskName] {
        get { fields.tasks }
        set {
            let fields = unique()
            fields.tasks = newValue
            fields.taskLabel = Self.label(newValue)
        }
    }
    /// The `by_task` label: the task list joined with `+` (most ops have one task).
    public var taskLabel: String { fields.taskLabel }
    public var priority: Priority {
        get { fields.priority }
        set { unique().priority = newValue }
    }
    public var queue: QueueName {
        get { fields.queue }
        set { unique().queue = newValue }
    }
    public var networkID: NetworkID? {
        get { fields.networkID }
        set { unique().networkID = newValue }
    }
    public var nodeID: NodeID? {
        get { fields.nodeID }
        set { unique().nodeID = newValue }
    }
    public var instanceID: InstanceID? {
        get { fields.instanceID }
        set { unique().instanceID = newValue }
    }
    public var dependsOn: [OpID] {
        get { fields.dependsOn }
        _modify { yield &unique().dependsOn }
    }
    public var runsAfter: [OpID] {
        get { fields.runsAfter }
        _modify { yield &unique().runsAfter }
    }
    /// Per-op parameters where the real op carries them (a floating IP's instance and address,
    /// a DHCP lease's MAC), as `name=value` pairs in name order. Part of an op's change (see
    /// ``Effect``), never of its coalescing key.
    public var parameters: [String] {
        get { fields.parameters }
        _modify { yield &unique().parameters }
    }
    /// For instance ops: the instance's interfaces (one network per interface), which a handler
    /// fanning out per network or per interface reads.
    public var interfaces: [NetworkID] {
        get { fields.interfaces }
        _modify { yield &unique().interfaces }
    }
    /// Key of the random stream this op's service times come from. Producers derive it from
    /// what the op *is* (which request, which interface), not from when it was created, so
    /// variants of one comparison see the same service times (common random numbers).
    public var randomKey: UInt64 {
        get { fields.randomKey }
        set { unique().randomKey = newValue }
    }
    /// A replayed op's measured execution time (a trace source, docs/eventlog.md): its tasks
    /// take this long in all instead of their profiles' draws, and their handlers enqueue
    /// nothing. Nil for every op the model makes itself.
    public var measuredService: Duration? {
        get { fields.measuredService }
        set { unique().measuredService = newValue }
    }

    public init(type: OperationType, tasks: [TaskName], priority: Priority, queue: QueueName,
                networkID: NetworkID? = nil, nodeID: NodeID? = nil, instanceID: InstanceID? = nil,
                dependsOn: [OpID] = [], runsAfter: [OpID] = [], parameters: [String] = [],
                interfaces: [NetworkID] = [], randomKey: UInt64, measuredService: Duration? = nil) {
        fields = Fields(type: type, tasks: tasks, taskLabel: Self.label(tasks), priority: priority, queue: queue,
                        networkID: networkID, nodeID: nodeID, instanceID: instanceID, dependsOn: dependsOn,
                        runsAfter: runsAfter, parameters: parameters.sorted(), interfaces: interfaces,
                        randomKey: randomKey, measuredService: measuredService)
    }

    private static func label(_ tasks: [TaskName]) -> String {
        tasks.count == 1 ? tasks[0].name : tasks.map(\.name).joined(separator: "+")
    }
}

/// A row of `cluster_operations` joined with its `object_states` row.
public struct OpRecord: Sendable {
    public let id: OpID
    public var spec: OpSpec
    public let createdAt: Duration
    public var state: OpState
    public var stateChangedAt: Duration

    public init(id: OpID, spec: OpSpec, createdAt: Duration, state: OpState, stateChangedAt: Duration) {
        self.id = id
        self.spec = spec
        self.createdAt = createdAt
        self.state = state
        self.stateChangedAt = stateChangedAt
    }
}
