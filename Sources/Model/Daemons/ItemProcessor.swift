import Sim

/// The per-item algorithm both dispatchers share (model file, sections 4, 5 and 7).
///
/// For one claimed work item: load the op; drop the row if the op is gone or already
/// terminal (this is how folded siblings disappear); check `depends_on` and `runs_after`,
/// deferring, erroring or aborting as they say; then execute: record `started executing`,
/// write `executing`, run each task for its service time, write `complete`, delete the row.
struct ItemProcessor {
    enum Outcome: Equatable {
        case missing, skippedTerminal, deferred, errored, aborted, notQueued, retried, completed
    }

    /// Indices of the per-attempt streams of the event write and the fold (past any task's).
    private static let startedEventStream: UInt64 = 0x1_0000
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

    func process(_ item: WorkItem, on connection: SimConnection,
                 isolation: isolated (any Actor)? = #isolation) async throws -> Outcome {
        let recorder = context.recorder
        guard let op = try await connection.loadOp(item.opID) else {
            recorder.skipped(nil, opID: item.opID, by: claimer, reason: "Operation not found")
            try await connection.deleteRow(item.rowID)
            return .missing
        }
        if op.state.isTerminal {
            recorder.skipped(op, opID: op.id, by: claimer, reason: "skipping op already in terminal state")
            try await connection.deleteRow(item.rowID)
            memory.forget(op.id)
            return .skippedTerminal
        }
        switch try await checkDependencies(of: op, on: connection) {
        case .proceed:
            break
        case .deferral:
            let delay = memory.nextDelay(for: item)
            recorder.deferred(op, delay: delay, by: claimer)
            try await connection.reschedule(item, after: delay, isDefer: true)
            return .deferred
        case .fail(let state, let reason):
            recorder.dependencyFailed(op, reason: reason, by: claimer)
            try await connection.setState(op.id, state)
            try await connection.deleteRow(item.rowID)
            memory.forget(op.id)
            return state == .abort ? .aborted : .errored
        }
        if requireQueuedAfterDependencies {
            guard let fresh = try await connection.loadOp(op.id), fresh.state == .queued else {
                recorder.skipped(op, opID: op.id, by: claimer, reason: "op no longer queued after dependency checks")
                try await connection.deleteRow(item.rowID)
                return .notQueued
            }
        }
        return try await execute(op, item: item, on: connection)
    }

    /// `depends_on`: missing → error, error/abort/deleted → abort, not terminal → defer.
    /// `runs_after`: missing → warning and go on, not terminal → defer. One read per dependency.
    private func checkDependencies(of op: OpRecord, on connection: SimConnection,
                                   isolation: isolated (any Actor)? = #isolation) async throws -> DependencyVerdict {
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

    private func execute(_ op: OpRecord, item: WorkItem, on connection: SimConnection,
                         isolation: isolated (any Actor)? = #isolation) async throws -> Outcome {
        let recorder = context.recorder
        // Every draw of this op comes from its own stream: what the op is and which attempt
        // this is decide them, never who runs it or when (common random numbers).
        let attempt = RandomStream(key: op.spec.randomKey).derived(UInt64(item.retries) << 16 | 0xFFFF)
        recorder.started(op, item: item, by: claimer)
        if context.steps.visibility {
            var random = attempt.derived(Self.startedEventStream)
            let cost = context.config.startedEventCost.sample(&random)
            if cost > .zero { try await context.clock.sleep(for: cost) }
        }
        try await connection.setState(op.id, .executing)
        var failed = false
        if let kept = try await coalesce(op, attempt: attempt, on: connection) {
            for (index, task) in kept where !failed {
                failed = try await !run(task, at: index, of: op, item: item)
            }
        } else {
            for (index, task) in op.spec.tasks.enumerated() where !failed {
                failed = try await !run(task, at: index, of: op, item: item)
            }
        }
        memory.forget(op.id)
        if failed {
            if item.retries < context.config.retryDelays.count {
                recorder.retried(op, by: claimer)
                try await connection.reschedule(item, after: context.config.retryDelays[item.retries], isDefer: false)
                return .retried
            }
            try await connection.writeErrorReport(op.id)
            try await connection.setState(op.id, .error)
            try await connection.deleteRow(item.rowID)
            return .errored
        }
        try await connection.setState(op.id, .complete)
        try await connection.deleteRow(item.rowID)
        return .completed
    }

    /// Runs one task of `op` (its `index` in the op keys its service time); false if it failed.
    private func run(_ task: TaskName, at index: Int, of op: OpRecord, item: WorkItem,
                     isolation: isolated (any Actor)? = #isolation) async throws -> Bool {
        let profile = context.config.profile(task)
        var random = RandomStream(key: op.spec.randomKey).derived(UInt64(item.retries) << 16 | UInt64(index))
        let service = profile.service.sample(&random)
        let fails = profile.failureProbability > 0 && random.nextUnit() < profile.failureProbability
        diskLoad?(profile.diskMillisecondsPerSecond)
        defer { diskLoad?(-profile.diskMillisecondsPerSecond) }
        let startedAt = context.clock.now
        try await context.clock.sleep(for: service)
        if fails { return false }
        let recorder = context.recorder
        recorder.finishedTask(op, task: task, by: claimer, on: node, startedAt: startedAt,
                              coalescible: recorder.checkingEffects
                                  && context.coalescing.rule(for: op.spec.type, task: task) != nil)
        return true
    }

    /// Step 4 (model file 9), inside `execute` after the `executing` write: (a) drop repeated
    /// coalescible tasks from this op; (b) fold every queued single-task sibling of the same
    /// type and key whose task is one of ours, in one transaction. Returns the tasks to run
    /// with their positions in the op (which key their service times), or nil for all of them.
    private func coalesce(_ op: OpRecord, attempt: RandomStream, on connection: SimConnection,
                          isolation: isolated (any Actor)? = #isolation) async throws -> [(Int, TaskName)]? {
        guard context.steps.workerFold else { return nil }
        let rules = context.coalescing.rules(for: op.spec.type)
        guard op.spec.tasks.contains(where: { task in rules.contains { $0.tasks.contains(task) } }) else { return nil }
        let all = Array(op.spec.tasks.enumerated())
        var seen: Set<TaskName> = []
        let kept = all.filter { entry in
            !rules.contains { $0.tasks.contains(entry.element) } || seen.insert(entry.element).inserted
        }
        if kept.count < all.count { context.recorder.droppedTasks(all.count - kept.count, from: op) }
        var random = attempt.derived(Self.foldStream)
        for rule in rules {
            let ours = kept.map(\.element).filter(rule.tasks.contains)
            guard !ours.isEmpty, let key = CoalescingKey(op.spec, columns: rule.key) else { continue }
            let folded = try await connection.fold(into: op.id, type: op.spec.type, tasks: ours, key: key,
                                                   columns: rule.key, cost: context.config.foldCost.sample(&random))
            if !folded.isEmpty { context.recorder.folded(folded, into: op, by: claimer) }
        }
        return kept.map { ($0.offset, $0.element) }
    }
}
