/// A condition tasks wait on, optionally with a deadline.
///
/// ``notifyAll()`` wakes every task waiting now, in the order they began to wait; their
/// resumptions are enqueued as jobs at the current instant (ordering contract, rule 1).
/// A notify with nobody waiting is not remembered: check your condition, then wait.
public final class Signal: @unchecked Sendable {
    private let executor: SimExecutor
    /// Guarded by the executor's state (``LoopOwned/guarding(_:)``): read and written
    /// directly on the loop's thread, under the state's lock on any other. A mutex of the
    /// signal's own was two atomic instructions on every wait and every notify.
    private let waitersStorage: UnsafeMutablePointer<Waiters>

    /// The waiting tasks' waiters in the order they began to wait, in storage the signal
    /// alone owns (``OwnedQueue``: no copy-on-write check on each wait and notify), and an
    /// emptied queue kept for the next notify of several waiters to take them into.
    private struct Waiters: ~Copyable {
        /// Room for a few waiters at first: most signals have one (a daemon's wake-up, an
        /// op's end that one client waits for), and a run can hold one for every request
        /// waiting (64 places were 512 bytes of each waiting instance start's 16 KB).
        var queue = OwnedQueue<Waiter>(capacity: Waiters.initialCapacity)
        var spare: OwnedQueue<Waiter>?
        static let initialCapacity = 4
    }

    /// What a waiting task would do when notified, answered without running it: see
    /// ``WakeCheck``. Nil (the default): every wake-up resumes its task.
    ///
    /// Set by the one task that waits on the signal, on the run's thread, before its waits
    /// (and cleared after them); read there and by the executor's loop on the same thread.
    public var wakeCheck: WakeCheck? {
        get { checkBox?.takeUnretainedValue().check }
        set {
            checkBox?.release()
            checkBox = newValue.map { .passRetained(WakeCheckBox($0)) }
        }
    }

    /// ``wakeCheck``, held in a box this signal holds one reference to: the loop calls it
    /// through the box without retaining it (a closure read from a property is retained for
    /// the call, then released: an atomic pair on every check, about 3 % of the wall time of
    /// a `cluster-day` `ideal-plan` day). Unchecked for exclusivity, as the executor's other
    /// per-wait state.
    @exclusivity(unchecked) nonisolated(unsafe) private(set) var checkBox: Unmanaged<WakeCheckBox>?

    final class WakeCheckBox {
        let check: WakeCheck
        init(_ check: @escaping WakeCheck) { self.check = check }
    }

    public init(executor: SimExecutor) {
        self.executor = executor
        waitersStorage = .allocate(capacity: 1)
        waitersStorage.initialize(to: Waiters())
    }

    deinit {
        checkBox?.release()
        waitersStorage.deinitialize(count: 1)
        waitersStorage.deallocate()
    }

    /// Runs `body` with the waiters, as the executor's state guards them.
    @inline(__always)
    private func withWaiters<Result: ~Copyable>(_ body: (inout Waiters) -> Result) -> Result {
        let storage = waitersStorage
        return executor.state.guarding { body(&storage.pointee) }
    }

    /// Waits until notified or until `deadline` (an observer timer if `observing`: ordering
    /// contract, rule 3). Returns `true` if notified.
    /// Throws `CancellationError` when the task is cancelled. Inlined into its callers (see
    /// ``SimExecutor/suspend(deadline:observer:register:)`` on async frames).
    @discardableResult
    @inline(__always)
    nonisolated(nonsending)
    public func wait(until deadline: SimClock.Instant? = nil, observing: Bool = false) async throws -> Bool {
        var registered: Waiter?
        let reason = await executor.suspend(deadline: deadline?.offset, observer: observing, register: { waiter in
            registered = waiter
            register(waiter)
        })
        if reason != .signalled, let registered { unregister(registered) }
        switch reason {
        case .signalled: return true
        case .deadline: return false
        case .cancelled: throw CancellationError()
        }
    }

    /// Adds `waiter` to those a notify wakes, marked for a check if the signal answers its
    /// wake-ups (``wakeCheck``).
    @inline(__always)
    func register(_ waiter: Waiter) {
        register(retained: .passRetained(waiter))
    }

    /// ``register(_:)`` for the executor answering a wake-up (``SimExecutor/answer(_:)``),
    /// which hands over the reference its check held (`+1`): the signal's list keeps it, with
    /// no reference count taken and given back.
    @inline(__always)
    func register(retained waiter: Unmanaged<Waiter>) {
        if checkBox != nil { waiter._withUnsafeGuaranteedRef { $0.checkedBy = .passUnretained(self) } }
        withWaiters { $0.queue.append(retained: waiter) }
    }

    /// Takes `waiter` out of those a notify wakes, if it is there (its wait ended otherwise).
    func unregister(_ waiter: Waiter) {
        withWaiters { _ = $0.queue.removeFirst { $0 === waiter } }
    }

