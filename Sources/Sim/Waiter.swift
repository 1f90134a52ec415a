import Synchronization

/// One suspended task waiting on the kernel: for a deadline, a signal, or both.
///
/// Whoever resumes it first wins; later attempts do nothing. The reason tells the task why.
///
/// Its whole state is one atomic byte, so that installing the continuation and resuming it
/// cost one compare-and-exchange each (a lock around the state and a flag beside it were
/// four atomic operations per wait, and every wait makes one waiter). The continuation itself
/// is a plain field: the installer writes it before publishing `waiting` (release), and only
/// the resumer that moves `waiting` to `finished` (acquire) reads it.
final class Waiter: @unchecked Sendable {
    enum Reason: UInt8, Sendable { case deadline, signalled, cancelled }

    /// The states of ``state``: no continuation yet, a continuation waiting, resumed. A waiter
    /// resumed before its continuation was installed holds `resumedBeforeInstall + reason`.
    private static let empty: UInt8 = 0, waiting: UInt8 = 1, finished: UInt8 = 2, resumedBeforeInstall: UInt8 = 3

    /// Set when the waiter is parked without a deadline (``SimExecutor/park(_:)``), under the
    /// executor's lock (which orders every access: unchecked for exclusivity); a timed waiter
    /// needs none (its timer entry has a sequence number).
    @exclusivity(unchecked) var id: UInt64 = 0
    /// Where the executor keeps it while it is parked (-1 when it is not), ordered as `id`.
    @exclusivity(unchecked) var slot = -1
    /// Whether a timer entry refers to this waiter (else it is parked without deadline). Set
    /// when made or reused (``reuse(timed:)``), before anyone else can see the waiter.
    @exclusivity(unchecked) private(set) var timed: Bool
    private let state = Atomic<UInt8>(Waiter.empty)
    /// Unchecked for exclusivity: each access is already ordered by ``state`` (above), and a
    /// checked one costs a call into the runtime on every wait.
    @exclusivity(unchecked) private var continuation: UnsafeContinuation<Reason, Never>?
    /// Instead of a continuation, the suspended task's own job (``SuspensionGate``), the
    /// executor to give it to when resumed, and the reason it was resumed, which the task
    /// reads when it runs again (``jobReason``). Ordered by ``state`` as the continuation is.
    @exclusivity(unchecked) private var job: UnownedJob?
    @exclusivity(unchecked) private var resumeOn: Unmanaged<SimExecutor>?
    @exclusivity(unchecked) private(set) var jobReason: Reason = .deadline
    /// The wait slot of the task that waits in this waiter through the gate, set before it
    /// suspends and kept while the slot reuses the waiter (each slot's waiters are its
    /// own): the loop runs the task's job with it as ``SimExecutor/runningSlot``.
    /// Unretained: the task's binding holds the slot while the task lives.
    @exclusivity(unchecked) var taskSlot: Unmanaged<WaitSlot>?
    /// Instead of a task to resume, a task to start (``Simulation/spawn(_:role:)``),
    /// called with the reason (`cancelled`: the run ended first). Ordered by ``state`` as the
    /// continuation is.
    @exclusivity(unchecked) private var start: ((Reason) -> Void)?
    /// The signal the waiter's task waits on, if that signal answers its wake-ups
    /// (``Signal/wakeCheck``): a wake-up (signalled, or at the deadline) then goes to the
    /// executor's queue as a check, not as the task's job (``notify(_:on:)``, ``wakeAtDeadline()``).
    /// Set by the signal when the waiter registers, before anyone can resume it, and kept while
    /// the check has the task wait again; unretained, as the waiting task's own code holds the
    /// signal.
    @exclusivity(unchecked) var checkedBy: Unmanaged<Signal>?
    /// Whether the wait is a sleep a wake-up check made for the task (``WakeVerdict/sleep(until:)``):
    /// the waiter is then on no signal's list, and its wake-up need not be taken off one.
    @exclusivity(unchecked) private(set) var sleepsForCheck = false
    /// Set when the task's cancellation reaches the waiter (``WaitSlot/cancel()``), so that a
    /// wake-up already queued as a check resumes the task rather than answering for it.
    private let cancelRequested = Atomic<Bool>(false)

