import Sim

/// The per-item algorithm both dispatchers share (model file, sections 4, 5 and 7).
///
/// For one claimed work item: load the op; drop the row if the op is gone or already
/// terminal (this is how folded siblings disappear); check `depends_on` and `runs_after`,
/// deferring, erroring or aborting as they say; then execute: step 1's event, the
/// `executing` write (refused for an op that became terminal since its claim: then nothing
/// runs), step 4's fold, each task for its service time (a task's handler may then enqueue
/// ops and wait for them), the `complete` write, the `execution duration` event, and the row
/// deleted. Every event write costs time here, on the dispatcher's path.
struct ItemProcessor {
    enum Outcome: Equatable {
        case missing, skippedTerminal, deferred, errored, aborted, notQueued, retried, completed
    }

    /// Index of the per-attempt stream of the fold's cost (past any task's index).
    private static let foldStream: UInt64 = 0x1_0001

    private enum DependencyVerdict { case proceed, deferral, fail(OpState, reason: String) }

    let context: ClusterContext
    /// The node this dispatcher runs on (where node-scoped tasks take effect).
    let node: NodeID
    /// `claimed_by`, also the daemon's name in traces (e.g. `node-1/sf-net`).
    let claimer: String
    /// sf-queues runs an item only if its op is still `queued` after the dependency checks.
    let requireQueuedAfterDependencies: Bool
    let memory: DeferMemory
    /// Called with a task's disk load (ms/s) when it starts, and negated when it ends.
    var diskLoad: ((Double) -> Void)?

    /// Processes `item` through `connection`. On the simulated database the whole path is
    /// compiled for ``SimConnection`` (the functions below are generic over the connection):
    /// through `any QueueConnection` every statement was a call through the protocol, with
    /// its own async frame, that the compiler could not inline.
    nonisolated(nonsending)
    func process(_ item: WorkItem, on connection: any QueueConnection) async throws -> Outcome {
        if let simulated = connection as? SimConnection { return try await process(item, through: simulated) }
        return try await process(item, through: connection)
    }

    /// Inlined into the call above (see ``SimConnection`` on async frames).
    @inline(__always)
    nonisolated(nonsending)
    private func process<Connection: QueueConnection>(_ item: WorkItem, through connection: Connection)
        async throws -> Outcome {
        let recorder = context.recorder
        guard let op = try await connection.loadOp(item.opID) else {
            recorder.skipped(nil, opID: item.opID, by: claimer, reason: "Operation not found")
            try await connection.deleteRow(item.rowID)
            return .missing
        }
        let events = EventWriter(opKey: op.spec.randomKey, retries: item.retries, deferCount: item.deferCount,
                                 connection: connection, costs: context.config.events)
        if op.state.isTerminal {
            return try await dropTerminal(op, item: item, reason: "skipping op already in terminal state",
                                          events: events, on: connection)
        }
        // An op without dependencies (most) skips the async call and its frame.
        let verdict = op.spec.dependsOn.isEmpty && op.spec.runsAfter.isEmpty
            ? .proceed : try await checkDependencies(of: op, on: connection)
        switch verdict {
        case .proceed:
            break
        case .deferral:
            let delay = memory.nextDelay(for: item)
            recorder.deferred(op, delay: delay, item: item, by: claimer)
            try await connection.reschedule(item, after: delay, isDefer: true)
            if events.costs(.deferred) { try await events.write(.deferred) }
            return .deferred
        case .fail(let state, let reason):
            recorder.dependencyFailed(op, reason: reason, by: claimer)
            if events.costs(.dependencyFailed) { try await events.write(.dependencyFailed) }
            try await connection.setState(op.id, state)
            try await connection.deleteRow(item.rowID)
            memory.forget(op.id)
            return state == .abort ? .aborted : .errored
        }
        if requireQueuedAfterDependencies {
            guard let fresh = try await connection.loadOp(op.id), fresh.state == .queued else {
                recorder.skipped(op, opID: op.id, by: claimer, reason: "op no longer queued after dependency checks")
                try await connection.deleteRow(item.rowID)
                memory.forget(op.id)
                return .notQueued
            }
        }
        return try await execute(op, item: item, events: events, on: connection)
    }

    /// The terminal-state branch: the op ended already (folded, or errored elsewhere), so its
    /// row is dropped and nothing runs.
    nonisolated(nonsending)
    private func dropTerminal<Connection: QueueConnection>(_ op: OpRecord, item: WorkItem, reason: String,
                                                           events: EventWriter<Connection>, on connection: Connection)
        async throws -> Outcome {
        context.recorder.skipped(op, opID: op.id, by: claimer, reason: reason)
        // An `executing` write is refused only for an op folded since its claim (complete).
        context.recorder.skippedTerminal(op, state: op.state.isTerminal ? op.state : .complete, by: claimer)
        if events.costs(.skipped) { try await events.write(.skipped) }
        try await connection.deleteRow(item.rowID)
        memory.forget(op.id)
        return .skippedTerminal
    }

