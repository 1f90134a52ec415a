import Sim

/// What a task changes on the cluster: which facts make two runs of it the same change. Two
/// requests whose effects are equal can stand in for each other; two whose effects differ
/// cannot, whatever their coalescing keys say (see ``Effect``).
public enum TaskScope: String, CaseIterable, Sendable {
    /// One cluster-wide change: any run of the task makes it.
    case cluster
    /// A network's state (dnsmasq of a network on the network node).
    case network
    /// A network's state on the node that runs the task (a mesh, a vxlan interface).
    case node
    /// One instance (its start or delete).
    case instance
    /// The op's own parameters (a floating IP's instance and address, a lease's MAC) as well
    /// as its network, node and instance: the narrowest scope, the default for tasks a
    /// scenario defines.
    case parameters
}

/// An op a task's handler enqueues while it runs, and whether it waits for it (model file,
/// section 8: a handler that enqueues and then waits holds its worker while it waits).
public struct TaskEnqueue: Sendable, Equatable {
    /// Where the enqueued op's queue is.
    public enum Target: Sendable, Equatable {
        case networkNode, any
        case node(NodeID)
        /// The node running the handler.
        case thisNode
    }

    /// How many ops: one, one per distinct network of the handler op's instance, or one per
    /// interface of it.
    public enum Fanout: String, CaseIterable, Sendable {
        case once
        case eachNetwork = "each_network"
        case eachInterface = "each_interface"
    }

    public var type: OperationType
    public var task: TaskName
    public var priority: Priority
    public var target: Target
    public var family: QueueFamily
    public var fanout: Fanout
    /// Wait for it (polling like an API handler, up to `API_ASYNC_WAIT`) before the handler
    /// goes on.
    public var wait: Bool

    public init(type: OperationType, task: TaskName, priority: Priority, target: Target,
                family: QueueFamily = .clusterOperation, fanout: Fanout = .once, wait: Bool = true) {
        self.type = type
        self.task = task
        self.priority = priority
        self.target = target
        self.family = family
        self.fanout = fanout
        self.wait = wait
    }
}

/// How one task behaves when it runs: its service time, how often it fails transiently, how
/// much disk time it keeps busy on its node, what it changes, and what it enqueues.
public struct TaskProfile: Sendable, Equatable {
    public var service: Distribution
    /// Probability that one attempt fails transiently (then retried per `retryDelays`).
    public var failureProbability: Double
    /// Disk busy time this task adds to its node, in milliseconds per second, while running.
    public var diskMillisecondsPerSecond: Double
    public var scope: TaskScope
    /// Ops the handler enqueues after its own work, in order (and waits for, where asked).
    public var enqueues: [TaskEnqueue]

    public init(service: Distribution, failureProbability: Double = 0, diskMillisecondsPerSecond: Double = 0,
                scope: TaskScope = .parameters, enqueues: [TaskEnqueue] = []) {
        self.service = service
        self.failureProbability = failureProbability
        self.diskMillisecondsPerSecond = diskMillisecondsPerSecond
        self.scope = scope
        self.enqueues = enqueues
    }
}

