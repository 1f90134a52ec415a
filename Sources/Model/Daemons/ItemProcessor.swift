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

    private enum DependencyVerdict { case proceed, deferral, fail(OpState) }

    let context: ClusterContext
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
        case .fail(let state):
            try await connection.setState(op.id, state)
            try await connection.deleteRow(item.rowID)
            memory.forget(op.id)
            return state == .abort ? .aborted : .errored
        }
        if requireQueuedAfterDependencies {
            guard let fresh = try await connection.loadOp(op.id), fresh.state == .queued else {
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
            guard let record = try await connection.loadOp(dependency) else { return .fail(.error) }
            switch record.state {
            case .error, .abort, .deleted: return .fail(.abort)
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
        recorder.started(op, item: item, by: claimer)
        try await connection.setState(op.id, .executing)
        var failed = false
        for (index, task) in op.spec.tasks.enumerated() {
            let profile = context.config.profile(task)
            // Service times depend on what the op is and which attempt this is, never on who
            // runs it or when (common random numbers across variants).
            var random = RandomStream(key: op.spec.randomKey).derived(UInt64(item.retries) << 16 | UInt64(index))
            let service = profile.service.sample(&random)
            let fails = profile.failureProbability > 0 && random.nextUnit() < profile.failureProbability
            diskLoad?(profile.diskMillisecondsPerSecond)
            defer { diskLoad?(-profile.diskMillisecondsPerSecond) }
            try await context.clock.sleep(for: service)
            if fails {
                failed = true
                break
            }
            recorder.finishedTask(op, task: task, by: claimer)
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
}
