import Sim

/// Starts and stops each node's daemons: sf-net, sf-queues and the maintain loop.
actor NodeControl {
    nonisolated let context: ClusterContext
    /// The run's executor, kept: it is asked on every hop to this actor.
    nonisolated let unownedExecutor: UnownedSerialExecutor

    private struct Running {
        var tasks: [SimTask]
        var pool: QueueWorkerPool
    }
    private var running: [NodeID: Running] = [:]
    /// How many times each node has started (names daemons' streams, so a restarted daemon
    /// draws fresh round-trip times).
    private var generation: [NodeID: Int] = [:]
    /// Set once the API exists; maintain passes go through it. Weak: the API holds this
    /// actor, and a strong reference back made a cycle that kept each run's whole world (its
    /// database, recorder and kernel) alive after the run, 1.6 MB a run of
    /// `six-instance-starts.yaml`, without end in a sweep or a bench. The API is alive
    /// whenever a node starts: the run's setup and the API's own events start them.
    private weak var api: ClusterAPI?

    init(context: ClusterContext) {
        unownedExecutor = context.runtime.actorExecutor
        self.context = context
    }

    func attach(_ api: ClusterAPI) {
        self.api = api
    }

    /// Starts the node's daemons unless they run already.
    func start(_ node: NodeID) {
        guard running[node] == nil, let api else { return }
        let runtime = context.runtime
        let net = NetDispatcher(context: context, node: node)
        let pool = QueueWorkerPool(context: context, node: node)
        let maintainer = Maintainer(context: context, node: node, api: api,
                                    generation: generation[node, default: 0])
        generation[node, default: 0] += 1
        running[node] = Running(tasks: [
            runtime.spawn("\(node)/sf-net", role: .daemon) { await net.run() },
            runtime.spawn("\(node)/sf-queues", role: .daemon) { await pool.run() },
            runtime.spawn("\(node)/maintain", role: .daemon) { await maintainer.run() },
        ], pool: pool)
    }

    /// Stops the node's daemons at once, as a crash would: claimed rows stay claimed.
    func stop(_ node: NodeID) async {
        guard let entry = running.removeValue(forKey: node) else { return }
        for task in entry.tasks { task.cancel() }
        await entry.pool.stopWorkers()
    }
}