    /// Wakes every current waiter.
    public func notifyAll() {
        // One lock, whatever the number of waiters. Nobody waiting (an arrival while the
        // server works) costs only the lock. One waiter (a daemon's own wake-up signal, most
        // notifies of a run) is taken out alone, the storage left in place. More are taken
        // whole, the spare emptied queue put in their place (no copy, no allocation).
        let taken = withWaiters { waiters -> TakenWaiters in
            switch waiters.queue.count {
            case 0: return .none
            case 1: return .one(waiters.queue.popFirstRetained()!)
            default:
                var all = waiters.spare.take() ?? OwnedQueue(capacity: Waiters.initialCapacity)
                swap(&all, &waiters.queue)
                return .all(all)
            }
        }
        switch consume taken {
        case .none:
            return
        case .one(let waiter):
            Waiter.notify(waiter, on: executor)
        case .all(var woken):
            while let waiter = woken.popFirstRetained() { Waiter.notify(waiter, on: executor) }
            // The storage, emptied, is kept for the next notify of several: a signal's
            // waiters come and go all run long, and allocating their queue anew after every
            // notify was 0.5 % of a `cluster-day` hour.
            var emptied = Optional(woken)
            withWaiters { waiters in
                if waiters.spare == nil { waiters.spare = emptied.take() }
            }
        }
    }

    /// What ``notifyAll()`` took from the queue under its lock: the list's references, handed
    /// on to each waiter's wake-up (``Waiter/notify(_:on:)``), not retained again.
    private enum TakenWaiters: ~Copyable {
        case none
        case one(Unmanaged<Waiter>)
        case all(OwnedQueue<Waiter>)
    }

    /// Number of tasks waiting now.
    public var waiting: Int { withWaiters { $0.queue.count } }
}

/// What a task waiting on a ``Signal`` would do once woken (notified, or at its deadline) up
/// to its next wait, answered at the place the task's resumption would have run (its turn in
/// the executor's queue), so that the task need not run for a wake-up whose work the answer
/// can do itself.
///
/// The check runs on the run's thread between two jobs, isolated to the simulation's
/// executor: it enters the model's actors on that executor through the ``WakeCheckIsolation``
/// it is given. It either says
/// ``WakeVerdict/resume`` (the task then runs, at once, and must find things as its own
/// resumption would have: whatever the check did is what the task would have done first), or
/// does exactly what the task would have done up to its next wait, in the same order, and
/// says what that wait is: on the same signal (``WakeVerdict/waitAgain(until:)``) or a sleep
/// (``WakeVerdict/sleep(until:)``), whose end is checked in turn. The kernel then makes that
/// wait as the task's own would have been made (its timer or parking, its place among the
/// signal's waiters). Each checked wake-up still counts as the job it stands for
/// (``SimExecutor/jobsRun``, the guards), so a run's job counts are those of the run where
/// every task ran.
///
/// Only a wake-up of a task that suspended through the gate (``SuspensionGate``) is checked,
/// and none while a guard's sample runs (it names the tasks that suspend), once the task is
/// cancelled, or when a notify ended a wait that had a deadline (the timer entry, stale,
/// stays in the heap): those resume their tasks.
public typealias WakeCheck = @Sendable (WakeCheckIsolation) -> WakeVerdict

/// The proof a ``WakeCheck`` holds that it runs isolated to the simulation's executor: made
/// only by the executor's loop for the check's call, between two jobs, on the run's thread,
/// and good for that call only (it is not to be kept).
///
/// `Actor.assumeIsolated` would ask the concurrency runtime, which knows of no job running and
/// so asks the executor (`isIsolatingCurrentContext`) through a dynamic cast and two more
/// calls: about 1,600 instructions a check, more than the check itself.
public struct WakeCheckIsolation: Sendable {
    @usableFromInline let executor: Unmanaged<SimExecutor>

    init(_ executor: SimExecutor) { self.executor = .passUnretained(executor) }

    /// The run's clock, read from the executor (no call through `any Runtime`).
    public var now: Duration { executor._withUnsafeGuaranteedRef { $0.now } }

    /// Runs `body` isolated to `actor` with `argument`, `actor` being on the simulation's
    /// executor (checked: a trap otherwise, as `assumeIsolated`'s). The body captures
    /// nothing (what it needs comes as its argument), so that as an escaping closure it has
    /// no context to allocate: `assumeIsolated`'s way, a non-escaping body made escaping for
    /// the call, allocated its context on every call. Inlinable, so that it is specialised for
    /// the caller's types.
    @inlinable @inline(__always)
    public func enter<A: Actor, Argument, Result>(_ actor: A, with argument: Argument,
                                                  _ body: @escaping (isolated A, Argument) -> Result) -> Result {
        precondition(executor._withUnsafeGuaranteedRef { $0.runsOnThis(actor.unownedExecutor) },
                     "a wake-up check entered an actor of another executor")
        // What `assumeIsolated` does once its check passed: the body called as if it were
        // not isolated, the actor being the isolation the caller proved.
        return unsafeBitCast(body, to: ((A, Argument) -> Result).self)(actor, argument)
    }
}

/// A ``WakeCheck``'s answer.
public enum WakeVerdict: Sendable, Equatable {
    /// The task runs now.
    case resume
    /// The check did what the task would have done, and the task waits again on the same
    /// signal until notified or until the deadline (run time since the start; nil: none).
    case waitAgain(until: Duration?)
    /// The check did what the task would have done, and the task sleeps until the deadline
    /// (an ordinary timer, not on the signal), when the check is asked again.
    case sleep(until: Duration)
}
