import DequeModule
import Sim

/// The `inline` era (before the network-facade refactor): network work ran in the caller, on
/// the network node, under a per-network lock. There is no op and no queue row; what a report
/// calls its wait is the time spent waiting for the lock (queue `inline-network-lock`).
actor InlineNetworkLocks {
    nonisolated let runtime: any Runtime
    /// The run's executor, kept: it is asked on every hop to this actor.
    nonisolated let unownedExecutor: UnownedSerialExecutor

    /// One network's lock: held or not, and who waits for it, first come first served.
    private struct NetworkLock {
        var held = false
        var waiters = Deque<any WakeSignal>()
    }
    private var locks: [NetworkID: NetworkLock] = [:]

    init(runtime: any Runtime) {
        unownedExecutor = runtime.actorExecutor
        self.runtime = runtime
    }

    /// Returns once the caller holds `network`'s lock.
    func acquire(_ network: NetworkID) async throws {
        if locks[network, default: NetworkLock()].held {
            let turn = runtime.makeSignal()
            locks[network, default: NetworkLock()].waiters.append(turn)
            try await turn.wait()  // ownership is handed over by the releaser
        } else {
            locks[network, default: NetworkLock()].held = true
        }
    }

    /// Hands the lock to the next waiter, or frees it.
    func release(_ network: NetworkID) {
        if let next = locks[network]?.waiters.popFirst() {
            next.notifyAll()
        } else {
            locks[network]?.held = false
        }
    }
}

extension ClusterContext {
    /// Takes the network's lock (one round trip), runs the tasks, releases it (one round trip).
    nonisolated(nonsending)
    func runInline(_ spec: OpSpec, on connection: any QueueConnection) async throws {
        let requested = runtime.now
        let network = spec.networkID ?? NetworkID("")
        try await connection.writeLock()
        try await inlineLocks.acquire(network)
        recorder.inlineStarted(spec, waited: runtime.now - requested)
        for (index, task) in spec.tasks.enumerated() {
            var random = RandomStream(parent: spec.randomKey, index: UInt64(index))
            try await runtime.sleep(for: config.profile(task).service.sample(&random))
        }
        try await connection.writeLock()
        await inlineLocks.release(network)
        recorder.inlineFinished(spec, after: runtime.now - requested)
    }
}
