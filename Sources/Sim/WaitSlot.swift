import Synchronization

/// The kernel wait a task started by ``Simulation/spawn(_:role:_:)`` is in, so that
/// cancelling the task resumes the wait at once (ordering contract, rule 5).
///
/// A task-local slot set once per task instead of a cancellation handler installed around
/// every wait: the handler adds and removes a status record on the task under the task's
/// status lock, on every sleep and every signal wait, which was a tenth of the kernel's time.
/// Whoever cancels a spawned task goes through ``SimTask/cancel()`` (or the end of the run),
/// which cancels the task and then resumes the wait the slot holds, exactly when and in the
/// order the handler would have. A wait of a task without a slot (one not started by
/// ``Simulation/spawn(_:role:_:)``) still installs the handler.
final class WaitSlot: Sendable {
    @TaskLocal static var current: WaitSlot?

    private let waiter = Mutex<Waiter?>(nil)
    private let executor: SimExecutor
    /// The ``Task/address`` of the task the slot belongs to (0 until ``own(_:)``). A task
    /// started inside a spawned one inherits its task-locals, and with them this slot: it
    /// must not use it.
    private let owner = Atomic<Int>(0)

    init(executor: SimExecutor) {
        precondition(MemoryLayout<UnsafeCurrentTask>.size == MemoryLayout<Int>.size
                        && MemoryLayout<Task<Void, Never>>.size == MemoryLayout<Int>.size,
                     "UnsafeCurrentTask or Task is no longer a single reference: a task's address needs another way")
        self.executor = executor
    }

    /// Binds the slot to `task`, the one it was made for.
    func own(_ task: Task<Void, Never>) {
        owner.store(task.address, ordering: .relaxed)
    }

    /// Whether the current task is cancelled (`Task.isCancelled`), and its slot if it was
    /// started by ``Simulation/spawn``, from one look at the current task: every kernel wait
    /// asks both, and each look (`withUnsafeCurrentTask`, which `Task.isCancelled` makes too)
    /// is generic, retaining and releasing the task. The task is told by its address (see
    /// ``Task/address``).
    static var currentTask: (isCancelled: Bool, slot: WaitSlot?) {
        let slot = current
        return withUnsafeCurrentTask { task in
            guard let task else { return (false, nil) }
            guard let slot, task.address == slot.owner.load(ordering: .relaxed) else {
                return (task.isCancelled, nil)
            }
            return (task.isCancelled, slot)
        }
    }

    /// The task suspends in `waiter` (called before the continuation can be resumed by
    /// anyone else: jobs run one at a time).
    func hold(_ waiter: Waiter) {
        self.waiter.withLock { $0 = waiter }
    }

    /// Cancels `task` (the slot's) and ends its wait. The resumed wait's job is given to the
    /// global executor, which sends it to the simulator's only from a thread marked as the
    /// simulator's (``GlobalJobRouting``): this one is marked for the call, wherever it runs.
    func cancel(_ task: Task<Void, Never>) {
        GlobalJobRouting.onThread(of: executor) {
            task.cancel()
            cancel()
        }
    }

    /// The task was cancelled: its wait, if it is in one, ends now with `.cancelled`.
    func cancel() {
        guard let held = waiter.withLock({ slot -> Waiter? in
            defer { slot = nil }
            return slot
        }) else { return }
        if held.resume(.cancelled) { executor.forget(held) }
    }
}

// A task's identity in the kernel (its wait slot's owner, its name in the guards' messages):
// the address of its runtime object, never dereferenced. A task's `hashValue` would do, but
// goes through SipHash, and the slot asks on every kernel wait. `Task` and
// `UnsafeCurrentTask` hold nothing but the task's reference (``WaitSlot`` checks their size).
extension Task where Success == Void, Failure == Never {
    var address: Int { unsafeBitCast(self, to: Int.self) }
}

extension UnsafeCurrentTask {
    var address: Int { unsafeBitCast(self, to: Int.self) }
}
