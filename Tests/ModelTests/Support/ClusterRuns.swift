import Model
import Sim

/// Shorthands for tests that run a whole cluster through the public `ClusterRun` API.
enum Cluster {
    /// Runs `workload` with tracing on.
    static func run(_ config: ModelConfig, nodes: Int = 1, networkNode: Int = 0, cpus: Int = 4,
                    workload: Workload, seed: UInt64 = 1, limit: Duration? = .seconds(100_000),
                    tracing: Bool = true, naivePolling: Bool = false) -> RunResult {
        var options = RunOptions(seed: seed, timeLimit: limit, tracing: tracing)
        options.naivePolling = naivePolling
        return ClusterRun.run(config: config,
                              topology: Topology(nodeCount: nodes, networkNode: NodeID(index: networkNode),
                                                 cpus: Array(repeating: cpus, count: nodes)),
                              workload: workload, options: options)
    }
}

extension ScheduledAction {
    /// A scripted op of one task on `queue` at `seconds`; `wait` makes its caller an API
    /// handler waiting for it.
    static func op(at seconds: Double, _ label: String, _ task: TaskName, on queue: QueueName,
                   type: OperationType = .nodeInstOp, wait: Bool = false) -> ScheduledAction {
        ScheduledAction(at: .seconds(double: seconds),
                        action: .op(GenericOp(type: type, tasks: [task], priority: queue.priority,
                                              target: queue.target, family: queue.family), wait: wait),
                        label: label)
    }

    static func action(at seconds: Double, _ label: String, _ action: WorkloadAction) -> ScheduledAction {
        ScheduledAction(at: .seconds(double: seconds), action: action, label: label)
    }
}

extension RunResult {
    /// Trace events of one kind for ops whose task label is `task`, in order.
    func events(_ kind: TraceEvent.Kind, task: TaskName) -> [TraceEvent] {
        trace.filter { $0.kind == kind && $0.task == task.name }
    }

    /// Trace events of `op`, optionally of one kind.
    func events(_ op: OpID, _ kind: TraceEvent.Kind? = nil) -> [TraceEvent] {
        trace.of(op, kind)
    }

    /// The op whose only task is `task` (the first such op created).
    func op(_ task: TaskName) -> OpID? {
        trace.first { $0.kind == .created && $0.task == task.name }?.op
    }
}
