import Sim

/// One op of an event log, created again at its recorded time (a `trace:` source,
/// docs/eventlog.md).
public struct ReplayedOp: Sendable {
    /// Creation time, from the start of the run.
    public var at: Duration
    public var type: OperationType
    public var tasks: [TaskName]
    public var queue: QueueName
    public var networkID: NetworkID?
    public var nodeID: NodeID?
    public var instanceID: InstanceID?
    /// The execution seconds the log measured (its last execution's), if it has them; the
    /// tasks' profiles are drawn from otherwise.
    public var measured: Duration?

    public init(at: Duration, type: OperationType, tasks: [TaskName], queue: QueueName, networkID: NetworkID? = nil,
                nodeID: NodeID? = nil, instanceID: InstanceID? = nil, measured: Duration? = nil) {
        self.at = at
        self.type = type
        self.tasks = tasks
        self.queue = queue
        self.networkID = networkID
        self.nodeID = nodeID
        self.instanceID = instanceID
        self.measured = measured
    }
}

/// The ops of one event log, in creation order (equal times keep the log's order).
///
/// What a replay keeps of each op: its type, tasks, queue (so priority and target), target
/// columns, creation time and measured execution time. What it cannot keep: `depends_on` and
/// `runs_after` (the eventlog does not record them), per-op parameters, and who waited for the
/// op. A replayed op's handler enqueues nothing (the ops it enqueued are in the log).
public struct TraceReplay: Sendable {
    public var name: String
    public var ops: [ReplayedOp]

    public init(name: String, ops: [ReplayedOp]) {
        self.name = name
        self.ops = ops
    }
}

extension ClusterAPI {
    /// Creates each op of `trace` at its time, through `create_and_enqueue` like any caller
    /// (so step 5 may answer it with a pending op). Service times not measured are drawn from
    /// the op's stream, keyed by its position in the trace (the same in every variant).
    func replay(_ trace: TraceReplay, random: RandomStream) async {
        let connection = context.connect("trace/\(trace.name)")
        do {
            for (index, op) in trace.ops.enumerated() {
                try await context.runtime.sleep(until: op.at)
                _ = try await context.createAndEnqueue(OpSpec(
                    type: op.type, tasks: op.tasks, priority: op.queue.priority, queue: op.queue,
                    networkID: op.networkID, nodeID: op.nodeID, instanceID: op.instanceID,
                    randomKey: random.derived(UInt64(index)).key, measuredService: op.measured),
                    caller: "\(connection.name)/\(index)", on: connection)
            }
        } catch is CancellationError {
            // Cancelled at the end of the run.
        } catch {
            context.recorder.daemonFailed(connection.name, error)
        }
    }
}
