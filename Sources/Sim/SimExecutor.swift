import DequeModule
import HeapModule
import Synchronization

/// The one executor every model actor and every model task runs on.
///
/// ## Ordering contract
///
/// Everything the simulator guarantees about order is stated here, once:
///
/// 1. **Jobs run one at a time, in FIFO order of enqueueing.** A job is a slice of a task
///    between two suspension points. Nothing runs in parallel, so model code never races.
/// 2. **Time does not move while a job is runnable.** The virtual clock advances only when
///    the job queue is empty.
/// 3. **When the job queue is empty, exactly one timer fires**: the one with the earliest
///    deadline; among timers with equal deadlines, the one scheduled first. The clock jumps
///    to its deadline (never backwards), the sleeping task is resumed, and rule 1 applies to
///    everything that follows until the queue is empty again. Only then does the next timer,
///    even one at the same instant, fire.
/// 4. A sleep of zero (or until an instant already passed) is a timer at `now`: it lets every
///    runnable job and every earlier-scheduled timer at `now` go first.
/// 5. Cancelling a sleeping task resumes it at once (as a job, at the current instant) with
///    `CancellationError`; its timer is discarded without moving the clock.
///
/// With these rules a run is a pure function of its inputs: no wall clock, thread timing or
/// hash-table order enters the sequence of jobs.
///
/// ## Threads
///
/// ``run(until:)`` drives the loop on the calling thread. Jobs may be enqueued from other
/// threads (for example the first job of a task started from outside), so the queues are
/// guarded by a mutex, but only the running thread executes jobs.
public final class SimExecutor: SerialExecutor, TaskExecutor, @unchecked Sendable {
    /// Why ``run(until:)`` returned.
    public enum Stop: Sendable, Equatable {
        /// Someone asked the loop to stop (the last foreground task ended, or ``requestStop()``).
        case requested
        /// Nothing runnable and no timer pending: the system is quiescent.
        case quiescent
        /// The next timer lies beyond the time limit; the clock was set to the limit.
        case timeLimit
    }

    struct TimerEntry: Comparable {
        var deadline: Duration
        var sequence: UInt64
        var waiter: Waiter

        static func < (lhs: TimerEntry, rhs: TimerEntry) -> Bool {
            lhs.deadline != rhs.deadline ? lhs.deadline < rhs.deadline : lhs.sequence < rhs.sequence
        }
        static func == (lhs: TimerEntry, rhs: TimerEntry) -> Bool {
            lhs.deadline == rhs.deadline && lhs.sequence == rhs.sequence
        }
    }

    struct State {
        var jobs = Deque<UnownedJob>()
        var timers = Heap<TimerEntry>()
        /// Waiters with no deadline (a ``Signal`` wait), kept so shutdown can release them.
        var untimed: [UInt64: Waiter] = [:]
        /// Timer entries whose waiter was already resumed; compacted when they dominate.
        var staleTimers = 0
        var now: Duration = .zero
        var sequence: UInt64 = 0
        var jobsRun: UInt64 = 0
        var stopRequested = false
    }

    let state = Mutex(State())

    public init() {}

    // MARK: Executor conformance

    /// Both faces (serial executor of every model actor, task executor preferred by every
    /// model task) enqueue here. Every job runs isolated to this executor with this executor
    /// as its task executor, so a task that resumes inside an actor continues in the same job.
    public func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        state.withLock { $0.jobs.append(unowned) }
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    public func asUnownedTaskExecutor() -> UnownedTaskExecutor {
        UnownedTaskExecutor(ordinary: self)
    }


    // MARK: Clock and counters

    /// Virtual time since the start of the run.
    public var now: Duration { state.withLock { $0.now } }

    /// Jobs executed so far.
    public var jobsRun: UInt64 { state.withLock { $0.jobsRun } }

    /// Asks the loop to return after the job that is running now.
    public func requestStop() {
        state.withLock { $0.stopRequested = true }
    }

    // MARK: Timers

    /// Registers `waiter` to be woken at `deadline` (clamped to `now`).
    func schedule(_ waiter: Waiter, at deadline: Duration) {
        state.withLock { state in
            state.sequence &+= 1
            let when = max(deadline, state.now)
            state.timers.insert(TimerEntry(deadline: when, sequence: state.sequence, waiter: waiter))
        }
    }

    /// Registers a waiter with no deadline; only a signal or shutdown wakes it.
    func park(_ waiter: Waiter) {
        state.withLock { $0.untimed[waiter.id] = waiter }
    }

    /// Called when a waiter is resumed by something other than its timer.
    func forget(_ waiter: Waiter) {
        state.withLock { state in
            if waiter.timed {
                state.staleTimers += 1
                if state.staleTimers > 1024 && state.staleTimers * 2 > state.timers.count {
                    state.timers = Heap(state.timers.unordered.filter { !$0.waiter.isResumed })
                    state.staleTimers = 0
                }
            } else {
                state.untimed[waiter.id] = nil
            }
        }
    }

