import Sim
import Synchronization

/// Ends a run as stuck as soon as no progress is possible any more, instead of letting idle
/// daemons poll up to the time limit.
///
/// It is the kernel's watch (``SimExecutor/Watch``): it runs between instants, runs no job and
/// only reads, so a run it does not end is unchanged, job for job. A run can complete only when
/// every op is terminal. The run is stuck when, at two checks in a row:
///
/// - nothing is scheduled that could change anything: every workload event has started and
///   every source has stopped arriving (a later `node_start` could revive a node);
/// - ops are pending, the same ones both times, and every one of them is *dead*: no running
///   daemon will ever claim it (see ``servesQueue(_:running:)``), or it waits on a dead op
///   (`depends_on` or `runs_after`: it defers forever).
/// - the reaper can no longer rescue anything: a row claimed by a node that then stopped is
///   released (or, at the attempt limit, deleted and its op errored) within
///   `claim_timeout + reaper.interval` of the stop, so after the last `node_stop` that long
///   must have passed. (This model keeps claims in the database, out of the watch's reach, so
///   the watch waits out the reaper's horizon rather than look.)
///
/// Which nodes run follows from the workload alone: every node starts at time zero and
/// `node_stop`/`node_start` events take effect at their time, in time order (file order for
/// equal times, as the kernel runs them). Only ops the recorder tracks count, so the check
/// costs one pass over the pending ops, at most once per ``interval`` of virtual time.
final class ProgressWatcher: Sendable {
    /// How often the watch looks (virtual time). Stuck is declared one to two intervals
    /// after the last op that could run has run.
    static let interval = Duration.seconds(10)

    private let recorder: RunRecorder
    private let config: ModelConfig
    private let topology: Topology
    /// Node stops and starts, in the order they take effect.
    private let nodeEvents: [(at: Duration, node: NodeID, running: Bool)]
    /// The last instant a workload event starts.
    private let lastEventAt: Duration
    /// Whether some source is still arriving.
    private let sourcesArriving: @Sendable () -> Bool
    /// The dead ops seen at the previous checks and when they were first seen (empty: the
    /// last check found progress possible).
    private let previous = Mutex<(ids: [OpID], since: Duration)>(([], .zero))

    init(recorder: RunRecorder, config: ModelConfig, topology: Topology, workload: Workload,
         sourcesArriving: @escaping @Sendable () -> Bool) {
        self.recorder = recorder
        self.sourcesArriving = sourcesArriving
        self.config = config
        self.topology = topology
        var events: [(at: Duration, order: Int, node: NodeID, running: Bool)] = []
        for (order, event) in workload.events.enumerated() {
            switch event.action {
            case .nodeStop(let node): events.append((event.at, order, node, false))
            case .nodeStart(let node): events.append((event.at, order, node, true))
            default: break
            }
        }
        nodeEvents = events.sorted { ($0.at, $0.order) < ($1.at, $1.order) }.map { ($0.at, $0.node, $0.running) }
        lastEventAt = workload.events.map(\.at).max() ?? .zero
    }

    var watch: SimExecutor.Watch {
        SimExecutor.Watch(every: Self.interval) { [self] now in check(now: now) }
    }

    /// Nil while progress is possible; otherwise what every remaining op waits on.
    func check(now: Duration) -> String? {
        guard now >= lastEventAt, !sourcesArriving() else { return forget() }
        let running = runningNodes(at: now)
        // An op on a queue some running daemon claims whose dependencies are none of them
        // pending is not dead (a dead op is pending), so not every op is: the answer below,
        // without copying every pending op (which made a long backlog cost its size at every
        // check).
        if recorder.hasUnblockedPending(on: { servesQueue($0, running: running) }) { return forget() }
        let pending = recorder.pendingOps
        guard !pending.isEmpty else { return forget() }
        var dead: Set<OpID> = []
        // An op executing on a stopped node was cut off: the reaper puts its row back on the
        // same queue, so one rule covers queued and executing ops.
        for op in pending where !servesQueue(op.spec.queue, running: running) { dead.insert(op.id) }
        // Waiting on a dead op is dead too; ops depend on older ops, so repeat until stable.
        var grew = true
        while grew {
            grew = false
            for op in pending where !dead.contains(op.id) {
                if op.spec.dependsOn.contains(where: dead.contains) || op.spec.runsAfter.contains(where: dead.contains) {
                    dead.insert(op.id)
                    grew = true
                }
            }
        }
        guard dead.count == pending.count else { return forget() }
        let ids = pending.map(\.id)
        let since = previous.withLock { previous in
            if previous.ids != ids { previous = (ids, now) }
            return previous.since
        }
        guard now - since >= Self.interval else { return nil }
        if let lastStop = nodeEvents.last(where: { !$0.running && $0.at <= now })?.at,
           now - lastStop < config.claimTimeout + config.reaperInterval + Self.interval {
            return nil
        }
        let stopped = topology.nodes.filter { !running.contains($0) }.map(\.description)
        let shown = pending.prefix(3).map { "\($0.id) \($0.spec.taskLabel) on \($0.spec.queue)" }
        return "no progress possible: \(pending.count) ops wait on queues no running daemon claims"
            + (stopped.isEmpty ? "" : " (stopped: \(stopped.joined(separator: ", ")))")
            + " or on such ops, and nothing scheduled can change that: "
            + shown.joined(separator: "; ") + (pending.count > 3 ? "; ..." : "")
    }

    private func forget() -> String? {
        previous.withLock { $0 = ([], .zero) }
        return nil
    }

    /// The nodes whose daemons run at `now`.
    func runningNodes(at now: Duration) -> Set<NodeID> {
        var running = Set(topology.nodes)
        for event in nodeEvents where event.at <= now {
            if event.running { running.insert(event.node) } else { running.remove(event.node) }
        }
        return running
    }

    /// Mirrors the daemons' claim lists: sf-net claims its node's `network` lanes and, on the
    /// network node, the `networknode` cluster-operation lanes; sf-queues claims its node's
    /// and the `any` cluster-operation lanes, background lanes only while
    /// `busy <= max_workers - reserved_user_slots` can hold (with nothing busy).
    func servesQueue(_ queue: QueueName, running: Set<NodeID>) -> Bool {
        switch (queue.target, queue.family) {
        case (.node(let node), .network):
            return running.contains(node)
        case (.networkNode, .clusterOperation):
            return running.contains(topology.networkNode)
        case (.node(let node), .clusterOperation):
            return running.contains(node) && sfQueuesClaims(queue.priority, on: node)
        case (.any, .clusterOperation):
            return running.contains { sfQueuesClaims(queue.priority, on: $0) }
        case (.networkNode, .network), (.any, .network):
            return false
        }
    }

    private func sfQueuesClaims(_ lane: Priority, on node: NodeID) -> Bool {
        let maxWorkers = config.maxWorkers(cpus: topology.cpus(of: node))
        if config.ideal && maxWorkers < 1 { return false }
        return lane.isUserLane || maxWorkers - Double(config.reservedUserSlots) >= 0
    }
}
