import Sim

/// The cluster's shape: which nodes exist, which is the network node, their CPUs.
public struct Topology: Sendable {
    public var nodes: [NodeID]
    public var networkNode: NodeID
    /// CPUs per node, indexed like `nodes`.
    public var cpus: [Int]

    public init(nodeCount: Int, networkNode: NodeID, cpus: [Int]) {
        self.nodes = (0..<nodeCount).map { NodeID(index: $0) }
        self.networkNode = networkNode
        self.cpus = cpus
    }

    public func cpus(of node: NodeID) -> Int { cpus[node.index] }
}

/// Which of the plan's steps are on, and the dequeue each daemon uses (step 2 or its
/// override): the config's, read once per run rather than once per claim.
struct StepFlags: Sendable {
    let visibility, workerFold, enqueueDedup, callerAudit: Bool
    /// ``ModelConfig/netDequeue`` and ``ModelConfig/queuesDequeue``.
    let netDequeue, queuesDequeue: DequeueMode

    init(_ config: ModelConfig) {
        let steps = config.steps
        visibility = steps.contains(.visibility)
        workerFold = steps.contains(.workerFold)
        enqueueDedup = steps.contains(.enqueueDedup)
        callerAudit = steps.contains(.callerAudit)
        netDequeue = config.netDequeue
        queuesDequeue = config.queuesDequeue
    }
}

/// What every model actor of one run shares. A class, though nothing in it changes: a worker
/// takes it for every item it runs (``ItemProcessor``), and a copy of a struct of a dozen
/// references (the configuration's dictionaries among them) was a dozen retains and as many
/// releases, and its bytes in every async frame holding it.
public final class ClusterContext: Sendable {
    /// The clock, tasks and signals: the simulator's kernel, or live mode's wall clock.
    public let runtime: any Runtime
    public let config: ModelConfig
    let coalescing: CoalescingTable
    /// The plan's steps, as flags read on every item (a set lookup hashes; a flag does not).
    let steps: StepFlags
    public let topology: Topology
    /// The database the daemons and producers talk to (through ``QueueConnection``s).
    public let store: any QueueStore
    public let recorder: RunRecorder
    /// The run's root random stream; every stream is derived from it by name.
    public let random: RandomStream
    /// `inline` era: the per-network locks network work runs under.
    let inlineLocks: InlineNetworkLocks
    /// Waiters poll tick by tick instead of skipping the polls that cannot see a change
    /// (``RunOptions/naivePolling``).
    let naivePolling: Bool
    /// Every insert wakes every daemon that claims from its queue, as before the first-reader
    /// wake-ups (``RunOptions/wakesEveryPoller``).
    let wakesEveryPoller: Bool
    /// Every woken daemon of ideal mode runs, none answered in place
    /// (``RunOptions/runsEveryWakeUp``).
    let runsEveryWakeUp: Bool

    public init(runtime: any Runtime, config: ModelConfig, topology: Topology, store: any QueueStore,
                recorder: RunRecorder, random: RandomStream, naivePolling: Bool = false,
                wakesEveryPoller: Bool = false, runsEveryWakeUp: Bool = false) {
        self.runtime = runtime
        self.config = config
        self.coalescing = CoalescingTable(config)
        self.steps = StepFlags(config)
        self.topology = topology
        self.store = store
        self.recorder = recorder
        self.random = random
        inlineLocks = InlineNetworkLocks(runtime: runtime)
        self.naivePolling = naivePolling
        self.wakesEveryPoller = wakesEveryPoller
        self.runsEveryWakeUp = runsEveryWakeUp
    }

    /// A new database connection whose round trips come from the stream `db/<name>`.
    func connect(_ name: String) -> any QueueConnection {
        connect(name, kind: recorder.loadKind(of: name))
    }

    /// The same, of a kind the caller looked up once (``RunRecorder/loadKind(of:)`` of any
    /// name of that kind).
    func connect(_ name: String, kind: RunRecorder.LoadKind) -> any QueueConnection {
        // The stream `db/<name>`, its name hashed without building that string (FNV-1a goes
        // byte by byte: the same key as `random.derived("db/" + name)`).
        var stream = StreamName()
        stream.append("db/")
        stream.append(name)
        return store.connect(name, kind: kind, random: RandomStream(parent: random.key, name: stream))
    }
}