    /// `depends_on`: missing → error, error/abort/deleted → abort, not terminal → defer.
    /// `runs_after`: missing → warning and go on, not terminal → defer. One read per dependency.
    nonisolated(nonsending)
    private func checkDependencies<Connection: QueueConnection>(of op: OpRecord, on connection: Connection)
        async throws -> DependencyVerdict {
        for dependency in op.spec.dependsOn {
            guard let record = try await connection.loadOp(dependency) else {
                return .fail(.error, reason: "cancelling operation, as dependency \(dependency) does not exist")
            }
            switch record.state {
            case .error, .abort, .deleted:
                return .fail(.abort, reason: "aborting operation, as dependency \(dependency) is \(record.state.rawValue)")
            case .queued, .executing: return .deferral
            case .complete: continue
            }
        }
        for dependency in op.spec.runsAfter {
            guard let record = try await connection.loadOp(dependency) else { continue }
            if !record.state.isTerminal { return .deferral }
        }
        return .proceed
    }

    /// From the moment the worker is about to call `op.execute()`: that instant is the
    /// `start_time` of step 1's `wait_seconds`.
    nonisolated(nonsending)
    private func execute<Connection: QueueConnection>(_ op: OpRecord, item: WorkItem,
                                                      events: EventWriter<Connection>, on connection: Connection)
        async throws -> Outcome {
        let recorder = context.recorder
        let config = context.config
        // Every draw of this op comes from its own stream: what the op is and which attempt
        // this is decide them, never who runs it or when (common random numbers).
        let attempt = RandomStream.childKey(of: op.spec.randomKey, index: UInt64(item.retries) << 16 | 0xFFFF)
        let pickup = context.runtime.now
        recorder.pickedUp(op, item: item, by: claimer)
        if context.steps.visibility && config.startedEvent == .separate {
            if events.costs(.started) { try await events.write(.started) }
        }
        guard try await connection.setState(op.id, .executing) else {
            // Folded (or ended otherwise) between its claim and this write: the state machine
            // refuses `complete → executing`, and the item is dropped like a terminal one.
            return try await dropTerminal(op, item: item, reason: "refused executing: op already terminal",
                                          events: events, on: connection)
        }
        recorder.started(op, item: item, pickup: pickup)
        var failed = false
        // The tasks kept by step 4, or all of them (without building their list for every item).
        let kept = folds(op)
            ? try await coalesce(op, item: item, attempt: attempt, events: events, on: connection) : nil
        let workStarted = context.runtime.now
        // A replayed op's measured execution time goes to its first task (docs/eventlog.md).
        var measured = op.spec.measuredService
        for position in 0..<(kept?.count ?? op.spec.tasks.count) where !failed {
            let (index, task) = kept?[position] ?? (position, op.spec.tasks[position])
            failed = try await !run(task, at: index, of: op, item: item, measured: measured, on: connection)
            if measured != nil { measured = .zero }
        }
        memory.forget(op.id)
        func ended(_ state: OpState) {
            recorder.executionEnded(op, item: item, pickup: pickup, workStarted: workStarted, state: state,
                                    by: claimer)
        }
        if failed {
            if item.retries < config.retryDelays.count {
                ended(.queued)
                recorder.retried(op, by: claimer)
                try await connection.reschedule(item, after: config.retryDelays[item.retries], isDefer: false)
                return .retried
            }
            ended(.error)
            try await connection.writeErrorReport(op.id)
            try await connection.setState(op.id, .error)
            try await connection.deleteRow(item.rowID)
            return .errored
        }
        ended(.complete)
        try await connection.setState(op.id, .complete)
        if events.costs(.executionDuration) { try await events.write(.executionDuration) }
        try await connection.deleteRow(item.rowID)
        return .completed
    }