/// Default task profiles. Sources: model file sections 8 and 10, and the seed plan.
public enum DefaultTaskProfiles {
    public static let all: [TaskName: TaskProfile] = [
        // "the actual dnsmasq restart is sub-second" (seed plan); net_op executions of
        // 2.3-2.5 s were seen in one incident (model file 10): median 0.6 s, p99 2.5 s.
        .updateDnsmasq: TaskProfile(service: .lognormal(median: .milliseconds(600), p99: .milliseconds(2500)),
                                    scope: .network),
        .removeDnsmasq: TaskProfile(service: .lognormal(median: .milliseconds(300), p99: .milliseconds(1500)),
                                    scope: .network),
        // Mesh reconciliation: a few bridge/vxlan commands on one node. Assumed 0.3 s median.
        // It configures the mesh on the node it runs on (model file 8).
        .ensureMesh: TaskProfile(service: .lognormal(median: .milliseconds(300), p99: .milliseconds(1500)),
                                 scope: .node),
        // Network creation on the network node: namespace, bridge, NAT, dnsmasq start.
        // Assumed ~2.4 s, as the net_op incident figures (model file 10).
        .createNetworkNode: TaskProfile(service: .lognormal(median: .milliseconds(2400), p99: .seconds(6)),
                                        scope: .network),
        .deleteNetworkNode: TaskProfile(service: .lognormal(median: .milliseconds(1500), p99: .seconds(5)),
                                        scope: .network),
        // create_vxlan_interface is create-if-missing: cheap. Assumed 0.2 s median.
        .createHypervisor: TaskProfile(service: .lognormal(median: .milliseconds(200), p99: .seconds(1)), scope: .node),
        .deleteHypervisor: TaskProfile(service: .lognormal(median: .milliseconds(200), p99: .seconds(1)), scope: .node),
        // Floating IPs carry their instance and address: two on one network are different
        // changes (model file 8).
        .addFloatingIP: TaskProfile(service: .lognormal(median: .milliseconds(400), p99: .seconds(2)),
                                    scope: .parameters),
        .removeFloatingIP: TaskProfile(service: .lognormal(median: .milliseconds(400), p99: .seconds(2)),
                                       scope: .parameters),
        // A lease removal carries its MAC.
        .removeDHCPLease: TaskProfile(service: .lognormal(median: .milliseconds(100), p99: .milliseconds(500)),
                                      scope: .parameters),
        // maintain's per-route reconciliation (net_ip_op, model file 8b). Assumed as a lease removal.
        .routeAddress: TaskProfile(service: .lognormal(median: .milliseconds(100), p99: .milliseconds(500)),
                                   scope: .parameters),
        // node_inst_netdesc_op execution median 1.71 s (model file 10); p99 assumed 6 s.
        .instanceStart: TaskProfile(service: .lognormal(median: .milliseconds(1710), p99: .seconds(6)),
                                    scope: .instance),
        // node_inst_op about 0.1 s (model file 10). While it runs, the delete handler removes
        // each interface's DHCP lease and updates dnsmasq once per distinct network, and waits
        // for them (model file 8: assumed to wait, holding its sf-queues slot).
        .instanceDelete: TaskProfile(service: .lognormal(median: .milliseconds(100), p99: .milliseconds(500)),
                                     scope: .instance, enqueues: [
            TaskEnqueue(type: .netMacaddrIPOp, task: .removeDHCPLease, priority: .userFacing, target: .networkNode,
                        fanout: .eachInterface),
            TaskEnqueue(type: .netOp, task: .updateDnsmasq, priority: .userFacingHighIO, target: .networkNode,
                        fanout: .eachNetwork),
        ]),
    ]
}

extension DefaultTaskProfiles {
    /// Where each default task's service time comes from (`simrun model show`).
    public static let sources: [TaskName: Provenance] = [
        .updateDnsmasq: .sourced("§10 (sub-second restart; 2.3-2.5 s net_op executions seen): median 0.6 s, p99 2.5 s"),
        .removeDnsmasq: .assumed("half a dnsmasq update"),
        .ensureMesh: .assumed("a few bridge and vxlan commands: median 0.3 s"),
        .createNetworkNode: .sourced("§10 (net_op 2.3-2.5 s in one incident): median 2.4 s"),
        .deleteNetworkNode: .assumed("a little less than creation"),
        .createHypervisor: .assumed("create-if-missing is cheap: median 0.2 s"),
        .deleteHypervisor: .assumed("as creation"),
        .addFloatingIP: .assumed("a few iptables rules: median 0.4 s"),
        .removeFloatingIP: .assumed("as adding"),
        .removeDHCPLease: .assumed("one dnsmasq lease command: median 0.1 s"),
        .routeAddress: .assumed("as a lease removal"),
        .instanceStart: .sourced("§10 (median 1.71 s); p99 6 s assumed"),
        .instanceDelete: .sourced("§10 (node_inst_op about 0.1 s)"),
    ]
}

