import DequeModule
import Sim

/// The `inline` era (before the network-facade refactor): network work ran in the caller, on
/// the network node, under a per-network lock. There is no op and no queue row; what a report
/// calls its wait is the time spent waiting for the lock (queue `inline-network-lock`).
extension ClusterAPI {
    /// One network's lock: held or not, and who waits for it, first come first served.
    struct NetworkLock {
        var held = false
        var waiters = Deque<Signal>()
    }

    /// maintain's reconciliation in the `inline` era: each op's work, in turn, in the caller.
    func reconcileInline(_ specs: [OpSpec], caller: String) async throws {
        let connection = context.connect(caller + "/inline")
        for spec in specs { try await runInline(spec, on: connection) }
    }

    /// Takes the network's lock (one round trip), runs the tasks, releases it (one round trip).
    func runInline(_ spec: OpSpec, on connection: SimConnection) async throws {
        let requested = context.clock.now
        let network = spec.networkID ?? NetworkID("")
        try await connection.writeLock()
        if networkLocks[network, default: NetworkLock()].held {
            let turn = Signal(executor: context.sim.executor)
            networkLocks[network, default: NetworkLock()].waiters.append(turn)
            try await turn.wait()  // ownership is handed over by the releaser
        } else {
            networkLocks[network, default: NetworkLock()].held = true
        }
        context.recorder.inlineStarted(spec, waited: requested.duration(to: context.clock.now))
        for (index, task) in spec.tasks.enumerated() {
            var random = RandomStream(key: spec.randomKey).derived(UInt64(index))
            try await context.clock.sleep(for: context.config.profile(task).service.sample(&random))
        }
        try await connection.writeLock()
        if let next = networkLocks[network]?.waiters.popFirst() {
            next.notifyAll()
        } else {
            networkLocks[network]?.held = false
        }
        context.recorder.inlineFinished(spec, after: requested.duration(to: context.clock.now))
    }
}