    /// Runs one task of `op` (its `index` in the op keys its service time), then the ops its
    /// handler enqueues; false if it failed.
    /// A `measured` time (a replayed op's) replaces the profile's draw, and the handler does
    /// not enqueue again: the ops it enqueued are in the log and are replayed themselves.
    nonisolated(nonsending)
    private func run<Connection: QueueConnection>(_ task: TaskName, at index: Int, of op: OpRecord, item: WorkItem,
                                                  measured: Duration?, on connection: Connection) async throws -> Bool {
        let profile = context.config.profile(task)
        var random = RandomStream(parent: op.spec.randomKey, index: UInt64(item.retries) << 16 | UInt64(index))
        let service = measured ?? profile.service.sample(&random)
        let fails = profile.failureProbability > 0 && random.nextUnit() < profile.failureProbability
        diskLoad?(profile.diskMillisecondsPerSecond)
        defer { diskLoad?(-profile.diskMillisecondsPerSecond) }
        let startedAt = context.runtime.now
        try await context.runtime.sleep(for: service)
        if fails { return false }
        context.recorder.finishedTask(op, task: task, by: claimer, on: node, startedAt: startedAt,
                                      scope: context.coalescing.tasks.contains(task) ? profile.scope : nil)
        if !profile.enqueues.isEmpty && measured == nil {
            try await HandlerEnqueues(context: context, node: node, claimer: claimer)
                .run(profile.enqueues, for: task, at: index, of: op, retries: item.retries, on: connection)
        }
        return true
    }

    /// Whether step 4 applies to `op`: the step is on and a rule covers one of its tasks.
    /// Asked before ``coalesce(_:item:attempt:events:on:)``, so an op nothing can fold costs
    /// neither that async call nor the list of its type's rules.
    private func folds(_ op: OpRecord) -> Bool {
        context.steps.workerFold && op.spec.tasks.contains { context.coalescing.hasRule(for: op.spec, task: $0) }
    }

    /// Step 4 (model file 9), inside `execute` after the `executing` write, for an op it
    /// applies to (``folds(_:)``): (a) drop repeated coalescible tasks from this op; (b) fold
    /// every queued single-task sibling of the same type and key whose task is one of ours, in
    /// one transaction (skipped, with phase 11's set, when the claim that brought this item
    /// returned only it). Returns the tasks to run with their positions in the op (which key
    /// their service times).
    nonisolated(nonsending)
    private func coalesce<Connection: QueueConnection>(_ op: OpRecord, item: WorkItem, attempt: UInt64,
                                                       events: EventWriter<Connection>, on connection: Connection)
        async throws -> [(Int, TaskName)] {
        let rules = context.coalescing.rules(for: op.spec)
        let all = Array(op.spec.tasks.enumerated())
        var seen: Set<TaskName> = []
        let kept = all.filter { entry in
            !rules.contains { $0.tasks.contains(entry.element) } || seen.insert(entry.element).inserted
        }
        if kept.count < all.count { context.recorder.droppedTasks(all.count - kept.count, from: op) }
        if context.coalescing.set.foldSkipsBatchOfOne && item.claimBatch == 1 {
            context.recorder.foldSkippedForBatchOfOne()
            return kept.map { ($0.offset, $0.element) }
        }
        var random = RandomStream(parent: attempt, index: Self.foldStream)
        for rule in rules {
            let ours = kept.map(\.element).filter(rule.tasks.contains)
            guard !ours.isEmpty, let key = CoalescingKey(op.spec, columns: rule.key) else { continue }
            let folded = try await connection.fold(into: op.id, type: op.spec.type, tasks: ours, key: key,
                                                   columns: rule.key, cost: context.config.foldCost.sample(&random))
            context.recorder.foldRan()
            if !folded.isEmpty {
                context.recorder.folded(folded, into: op, scope: { context.config.profile($0).scope }, by: claimer)
                if events.costs(.coalesced) { try await events.write(.coalesced) }
            }
        }
        return kept.map { ($0.offset, $0.element) }
    }
}

/// Writes the eventlog events of one item's processing, each from its own stream of the op
/// and attempt, so variants that write the same event see the same cost. It keeps what names
/// the streams, not the op and the item (copying those retains their strings and arrays, on
/// every item whether or not an event costs anything).
struct EventWriter<Connection: QueueConnection> {
    /// The op's random key (``OpSpec/randomKey``).
    let opKey: UInt64
    /// The item's ``WorkItem/retries`` and ``WorkItem/deferCount``.
    let retries: Int
    let deferCount: Int
    let connection: Connection
    let costs: EventCosts

    /// Whether writing `kind` costs anything (callers skip the call when not: an async call
    /// that does nothing still costs a frame on every item).
    func costs(_ kind: EventKind) -> Bool { !costs.isFree(kind) }

    nonisolated(nonsending)
    func write(_ kind: EventKind) async throws {
        // "event/<kind>/<retries>/<defers>", from the kind's prefix hashed once.
        var name = kind.streamPrefix
        name.append(retries)
        name.append("/")
        name.append(deferCount)
        var random = RandomStream(parent: opKey, name: name)
        try await connection.writeEvent(kind, costs: costs, random: &random)
    }
}