    func nextWaiterID() -> UInt64 {
        state.withLock { state in
            state.sequence &+= 1
            return state.sequence
        }
    }

    // MARK: The loop

    /// Runs jobs and fires timers under the ordering contract until a stop condition holds.
    ///
    /// - Parameter limit: virtual instant the clock may not pass; `nil` for none.
    public func run(until limit: Duration?) -> Stop {
        while true {
            enum Step { case job(UnownedJob), fire(Waiter), stop(Stop) }
            let step: Step = state.withLock { state in
                if state.stopRequested { return .stop(.requested) }
                if let job = state.jobs.popFirst() {
                    state.jobsRun &+= 1
                    return .job(job)
                }
                while let first = state.timers.min {
                    if first.waiter.isResumed {
                        _ = state.timers.removeMin()
                        state.staleTimers = max(0, state.staleTimers - 1)
                        continue
                    }
                    if let limit, first.deadline > limit {
                        state.now = max(state.now, limit)
                        return .stop(.timeLimit)
                    }
                    let entry = state.timers.removeMin()
                    state.now = entry.deadline
                    return .fire(entry.waiter)
                }
                return .stop(.quiescent)
            }
            switch step {
            case .job(let job):
                execute(job)
            case .fire(let waiter):
                waiter.resume(.deadline)
            case .stop(let reason):
                return reason
            }
        }
    }

    private func execute(_ job: UnownedJob) {
        job.runSynchronously(isolatedTo: asUnownedSerialExecutor(), taskExecutor: asUnownedTaskExecutor())
    }

    /// Wakes every pending waiter with ``Waiter/Reason/cancelled`` and runs jobs until none is
    /// left, so that tasks blocked in kernel waits unwind instead of leaking.
    public func drainForShutdown() {
        let waiters: [Waiter] = state.withLock { state in
            state.stopRequested = false
            var all = state.timers.unordered.map(\.waiter)
            all.append(contentsOf: state.untimed.keys.sorted().compactMap { state.untimed[$0] })
            state.timers = Heap()
            state.untimed = [:]
            state.staleTimers = 0
            return all
        }
        for waiter in waiters { waiter.resume(.cancelled) }
        while let job = state.withLock({ $0.jobs.popFirst() }) {
            execute(job)
            // A task unwinding may register a new wait; release it too.
            let late: [Waiter] = state.withLock { state in
                var all = state.timers.unordered.map(\.waiter)
                all.append(contentsOf: state.untimed.keys.sorted().compactMap { state.untimed[$0] })
                state.timers = Heap()
                state.untimed = [:]
                return all
            }
            for waiter in late { waiter.resume(.cancelled) }
        }
    }
}

/// One suspended task waiting on the kernel: for a deadline, a signal, or both.
///
/// Whoever resumes it first wins; later attempts do nothing. The reason tells the task why.
final class Waiter: @unchecked Sendable {
    enum Reason: Sendable { case deadline, signalled, cancelled }

    private enum Slot {
        case empty
        case waiting(UnsafeContinuation<Reason, Never>)
        case resumedBeforeInstall(Reason)
        case finished
    }

    let id: UInt64
    /// Whether a timer entry refers to this waiter (else it is parked without deadline).
    let timed: Bool
    private let slot = Mutex<Slot>(.empty)
    private let resumed = Atomic<Bool>(false)

    init(id: UInt64, timed: Bool) {
        self.id = id
        self.timed = timed
    }

    /// True once someone has resumed (or pre-empted) this waiter.
    var isResumed: Bool { resumed.load(ordering: .relaxed) }

    /// Installs the continuation; if the waiter was already resumed (for example cancelled
    /// before it suspended), the continuation is resumed at once.
    func install(_ continuation: UnsafeContinuation<Reason, Never>) {
        let pending: Reason? = slot.withLock { slot in
            switch slot {
            case .empty:
                slot = .waiting(continuation)
                return nil
            case .resumedBeforeInstall(let reason):
                slot = .finished
                return reason
            case .waiting, .finished:
                preconditionFailure("a waiter is installed once")
            }
        }
        if let pending { continuation.resume(returning: pending) }
    }

    /// Resumes the task with `reason` unless someone already did. Returns whether it won.
    /// The continuation is resumed outside every lock: resuming enqueues a job.
    @discardableResult
    func resume(_ reason: Reason) -> Bool {
        let continuation: UnsafeContinuation<Reason, Never>?? = slot.withLock { slot in
            switch slot {
            case .empty:
                slot = .resumedBeforeInstall(reason)
                return .some(nil)
            case .waiting(let continuation):
                slot = .finished
                return .some(continuation)
            case .resumedBeforeInstall, .finished:
                return nil
            }
        }
        guard let won = continuation else { return false }
        resumed.store(true, ordering: .relaxed)
        won?.resume(returning: reason)
        return true
    }
}