    init(timed: Bool) {
        self.timed = timed
    }

    /// Makes a resumed waiter that nothing else refers to new again, for its task's next wait:
    /// one object per task rather than one per wait. Its only caller,
    /// ``WaitSlot/reusedWaiter(timed:_:)``, checks both conditions first.
    func reuse(timed: Bool) {
        self.timed = timed
        id = 0
        slot = -1
        continuation = nil
        job = nil
        resumeOn = nil
        checkedBy = nil
        sleepsForCheck = false
        // `cancelRequested` needs no reset: a cancelled task's waits end before they take a
        // waiter (``SimExecutor/suspend(deadline:observer:register:)``), and its slot let go
        // of the one it held. Nor does `start`: a resumed waiter's was let go of as it ran
        // (``deliver(_:)``).
        state.store(Waiter.empty, ordering: .relaxed)
    }

    /// True once someone has resumed (or pre-empted) this waiter.
    var isResumed: Bool { state.load(ordering: .relaxed) >= Waiter.finished }

    /// Installs the continuation; if the waiter was already resumed (for example cancelled
    /// before it suspended), the continuation is resumed at once.
    func install(_ continuation: UnsafeContinuation<Reason, Never>) {
        self.continuation = continuation
        publishInstall()
    }

    /// Installs the suspended task's job (``SuspensionGate``), to be given to `executor` when
    /// the waiter is resumed; if it was already resumed, the job is given to it at once.
    func install(_ job: UnownedJob, on executor: Unmanaged<SimExecutor>) {
        self.job = job
        resumeOn = executor
        publishInstall()
    }

    /// Installs what starts a task when the waiter is resumed, in place of a suspended task.
    func install(start: @escaping (Reason) -> Void) {
        self.start = start
        publishInstall()
    }

    /// Publishes what an `install` just stored (`waiting`); if the waiter was resumed before,
    /// delivers the reason it was resumed with now.
    private func publishInstall() {
        let (installed, found) = state.compareExchange(expected: Waiter.empty, desired: Waiter.waiting,
                                                       ordering: .acquiringAndReleasing)
        if installed { return }
        precondition(found >= Waiter.resumedBeforeInstall, "a waiter is installed once")
        deliver(Reason(rawValue: found - Waiter.resumedBeforeInstall)!)
    }

    /// Wakes the installed task with `reason`: its job goes to its executor with the reason
    /// beside it, or its continuation is resumed, or the task to start is started (each
    /// enqueues one job).
    private func deliver(_ reason: Reason) {
        if job != nil {
            jobReason = reason
            resumeOn!._withUnsafeGuaranteedRef { $0.append(resumed: self) }
        } else if let continuation {
            continuation.resume(returning: reason)
        } else {
            // Let go of it as it runs: the started task's slot holds this waiter, and the
            // closure holds the slot.
            let start = self.start!
            self.start = nil
            start(reason)
        }
    }

    /// The suspended task's job, for the executor answering a wake-up of this waiter (a
    /// ``SuspensionGate`` wait: a check is queued only for such a waiter).
    var suspendedJob: UnownedJob { job! }

    /// The task was cancelled (see ``cancelRequested``).
    func noteCancellation() { cancelRequested.store(true, ordering: .relaxed) }

    /// Whether the task's cancellation reached the waiter.
    var isCancellationRequested: Bool { cancelRequested.load(ordering: .relaxed) }

    /// Makes the waiter wait again for the same task, its job kept: the executor answered a
    /// wake-up for the task (``SimExecutor/answer(_:)``), which waits as if it had run
    /// up to its next wait (a sleep if `sleeping`, else a wait on its signal). Only for a
    /// waiter no timer entry refers to any more (a stale entry would see it waiting, and
    /// fire); the caller gives it its timer or parks it next.
    func waitAgain(timed: Bool, sleeping: Bool) {
        precondition(job != nil, "only a waiter holding its task's job waits again")
        self.timed = timed
        sleepsForCheck = sleeping
        id = 0
        slot = -1
        state.store(Waiter.waiting, ordering: .releasing)
    }

    /// Resumes the task with `reason` unless someone already did. Returns whether it won.
    /// The continuation is resumed after the state changed: resuming enqueues a job.
    @discardableResult
    func resume(_ reason: Reason) -> Bool {
        switch win(reason) {
        case .lost:
            return false
        case .beforeInstall:
            return true
        case .whileWaiting:
            deliver(reason)
            return true
        }
    }

