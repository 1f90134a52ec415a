/// How a task spawned by ``Simulation`` suspends in a kernel wait without a continuation.
///
/// A continuation costs the concurrency runtime more than the suspension itself: making it,
/// awaiting it (a dependency record added to the task) and resuming it (the record updated
/// under the task's status lock) were about a sixth of the kernel M/M/1's instructions. A
/// task also suspends when it calls into an actor on another executor: the runtime gives the
/// task to that executor as a job, at once, on the calling thread. The gate is such an actor.
/// Its executor does not run the jobs it is given: it hands each to the waiter the task is
/// about to wait in (``GateExecutor/parking``), and resuming the waiter puts the job on the
/// simulation's queue, where a resumed continuation would have put it (one job per wake-up,
/// in the same order: the same runs, job for job).
///
/// The job runs as a job of the simulation's executor, so the caller's actor, which uses that
/// executor, goes on in the same job once ``SuspensionGate/pass()`` returns. Only a wait whose
/// caller is isolated to an actor on the simulation's executor takes this way
/// (``SimExecutor/suspend(deadline:observer:register:)``); any other keeps its continuation.
final actor SuspensionGate {
    nonisolated let unownedExecutor: UnownedSerialExecutor
    /// Tasks that passed the gate (each suspended once): a statement in ``pass()`` that needs
    /// the actor, so that the compiler keeps the hop to it.
    private var passes: UInt64 = 0

    init(executor: GateExecutor) {
        unownedExecutor = executor.asUnownedSerialExecutor()
    }

    /// Suspends the calling task: its job goes to the waiter set in the gate's executor.
    func pass() {
        passes &+= 1
    }
}

/// The gate's executor (see ``SuspensionGate``). Jobs reach it only through a task calling
/// ``SuspensionGate/pass()``, on the loop's thread, right after that task set ``parking``.
final class GateExecutor: SerialExecutor, @unchecked Sendable {
    /// The waiter the next job is for. Set on the loop's thread just before the hop to the
    /// gate, taken by the enqueue that hop makes, on the same thread: unchecked for
    /// exclusivity, as the executor's other per-wait state. Unretained, as is
    /// ``simulation``: the task's wait slot holds the waiter, and the simulation's executor
    /// owns the gate (a retain and a release on every wait otherwise).
    @exclusivity(unchecked) var parking: Unmanaged<Waiter>?
    /// The simulation's executor, set once when it is made.
    @exclusivity(unchecked) var simulation: Unmanaged<SimExecutor>?
    /// Jobs handed to waiters so far: the waits that suspended through the gate (for tests).
    @exclusivity(unchecked) private(set) var parked: UInt64 = 0

    func enqueue(_ job: consuming ExecutorJob) {
        guard let simulation else { preconditionFailure("the gate's executor is used before its simulation's is made") }
        let job = UnownedJob(job)
        guard let waiter = parking else {
            // Nothing but a kernel wait calls the gate; a job that is not one runs as any job.
            simulation._withUnsafeGuaranteedRef { $0.append(job) }
            return
        }
        parking = nil
        parked &+= 1
        waiter._withUnsafeGuaranteedRef { $0.install(job, on: simulation) }
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }
}
