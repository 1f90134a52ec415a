import Sim

/// One kind of op that a generic source or a scripted `op` event creates.
public struct GenericOp: Sendable {
    public var type: OperationType
    public var tasks: [TaskName]
    public var priority: Priority
    public var target: QueueTarget
    public var family: QueueFamily
    public var networkID: NetworkID?
    public var nodeID: NodeID?

    public init(type: OperationType, tasks: [TaskName], priority: Priority, target: QueueTarget,
                family: QueueFamily, networkID: NetworkID? = nil, nodeID: NodeID? = nil) {
        self.type = type
        self.tasks = tasks
        self.priority = priority
        self.target = target
        self.family = family
        self.networkID = networkID
        self.nodeID = nodeID
    }

    public var queue: QueueName { QueueName(target, family, priority) }
}

/// What a workload asks the cluster to do.
public enum WorkloadAction: Sendable {
    /// `POST /instances`: start an instance on `node` with one interface per listed network.
    case instanceStart(instance: InstanceID, node: NodeID, interfaces: [NetworkID], floatingIPs: Bool)
    case instanceDelete(InstanceID)
    case networkCreate(NetworkID)
    case networkDelete(NetworkID)
    case floatingIPAdd(InstanceID)
    case floatingIPRemove(InstanceID)
    /// The node's daemons stop at once (a crash): claimed rows stay claimed.
    case nodeStop(NodeID)
    /// The node's daemons start again and startup restores its instances.
    case nodeStart(NodeID)
    /// One op of a given kind; `wait` makes the caller wait for it like an API call.
    case op(GenericOp, wait: Bool)
}

/// An action at a given time after the start of the run.
public struct ScheduledAction: Sendable {
    public var at: Duration
    public var action: WorkloadAction
    /// Names the action in traces and keys its random stream (stable across variants).
    public var label: String

    public init(at: Duration, action: WorkloadAction, label: String) {
        self.at = at
        self.action = action
        self.label = label
    }
}

/// When a source's arrivals happen.
public enum Arrivals: Sendable, Equatable {
    /// Exponential inter-arrival times with this rate (per second).
    case poisson(ratePerSecond: Double)
    /// One arrival every interval.
    case fixed(Duration)
    /// Inter-arrival times from a distribution.
    case distribution(Distribution)

    var interArrival: Distribution {
        switch self {
        case .poisson(let rate): return .exponential(mean: .seconds(double: 1 / rate))
        case .fixed(let interval): return .constant(interval)
        case .distribution(let distribution): return distribution
        }
    }
}

/// An open-loop source of one kind of op.
public struct OpenLoopSource: Sendable {
    public var name: String
    public var op: GenericOp
    public var arrivals: Arrivals
    /// When the first inter-arrival time starts.
    public var start: Duration
    /// Stop after this many arrivals (nil: no count limit).
    public var count: Int?
    /// Stop at this time (nil: no time limit; one of `count`/`until` is required).
    public var until: Duration?
    public var wait: Bool

    public init(name: String, op: GenericOp, arrivals: Arrivals, start: Duration = .zero, count: Int?,
                until: Duration?, wait: Bool = false) {
        self.name = name
        self.op = op
        self.arrivals = arrivals
        self.start = start
        self.count = count
        self.until = until
        self.wait = wait
    }
}

/// An instance that exists when the run starts.
public struct ExistingInstance: Sendable {
    public var instance: InstanceID
    public var node: NodeID
    public var interfaces: [NetworkID]

    public init(instance: InstanceID, node: NodeID, interfaces: [NetworkID]) {
        self.instance = instance
        self.node = node
        self.interfaces = interfaces
    }
}

/// Everything a run replays.
public struct Workload: Sendable {
    /// Networks that exist (created, meshed on the network node) when the run starts.
    public var networks: [NetworkID]
    /// Routed addresses per network (maintain reconciles one `route_address` per route).
    public var routes: [NetworkID: Int] = [:]
    public var instances: [ExistingInstance]
    public var events: [ScheduledAction]
    public var sources: [OpenLoopSource]
    /// Event logs replayed op by op (`trace:` sources).
    public var traces: [TraceReplay] = []

    public init(networks: [NetworkID] = [], instances: [ExistingInstance] = [], events: [ScheduledAction] = [],
                sources: [OpenLoopSource] = []) {
        self.networks = networks
        self.instances = instances
        self.events = events
        self.sources = sources
    }
}