    /// A notify's wake-up of `waiter` (``Signal/notifyAll()``), given the reference the
    /// signal's list held (`+1`) and, if it won, the executor's ``SimExecutor/forget(_:)`` of
    /// the wait. A waiter whose signal checks its wake-ups (``checkedBy``) and that holds its
    /// task's job goes to the executor's queue as a check (``SimExecutor/answer(_:)``), the
    /// wait forgotten in the same turn of the executor's lock (a notify of ideal mode wakes
    /// some 50 daemons: a turn less each), the list's reference handed to the queue (a
    /// reference count given back and taken again on each of those wake-ups, before); any
    /// other is delivered as ``resume(_:)`` delivers it, and the reference let go of.
    static func notify(_ waiter: Unmanaged<Waiter>, on executor: SimExecutor) {
        let queued = waiter._withUnsafeGuaranteedRef { $0.notify(on: executor, holding: waiter) }
        if !queued { waiter.release() }
    }

    /// ``notify(_:on:)`` on this waiter, `reference` its own: whether the reference went to
    /// the executor's queue with a check.
    private func notify(on executor: SimExecutor, holding reference: Unmanaged<Waiter>) -> Bool {
        switch win(.signalled) {
        case .lost:
            return false
        case .beforeInstall:
            executor.forget(self)
            return false
        case .whileWaiting:
            guard checkedBy != nil, job != nil else {
                deliver(.signalled)
                executor.forget(self)
                return false
            }
            assert(resumeOn?.toOpaque() == Unmanaged.passUnretained(executor).toOpaque(),
                   "a checked waiter resumes on its signal's executor")
            jobReason = .signalled
            executor.forgetAndQueueCheck(self, holding: reference)
            return true
        }
    }

    /// What a timer's wake-up of this waiter leaves the executor's loop to do
    /// (``wakeAtDeadline()``).
    enum DeadlineWakeUp {
        /// Nothing: the waiter was resumed before, or its task had not suspended yet.
        case none
        /// Run the suspended task's job (``SuspensionGate``).
        case job(UnownedJob)
        /// Answer the wake-up (``SimExecutor/answer(_:)``): the waiter's signal checks it.
        case check
        /// Resume the continuation or start the task: ``deliverDeadline()``, outside the
        /// executor's lock (each enqueues its job through the executor).
        case deliver
    }

    /// A timer's wake-up with ``Reason/deadline``, as ``notify(_:on:)`` makes a notify's, except
    /// that a job or a check is handed back rather than queued: the executor's loop, which
    /// fires timers only when its queue is empty, takes it as its next step in the same turn
    /// of its lock. No callback: safe under the executor's lock.
    @inline(__always)
    func wakeAtDeadline() -> DeadlineWakeUp {
        guard win(.deadline) == .whileWaiting else { return .none }
        guard let job else { return .deliver }
        jobReason = .deadline
        return checkedBy == nil ? .job(job) : .check
    }

    /// Delivers a timer's wake-up that ``wakeAtDeadline()`` left to deliver.
    func deliverDeadline() {
        deliver(.deadline)
    }

    /// How a resumption's attempt to move the state to resumed went.
    private enum Win {
        /// Someone resumed the waiter first.
        case lost
        /// Before the task suspended: `install` delivers the reason.
        case beforeInstall
        /// While the task waited: the winner delivers the wake-up.
        case whileWaiting
    }

    /// Moves the state to resumed with `reason` unless someone already did: one
    /// compare-and-exchange (in a loop only if an install raced with it).
    @inline(__always)
    private func win(_ reason: Reason) -> Win {
        var current = state.load(ordering: .acquiring)
        while true {
            let next: UInt8
            switch current {
            case Waiter.empty: next = Waiter.resumedBeforeInstall + reason.rawValue
            case Waiter.waiting: next = Waiter.finished
            default: return .lost
            }
            let (won, found) = state.compareExchange(expected: current, desired: next, ordering: .acquiringAndReleasing)
            if won { return current == Waiter.waiting ? .whileWaiting : .beforeInstall }
            current = found
        }
    }
}
