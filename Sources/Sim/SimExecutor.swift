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
///    even one at the same instant, fire. An *observer* timer (a poll that only looks, see
///    ``SimClock/sleep(until:observing:)``) fires after every ordinary timer of its
///    instant, so what a poll at an instant sees does not depend on when it was scheduled:
///    that is what lets a poller skip the polls that can see nothing new and still see what
///    polling tick by tick would have seen.
/// 4. A sleep of zero (or until an instant already passed) is a timer at `now`: it lets every
///    runnable job and every earlier-scheduled timer at `now` go first.
/// 5. Cancelling a sleeping task resumes it at once (as a job, at the current instant) with
///    `CancellationError`; its timer is discarded without moving the clock.
/// 6. **A watch runs between instants, never inside one.** When the job queue is empty and
///    the next timer lies later than `now`, a ``Guards/watch`` that is due runs on the loop
///    thread before the clock moves: it sees the state every job of the instant left, runs no
///    job (so job counts and order are unchanged) and may end the run. It is due every
///    ``Watch/every`` from zero: when the next timer lies beyond the watch's instant, the clock
///    stops at that instant for the watch alone, so the instants it looks at do not depend on
///    how far the clock jumps.
/// 7. **A checked wake-up is the job it stands for.** A task waiting on a signal with a
///    ``Signal/wakeCheck`` is woken (notified, or at its deadline) as a check at its job's
///    place in the queue: the check does what the task would have done up to its next wait
///    and the kernel makes that wait, or the task runs there and then (``WakeCheck``). Either
///    way it counts as one job, so the order of everything and the job counts are those of
///    the run where the task ran.
/// 8. **A sleep whose wake-up is the next step goes on where it is.** When a task sleeps
///    with no job queued, every other timer later, and no stop, watch or guard due first,
///    rules 1-3 would fire its timer next and run its job with nothing between: the clock
///    moves and the job is counted as then, and the task goes on without suspending
///    (``runsOn(to:_:)``). The order of everything and the job counts are those of rules 1-3.
///
/// ## Guards
///
/// Rules 1-3 let a model stall without ending: tasks that keep waking each other at one
/// instant never let the clock move, and a run can need far more jobs than anyone meant.
/// ``Guards`` bound both: past ``Guards/jobsPerInstant`` jobs without the clock moving, or
/// ``Guards/jobs`` jobs in all, the loop samples the next ``guardSample`` jobs, noting which
/// tasks suspend (by the name ``Simulation/spawn(_:role:_:)`` gave them), and stops naming
/// the most frequent. If the clock moves during an instant's sample, the instant was merely
/// busy: the sample is dropped and the run goes on.
///
/// With these rules a run is a pure function of its inputs: no wall clock, thread timing or
/// hash-table order enters the sequence of jobs.
///
/// ## Threads
///
/// ``run(until:)`` drives the loop on the calling thread. Jobs may be enqueued from other
/// threads (for example the first job of a task started from outside), so the queues are
/// guarded by a lock, which the loop's thread holds while it runs (``LoopOwned``: its own
/// accesses take no atomic instruction; another thread's wait for its turn between two
/// steps), but only the running thread executes jobs. A spawned task's jobs bound
/// for the global executor (its nonisolated code, a resumed kernel wait) reach this executor
/// through ``GlobalJobRouting`` when they are enqueued from the loop's thread (or from a
/// thread starting or cancelling the task), which is where every one of them is enqueued.
public final class SimExecutor: SerialExecutor, TaskExecutor, @unchecked Sendable {
    /// Why ``run(until:)`` returned.
    public enum Stop: Sendable, Equatable {
        /// Someone asked the loop to stop (the last foreground task ended, or ``requestStop()``).
        case requested
        /// Nothing runnable and no timer pending: the system is quiescent.
        case quiescent
        /// The next timer lies beyond the time limit; the clock was set to the limit.
        case timeLimit
        /// More than ``Guards/jobsPerInstant`` jobs ran without the clock moving; the tasks
        /// that suspended most often in the sample after that are named, most frequent first.
        case noProgress(looping: [String])
        /// More than ``Guards/jobs`` jobs ran; the busiest tasks of the sample are named.
        case jobLimit(busiest: [String])
        /// The watch ended the run, for this reason.
        case watch(String)
    }

    /// Bounds on a run beyond its time limit (see "Guards" above). Nil: no bound.
    public struct Guards: Sendable {
        /// Jobs that may run at one instant before the loop looks for a loop.
        public var jobsPerInstant: UInt64?
        /// Jobs the whole run may take.
        public var jobs: UInt64?
        public var watch: Watch?

        public init(jobsPerInstant: UInt64? = nil, jobs: UInt64? = nil, watch: Watch? = nil) {
            self.jobsPerInstant = jobsPerInstant
            self.jobs = jobs
            self.watch = watch
        }
    }

    /// A check run between instants (rule 6), at most once per `every` of virtual time. It
    /// gets the current instant and returns nil to go on, or why the run must end.
    public struct Watch: Sendable {
        public var every: Duration
        public var check: @Sendable (Duration) -> String?

        public init(every: Duration, check: @escaping @Sendable (Duration) -> String?) {
            self.every = every
            self.check = check
        }
    }

    /// Jobs sampled after a guard trips, to name the tasks that loop.
    public static let guardSample: UInt64 = 4096

    struct TimerEntry: Comparable {
        let deadline: Duration
        /// The deadline's attoseconds over 2^30 (about a nanosecond), 0 below zero and the
        /// largest word past it: a word that orders entries as their deadlines do wherever
        /// it differs, compared first. The heap compares entries about 15 times a removal,
        /// and comparing two 128-bit deadlines each time (loads, an equality and a
        /// subtraction with borrow) was about 2 % of an hour of `cluster-day`.
        let key: UInt64
        /// The order among entries of one deadline: the scheduling sequence number, with the
        /// top bit set for an observer, which fires after the ordinary timers of its instant
        /// (rule 3). One word, not a flag and a number (an entry of 40 bytes with the key,
        /// not 48, moved at every level of the heap).
        let order: UInt64
        /// Held retained: one reference per entry, given back when the entry leaves the heap
        /// (``take()``, or released when dropped). Unmanaged keeps the entry trivial, so the
        /// heap's sift-up and sift-down move it without touching a reference count (retaining
        /// and releasing the waiter on every move was about a sixth of a `cluster-day` run).
        let waiter: Unmanaged<Waiter>

        /// The waiter, still held by the entry.
        var peek: Waiter { waiter.takeUnretainedValue() }
        /// The waiter, with the entry's reference (the entry is gone).
        func take() -> Waiter { waiter.takeRetainedValue() }

        init(deadline: Duration, observer: Bool, sequence: UInt64, waiter: Unmanaged<Waiter>) {
            precondition(sequence < 1 << 63, "timer sequence numbers exhausted")
            self.deadline = deadline
            key = Self.key(of: deadline)
            order = observer ? sequence | 1 << 63 : sequence
            self.waiter = waiter
        }

        /// ``key``: never decreasing as the deadline grows, so entries whose keys differ
        /// compare as their keys do.
        static func key(of deadline: Duration) -> UInt64 {
            let scaled = deadline.attoseconds >> 30
            if scaled < 0 { return 0 }
            return scaled > Int128(UInt64.max) ? .max : UInt64(scaled)
        }

        /// By ``key`` first; where the keys are equal, deadlines compare as `Int128`
        /// attoseconds (`Duration`'s own `<` and `==` are calls into the standard library,
        /// not inlined), then by ``order``.
        @inline(__always)
        static func < (lhs: TimerEntry, rhs: TimerEntry) -> Bool {
            if lhs.key != rhs.key { return lhs.key < rhs.key }
            let left = lhs.deadline.attoseconds, right = rhs.deadline.attoseconds
            if left != right { return left < right }
            return lhs.order < rhs.order
        }
        static func == (lhs: TimerEntry, rhs: TimerEntry) -> Bool {
            lhs.deadline.attoseconds == rhs.deadline.attoseconds && lhs.order == rhs.order
        }
    }

    /// An entry of the job queue: a job, or a wake-up to check before its task runs
    /// (``answer(_:)``), holding its waiter retained.
    enum QueuedWork {
        case job(UnownedJob)
        case check(Unmanaged<Waiter>)
        /// A task resumed from a wait through the gate (``SuspensionGate``): its job, run with
        /// its wait slot known (``runningSlot``).
        case resumed(Unmanaged<Waiter>)
    }

    struct State: ~Copyable {
        var jobs = OwnedQueue<QueuedWork>()
        var timers = TimerQueue()
        /// Waiters with no deadline (a ``Signal`` wait), kept so shutdown can release them:
        /// each at its ``Waiter/slot``, and the slots let go of reused. Slots, not a dictionary
        /// by ID: a daemon of ideal mode parks and is woken on every insert into its queues,
        /// and hashing its ID in and out was about 3 % of `cluster-day.yaml`'s `ideal-plan`.
        var untimed = OwnedArray<Waiter?>()
        var freeUntimedSlots = OwnedArray<Int>()
        /// Timer entries whose waiter was already resumed; compacted when they dominate.
        var staleTimers = 0
        var now: Duration = .zero
        var sequence: UInt64 = 0
        var jobsRun: UInt64 = 0
        /// Jobs run since the clock last moved.
        var jobsAtInstant: UInt64 = 0
        var stopRequested = false
        /// When the watch runs next.
        var nextWatch: Duration = .zero
        /// The bounds of the loop running now (nil when none runs), for a sleep that ends
        /// where it is (``runsOn(to:_:)``): it looks at them as the loop would.
        var running: Running?
        /// Sleeps that ended where they were (``runsOn(to:_:)``).
        var sleepsRunOn: UInt64 = 0
        /// A guard tripped: which one, when the sample ends, and the names seen so far.
        /// Set and cleared through ``setSample(_:)``.
        private(set) var sample: Sample?
        /// Whether ``sample`` is set, for the loop's check of each wake-up (``answer(_:)``)
        /// without taking the lock: a lock taken for it was about 1 % of an hour of
        /// `cluster-day`'s `ideal-plan`. Written under the lock; read by the loop's thread,
        /// the only one that sets ``sample``.
        let sampling = SamplingFlag()

        /// Sets or clears ``sample``, and ``sampling`` with it. Not inlined: the loop's
        /// locked step must stay small enough to be inlined itself (a property observer on
        /// ``sample`` made it a call: 3 % more instructions in the kernel's M/M/1).
        @inline(never)
        mutating func setSample(_ sample: Sample?) {
            self.sample = sample
            sampling.running.store(sample != nil, ordering: .relaxed)
        }

        /// Notes the name of a task that suspends while a sample runs.
        mutating func noteInSample(_ name: String) {
            sample?.names[name, default: 0] += 1
        }

        /// The loop's bounds, as a sleep that may end where it is needs them (plain words:
        /// copying them costs no reference count).
        struct Running {
            let limit: Duration?
            let jobsPerInstant: UInt64
            let jobs: UInt64
            let watched: Bool

            init(limit: Duration?, guards: Guards) {
                self.limit = limit
                jobsPerInstant = guards.jobsPerInstant ?? .max
                jobs = guards.jobs ?? .max
                watched = guards.watch != nil
            }
        }

        struct Sample {
            var perInstant: Bool
            var endsAfter: UInt64
            var names: [String: Int] = [:]
        }

        /// `deadline`, or `now` if it has passed: compared as attoseconds (inlined;
        /// ``TimerEntry``'s `<` says why).
        @inline(__always)
        func notPast(_ deadline: Duration) -> Duration {
            deadline.attoseconds < now.attoseconds ? now : deadline
        }

        /// Takes every pending waiter, timed (the queue's in no particular order) then untimed
        /// (by ID), leaving none (shutdown).
        mutating func takeEveryWaiter() -> [Waiter] {
            var all = timers.unordered.map { $0.take() }
            all.append(contentsOf: untimed.elements.compactMap { $0 }.sorted { $0.id < $1.id })
            for waiter in all where !waiter.timed { waiter.slot = -1 }
            timers = TimerQueue()
            untimed = OwnedArray()
            freeUntimedSlots = OwnedArray()
            staleTimers = 0
            return all
        }

        /// Stops if a sample is complete; starts one if a guard just tripped. Inlined for the
        /// common case, no sample and no guard reached; the rest is a call
        /// (``checkGuardsFully(_:)``), as the whole was for every job.
        @inline(__always)
        mutating func checkGuards(_ guards: Guards) -> Stop? {
            if sample == nil, jobsAtInstant < guards.jobsPerInstant ?? .max, jobsRun < guards.jobs ?? .max {
                return nil
            }
            return checkGuardsFully(guards)
        }

        @inline(never)
        private mutating func checkGuardsFully(_ guards: Guards) -> Stop? {
            if let sample {
                guard jobsRun >= sample.endsAfter else { return nil }
                let named = sample.names.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                    .prefix(5).map { "\($0.key) (\($0.value)x)" }
                return sample.perInstant ? .noProgress(looping: named) : .jobLimit(busiest: named)
            }
            if let cap = guards.jobsPerInstant, jobsAtInstant >= cap {
                setSample(Sample(perInstant: true, endsAfter: jobsRun + SimExecutor.guardSample))
            } else if let cap = guards.jobs, jobsRun >= cap {
                setSample(Sample(perInstant: false, endsAfter: jobsRun + SimExecutor.guardSample))
            }
            return nil
        }
    }

    /// Held by the loop's thread while it runs, locked by any other (``LoopOwned``).
    let state = LoopOwned(State())

    /// Whether a guard's sample runs (``State/sampling``).
    final class SamplingFlag: Sendable {
        let running = Atomic<Bool>(false)
    }
    private let sampling: SamplingFlag

    /// `state.now`, for readers: every model statement reads the clock, and taking the lock
    /// for it was about 2 % of the full model's M/M/1. A sequence lock: the loop (the only
    /// writer, under `state`'s lock) makes the sequence odd, stores the instant's two words
    /// and makes it even again; a reader that sees the same even sequence before and after
    /// reading the words read one instant whole, else it reads again. On any thread.
    private let clockSequence = Atomic<UInt64>(0)
    private let clockHigh = Atomic<Int64>(0)
    private let clockLow = Atomic<UInt64>(0)

    /// ``GlobalJobRouting/isAvailable``, read once (``execute(_:slot:)`` asks for every job).
    private let routed: Bool

    /// Whether the loop is running a ``WakeCheck`` (``answer(_:)``), which is isolated to
    /// this executor though no job runs (``isIsolatingCurrentContext()``).
    private let checking = Atomic<Bool>(false)

    /// The gate spawned tasks suspend through (``SuspensionGate``), and its executor.
    let gate: SuspensionGate
    let gateExecutor: GateExecutor
    /// Whether an actor's `unownedExecutor` is recognised as this executor (``runsOnThis(_:)``):
    /// checked once, as `UnownedSerialExecutor`'s layout is the standard library's business.
    /// If not, every wait keeps its continuation. Tests turn it off, before the run, to
    /// compare a run through the gate with the same run through continuations. Read on every
    /// wait: unchecked for exclusivity, as the executor's other per-wait state.
    @exclusivity(unchecked) var gated = false
    /// Whether a sleep whose wake-up is the next step goes on where it is (rule 8,
    /// ``runsOn(to:_:)``). Tests turn it off, before the run, to compare a run with it against
    /// the same run where every sleep suspends.
    @exclusivity(unchecked) var sleepsMayRunOn = true
    /// The wait slot of the task whose job the loop runs now, when the loop knows it: the
    /// task was resumed from a wait through the gate, whose waiter names its slot
    /// (``Waiter/taskSlot``); nil for any other job. A wait of the running task then finds its
    /// slot here instead of in its task-local value (``WaitSlot/currentTask``: two lookups of
    /// the thread's runtime state and a walk of the task's values, about 8 % of the
    /// kernel M/M/1's instructions). Set and read on the loop's thread only, by the loop and
    /// by a wait whose caller is isolated to an actor of this executor (so runs in the loop's
    /// job): unchecked for exclusivity.
    @exclusivity(unchecked) var runningSlot: Unmanaged<WaitSlot>?

    public init() {
        routed = GlobalJobRouting.isAvailable
        sampling = state.withLock { $0.sampling }
        gateExecutor = GateExecutor()
        gate = SuspensionGate(executor: gateExecutor)
        RuntimeTask.lookUp()
        gateExecutor.simulation = .passUnretained(self)
        gated = MemoryLayout<UnownedSerialExecutor>.size == 2 * MemoryLayout<UInt>.size
            && runsOnThis(asUnownedSerialExecutor()) && !runsOnThis(gateExecutor.asUnownedSerialExecutor())
    }

    /// Whether `executor` is this one: the identity word of an ordinary executor reference is
    /// the executor object's address.
    @inlinable @inline(__always)
    func runsOnThis(_ executor: UnownedSerialExecutor) -> Bool {
        unsafeBitCast(executor, to: (UInt, UInt).self).0 == UInt(bitPattern: Unmanaged.passUnretained(self).toOpaque())
    }

    deinit {
        // Timers neither fired nor drained still hold their waiters.
        state.withLock { state in
            for entry in state.timers.unordered { entry.waiter.release() }
        }
    }

    // MARK: Executor conformance

    /// The serial executor of every model actor. Jobs run isolated to this executor and with
    /// no task executor, so a task that resumes inside an actor continues in the same job, and
    /// a hop to nonisolated code is a job of its own (given to the global executor and routed
    /// here, ``GlobalJobRouting``), as it was when tasks preferred this executor. The
    /// ``TaskExecutor`` face remains for code that starts a task with
    /// `Task(executorPreference:)` itself (some kernel tests).
    public func enqueue(_ job: consuming ExecutorJob) {
        append(UnownedJob(job))
    }

    /// Queues a job: one a task of this simulation gave to the global executor
    /// (``GlobalJobRouting``), or a task's own job, resumed from a wait (``SuspensionGate``).
    func append(_ job: UnownedJob) {
        state.withLock { $0.jobs.append(.job(job)) }
    }

    /// Queues the job of a task resumed from `waiter`, a wait through the gate, held by the
    /// queue until it runs.
    func append(resumed waiter: Waiter) {
        let entry = QueuedWork.resumed(.passRetained(waiter))
        state.withLock { $0.jobs.append(entry) }
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    /// Whether the code running now is isolated to this executor though no job runs: only
    /// while the loop runs a ``WakeCheck``. The check enters actors through
    /// ``WakeCheckIsolation`` without asking; this answers the runtime's own isolation checks
    /// inside it (`assumeIsolated`, `preconditionIsolated`, the checks the compiler inserts
    /// for some closures of actor-isolated code), which would otherwise trap: the runtime
    /// knows of no job running and asks the executor.
    public func isIsolatingCurrentContext() -> Bool? {
        checking.load(ordering: .relaxed) ? true : nil
    }

    public func checkIsolated() {
        precondition(checking.load(ordering: .relaxed), "not isolated to the simulation's executor")
    }

    public func asUnownedTaskExecutor() -> UnownedTaskExecutor {
        UnownedTaskExecutor(ordinary: self)
    }


    // MARK: Clock and counters

    /// Virtual time since the start of the run.
    public var now: Duration {
        while true {
            let before = clockSequence.load(ordering: .acquiring)
            let high = clockHigh.load(ordering: .relaxed)
            let low = clockLow.load(ordering: .relaxed)
            atomicMemoryFence(ordering: .acquiring)
            if before & 1 == 0 && clockSequence.load(ordering: .relaxed) == before {
                return Duration(attoseconds: Int128(high) << 64 | Int128(low))
            }
        }
    }

    /// Sets the clock: only the loop, under `state`'s lock (see ``now``).
    private func setNow(_ now: Duration, in state: inout State) {
        state.now = now
        let sequence = clockSequence.load(ordering: .relaxed)
        clockSequence.store(sequence &+ 1, ordering: .relaxed)
        atomicMemoryFence(ordering: .releasing)
        let attoseconds = now.attoseconds
        clockHigh.store(Int64(attoseconds >> 64), ordering: .relaxed)
        clockLow.store(UInt64(truncatingIfNeeded: attoseconds), ordering: .relaxed)
        clockSequence.store(sequence &+ 2, ordering: .releasing)
    }

    /// Jobs executed so far, counting each wake-up a ``WakeCheck`` answered as the job it
    /// stood for.
    public var jobsRun: UInt64 { state.withLock { $0.jobsRun } }

    /// Of ``jobsRun``, the wake-ups of sleeps that ended where they were, their task going on
    /// in the job that slept (``runsOn(to:_:)``; a check's sleep counts too).
    public var sleepsRunOn: UInt64 { state.withLock { $0.sleepsRunOn } }

    /// Of ``sleepsRunOn``, the sleeps wake-up checks made (counted by the loop alone, as
    /// ``wakeUpsAnswered``; for tests).
    @exclusivity(unchecked) private(set) nonisolated(unsafe) var checkSleepsRunOn: UInt64 = 0

    /// Of ``jobsRun``, the wake-ups answered by their signal's ``WakeCheck`` without running
    /// their task. Counted by the loop alone, outside the state's lock (one lock less a
    /// check); read once the run is over.
    @exclusivity(unchecked) public private(set) nonisolated(unsafe) var wakeUpsAnswered: UInt64 = 0

    /// Asks the loop to return after the job that is running now.
    public func requestStop() {
        state.withLock { $0.stopRequested = true }
    }

    // MARK: Timers

    /// Registers `waiter` to be woken at `deadline` (clamped to `now`), as an observer timer
    /// if `observer` (rule 3). Returns whether a guard's sample is running (so the caller
    /// notes who suspends with ``noteSuspension()``): one lock for both.
    @discardableResult
    func schedule(_ waiter: Waiter, at deadline: Duration, observer: Bool = false) -> Bool {
        state.withLock { state in schedule(waiter, at: deadline, observer: observer, &state) }
    }

    /// ``schedule(_:at:observer:)`` under the lock held already.
    @inline(__always)
    private func schedule(_ waiter: Waiter, at deadline: Duration, observer: Bool, _ state: inout State) -> Bool {
        state.sequence &+= 1
        state.timers.insert(TimerEntry(deadline: state.notPast(deadline), observer: observer,
                                       sequence: state.sequence, waiter: .passRetained(waiter)))
        return state.sample != nil
    }

    /// ``enter(_:deadline:observer:)`` under the lock held already: `waiter`'s timer, or its
    /// parking without one; whether a guard's sample is running.
    @inline(__always)
    func enter(_ waiter: Waiter, deadline: Duration?, observer: Bool, _ state: inout State) -> Bool {
        if let deadline { schedule(waiter, at: deadline, observer: observer, &state) } else { park(waiter, &state) }
    }

    /// The wait of `slot`'s task through the gate until `deadline` (nil: until a signal), not a
    /// sleep: the slot's waiter for it (``Unmanaged/waiterForWait(timed:_:)``), given its timer
    /// or parked, in one turn of the lock; its suspension counted if a guard's sample runs, as
    /// ``enter(_:deadline:observer:)`` counts it. Not inlined, as ``startSleep(of:until:observer:)``.
    @inline(never)
    func startWait(of slot: Unmanaged<WaitSlot>, until deadline: Duration?, observer: Bool) -> Unmanaged<Waiter> {
        let (waiter, sampling) = state.withLock { state -> (Unmanaged<Waiter>, Bool) in
            let waiter = slot.waiterForWait(timed: deadline != nil, &state)
            let sampling = waiter._withUnsafeGuaranteedRef { enter($0, deadline: deadline, observer: observer, &state) }
            return (waiter, sampling)
        }
        if sampling { noteSuspension() }
        return waiter
    }

    /// A sleep of a task until `deadline`: it ends where it is if its wake-up would be the
    /// loop's next step (``runsOn(to:_:)``: nil is returned), else it gets its timer as
    /// ``schedule(_:at:observer:)`` gives it, for the waiter `waiter` gives then (the task's
    /// slot's, unretained: a sleep that goes on takes none), in the same turn of the lock (a
    /// sleep that suspends pays nothing more), and that waiter is returned (its suspension
    /// counted if a guard's sample runs, as ``enter(_:deadline:observer:)`` counts it). Only
    /// for the running job's task on an actor of this executor, or a check's sleep for its
    /// task. `retaining`: the timer entry retains the waiter; false for a check's sleep, which
    /// hands the entry the reference the check held (``answer(_:)``), kept by the caller if the
    /// sleep goes on.
    @inline(__always)
    func scheduleSleep(at deadline: Duration, observer: Bool, retaining: Bool = true,
                       waiter: (inout State) -> Unmanaged<Waiter>) -> Unmanaged<Waiter>? {
        let mayRunOn = sleepsMayRunOn
        let scheduled = state.withLock { state -> (waiter: Unmanaged<Waiter>, sampling: Bool)? in
            let deadline = state.notPast(deadline)
            state.sequence &+= 1
            if mayRunOn, runsOn(to: deadline, &state) { return nil }
            let waiter = waiter(&state)
            state.timers.insert(TimerEntry(deadline: deadline, observer: observer,
                                           sequence: state.sequence, waiter: retaining ? waiter.retain() : waiter))
            return (waiter, state.sample != nil)
        }
        guard let scheduled else { return nil }
        if scheduled.sampling { noteSuspension() }
        return scheduled.waiter
    }

    /// Registers each of `timers` as ``schedule(_:at:observer:)`` called for each in turn
    /// would (ordinary timers, their sequence numbers in this order, deadlines clamped to
    /// `now`), and returns whether a guard's sample is running. They fire in the same order
    /// among every other timer; the queue keeps them apart from its heap
    /// (``TimerQueue/insert(inBulk:)``).
    @discardableResult
    func scheduleInBulk(_ timers: [(waiter: Waiter, deadline: Duration)]) -> Bool {
        state.withLock { state in
            var entries: [TimerEntry] = []
            entries.reserveCapacity(timers.count)
            for (waiter, deadline) in timers {
                state.sequence &+= 1
                entries.append(TimerEntry(deadline: state.notPast(deadline), observer: false,
                                          sequence: state.sequence, waiter: .passRetained(waiter)))
            }
            state.timers.insert(inBulk: entries)
            return state.sample != nil
        }
    }

    /// Registers a waiter with no deadline; only a signal or shutdown wakes it. Gives the
    /// waiter its ID (shutdown releases parked waiters in ID order) and returns whether a
    /// guard's sample is running, as ``schedule(_:at:observer:)`` does.
    @discardableResult
    func park(_ waiter: Waiter) -> Bool {
        state.withLock { state in park(waiter, &state) }
    }

    /// ``park(_:)`` under the lock held already.
    @inline(__always)
    private func park(_ waiter: Waiter, _ state: inout State) -> Bool {
        state.sequence &+= 1
        waiter.id = state.sequence
        if let slot = state.freeUntimedSlots.popLast() {
            state.untimed[slot] = waiter
            waiter.slot = slot
        } else {
            waiter.slot = state.untimed.count
            state.untimed.append(waiter)
        }
        return state.sample != nil
    }

    /// The waits parked without a deadline now (the slots in use), for tests.
    var parkedWaits: Int { state.withLock { $0.untimed.elements.count { $0 != nil } } }

    /// Called when a waiter is resumed by something other than its timer.
    func forget(_ waiter: Waiter) {
        state.withLock { state in forget(waiter, in: &state) }
    }

    /// A notify's wake-up of `waiter`, whose signal checks its wake-ups (``Signal/wakeCheck``):
    /// the wait forgotten (``forget(_:)``) and the check queued where its task's job would
    /// have gone, in one turn of the lock (``Waiter/notify(_:on:)``). The check holds
    /// `reference` (`+1`: the signal's list held it).
    func forgetAndQueueCheck(_ waiter: Waiter, holding reference: Unmanaged<Waiter>) {
        let entry = QueuedWork.check(reference)
        state.withLock { state in
            forget(waiter, in: &state)
            state.jobs.append(entry)
        }
    }

    private func forget(_ waiter: Waiter, in state: inout State) {
        if waiter.timed {
            state.staleTimers += 1
            if state.staleTimers > 1024 && state.staleTimers * 2 > state.timers.count {
                state.timers.removeAll { entry in
                    guard entry.peek.isResumed else { return false }
                    entry.waiter.release()
                    return true
                }
                state.staleTimers = 0
            }
        } else if waiter.slot >= 0 {
            state.untimed[waiter.slot] = nil
            state.freeUntimedSlots.append(waiter.slot)
            waiter.slot = -1
        }
    }

    /// Counts one suspension of the current task in the running guard sample, under its
    /// name: its wait slot's (``WaitSlot/name``). Only while a sample runs: a name kept in a
    /// table by task, added and removed for every task spawned, was about 0.3 % of an hour of
    /// `cluster-day`.
    func noteSuspension() {
        let slot = WaitSlot.currentTask.slot
        noteSuspension(named: slot?._withUnsafeGuaranteedRef { $0.name } ?? "a task not started by Simulation.spawn")
    }

    /// Counts one suspension under `name` in the running guard sample.
    func noteSuspension(named name: String) {
        state.withLock { $0.noteInSample(name) }
    }

    // MARK: The loop

    /// Runs jobs and fires timers under the ordering contract until a stop condition holds.
    ///
    /// - Parameters:
    ///   - limit: virtual instant the clock may not pass; `nil` for none.
    ///   - guards: bounds on jobs and the watch (see "Guards" above).
    public func run(until limit: Duration?, guards: Guards = Guards()) -> Stop {
        GlobalJobRouting.onThread(of: self) { loop(until: limit, guards: guards) }
    }

    /// The loop's next step. `fired`: a timer's waiter, still held by its entry's reference,
    /// and what its wake-up leaves to do (its job or check counted as run, in this turn).
    private enum Step {
        case work(QueuedWork), fired(Unmanaged<Waiter>, Waiter.DeadlineWakeUp), watch(Duration), stop(Stop)
    }

    private func loop(until limit: Duration?, guards: Guards) -> Stop {
        state.hold { steps(until: limit, guards: guards) }
    }

    /// ``loop(until:guards:)`` on the thread holding the state.
    private func steps(until limit: Duration?, guards: Guards) -> Stop {
        state.withLock { $0.running = State.Running(limit: limit, guards: guards) }
        defer { state.withLock { $0.running = nil } }
        while true {
            // Between two steps: a thread waiting for the state (a stop asked for from
            // outside, a task started from outside) has it now.
            state.letWaitingIn()
            let step = state.withLock { state in nextStep(&state, until: limit, guards: guards) }
            switch step {
            case .work(.job(let job)):
                execute(job, slot: nil)
            case .work(.check(let waiter)):
                answer(waiter)
            case .work(.resumed(let waiter)):
                // Let go of before the job runs: the task's next wait reuses the waiter only
                // if its slot is the last to hold it.
                let (job, slot) = waiter._withUnsafeGuaranteedRef { ($0.suspendedJob, $0.taskSlot) }
                waiter.release()
                execute(job, slot: slot)
            case .fired(let waiter, .job(let job)):
                let slot = waiter._withUnsafeGuaranteedRef { $0.taskSlot }
                waiter.release()
                execute(job, slot: slot)
            case .fired(let waiter, .check):
                answer(waiter)
            case .fired(let waiter, .deliver):
                waiter.takeRetainedValue().deliverDeadline()
            case .fired(let waiter, .none):
                waiter.release()
            case .watch(let now):
                if let watch = guards.watch {
                    if let reason = watch.check(now) { return .watch(reason) }
                    state.withLock { $0.nextWatch = now + watch.every }
                }
            case .stop(let reason):
                return reason
            }
        }
    }

    /// The loop's next step, taken under the state's lock: a job, a timer to fire, the
    /// watch, or a stop. Inlined into the loop (outlined, it was a call and a copy of the
    /// step on every job).
    @inline(__always)
    private func nextStep(_ state: inout State, until limit: Duration?, guards: Guards) -> Step {
        if state.stopRequested { return .stop(.requested) }
        if !state.jobs.isEmpty {
            if let stop = state.checkGuards(guards) { return .stop(stop) }
            state.jobsRun &+= 1
            state.jobsAtInstant &+= 1
            return .work(state.jobs.popFirst()!)
        }
        while let first = state.timers.min {
            if first.peek.isResumed {
                state.timers.removeMin().waiter.release()
                state.staleTimers = max(0, state.staleTimers - 1)
                continue
            }
            // Instants compared as attoseconds, inlined (`Duration`'s own `<` is a
            // call into the standard library: four on each timer fired).
            let deadline = first.deadline.attoseconds, now = state.now.attoseconds
            if let limit, deadline > limit.attoseconds {
                setNow(now < limit.attoseconds ? limit : state.now, in: &state)
                return .stop(.timeLimit)
            }
            if deadline > now {
                if guards.watch != nil, let watch = watchStep(&state, before: first.deadline, until: limit) {
                    return watch
                }
                state.jobsAtInstant = 0
                if state.sample?.perInstant == true { state.setSample(nil) }
            }
            let entry = state.timers.removeMin()
            setNow(entry.deadline, in: &state)
            return fire(entry.waiter, &state, guards: guards)
        }
        return .stop(.quiescent)
    }

    /// The wake-up of a timer's `waiter` (held by the entry's reference, which the step
    /// takes over). A job or a check it makes would go to the queue, empty while timers fire,
    /// and be the next step: it is that step now, its guards checked and its run counted as
    /// the step would (one turn of the lock instead of two, and no trip through the queue).
    /// A guard that stops the run leaves it queued, as it would have been.
    @inline(__always)
    private func fire(_ waiter: Unmanaged<Waiter>, _ state: inout State, guards: Guards) -> Step {
        let wakeUp = waiter._withUnsafeGuaranteedRef { $0.wakeAtDeadline() }
        let work: QueuedWork
        switch wakeUp {
        case .job(let job): work = .job(job)
        case .check: work = .check(waiter)
        case .deliver, .none: return .fired(waiter, wakeUp)
        }
        if let stop = state.checkGuards(guards) {
            state.jobs.append(work)
            // A job's waiter is not queued with it: the entry's reference goes.
            if case .job = wakeUp { waiter.release() }
            return .stop(stop)
        }
        state.jobsRun &+= 1
        state.jobsAtInstant &+= 1
        return .fired(waiter, wakeUp)
    }

    /// Whether a sleep until `deadline` (not past) ends where it is: when its timer would be
    /// the loop's very next step (no job queued, every other timer later, no stop, watch or
    /// guard due first), the loop would fire it, move the clock and run the task's job (or
    /// answer its check), with nothing between. That is done here instead: the clock moved,
    /// the job counted and the instant's count reset as the loop would, and the task goes on
    /// without suspending (rule 8). A suspension and its resumption are most of a sleep's
    /// cost: the runtime's dependency record, the hop to the gate and back, a turn of the
    /// loop, the timer in and out of the heap.
    ///
    /// Only for the task running in a job of this executor's loop (its caller is isolated to
    /// an actor of this executor), or a sleep a wake-up check makes for its task while the loop
    /// answers it (``answer(_:)``): nothing else can run meanwhile, so nothing can see the
    /// difference. Not while a guard's sample runs (it names the tasks that suspend).
    @inline(__always)
    private func runsOn(to deadline: Duration, _ state: inout State) -> Bool {
        guard let running = state.running, !state.stopRequested, state.jobs.isEmpty,
              state.sample == nil else { return false }
        let at = deadline.attoseconds, now = state.now.attoseconds
        // Strictly earlier than every other timer (a stale one included): the new timer's
        // sequence number is the largest, so at an equal instant another fires first.
        if let first = state.timers.min, at >= first.deadline.attoseconds { return false }
        if let limit = running.limit, at > limit.attoseconds { return false }
        let moves = at > now
        if moves, running.watched {
            let nextWatch = state.nextWatch.attoseconds
            if now >= nextWatch || at > nextWatch { return false }
        }
        let atInstant = moves ? 0 : state.jobsAtInstant
        guard atInstant < running.jobsPerInstant, state.jobsRun < running.jobs else { return false }
        if moves { setNow(deadline, in: &state) }
        state.jobsRun &+= 1
        state.jobsAtInstant = atInstant &+ 1
        state.sleepsRunOn &+= 1
        return true
    }

    /// The watch's turn before the clock moves to `deadline`, if it has one: when it is due
    /// now, or when the clock would jump past its instant (it stops there first, rule 6, so
    /// the watch looks at the same instants however long the jumps are: a run whose pollers
    /// skip their idle polls jumps far). Not inlined: the loop's locked step stays small
    /// enough to be inlined itself (with this inlined, or tested first in the step, the
    /// step became a call of its own: 2-3 % more instructions in the kernel's M/M/1).
    @inline(never)
    private func watchStep(_ state: inout State, before deadline: Duration, until limit: Duration?) -> Step? {
        let nextWatch = state.nextWatch.attoseconds
        if state.now.attoseconds >= nextWatch { return .watch(state.now) }
        guard deadline.attoseconds > nextWatch, limit.map({ nextWatch <= $0.attoseconds }) ?? true else { return nil }
        setNow(state.nextWatch, in: &state)
        return .watch(state.now)
    }

    /// Runs `job`; `slot`, when the loop knows it, is the wait slot of the job's task
    /// (``runningSlot``).
    private func execute(_ job: UnownedJob, slot: Unmanaged<WaitSlot>?) {
        runningSlot = slot
        if routed {
            job.runSynchronously(on: asUnownedSerialExecutor())
        } else {
            // Tasks prefer this executor (no routing): run each job with it as the task
            // executor too, or every hop to nonisolated code would be a job of its own.
            job.runSynchronously(isolatedTo: asUnownedSerialExecutor(), taskExecutor: asUnownedTaskExecutor())
        }
    }

    /// A wake-up of `waiter`'s task, at its turn: its signal's ``WakeCheck`` answers it, and
    /// the task waits again as the check says, or the task runs now. The task runs without a
    /// check while a guard's sample runs (it names the tasks that suspend), once its
    /// cancellation reached the waiter (it must end at its next wait), and when a notify ended
    /// a wait with a timer (the entry, stale now, stays in the heap and must not find the
    /// waiter waiting again).
    ///
    /// A sleep the check makes whose wake-up would be the loop's next step ends where it is
    /// (``runsOn(to:_:)``): its wake-up is answered at once, as the loop would answer it next.
    ///
    /// `waiter` is the reference the queued check or the fired timer held (`+1`): handed on to
    /// the wait the check makes (the signal's list, or the sleep's timer), else let go of once
    /// the wake-up is done. Handing it on spares a reference count given back here and taken
    /// again there, on every check (some 600,000 an hour of `cluster-day`'s `ideal-plan`).
    private func answer(_ waiter: Unmanaged<Waiter>) {
        while true {
            switch waiter._withUnsafeGuaranteedRef({ answerOnce($0, holding: waiter) }) {
            case .done:
                waiter.release()
                return
            case .handedOn:
                return
            case .sleptOn:
                // The sleep's timer firing, as the loop would fire it: a check, answered next.
                let wakeUp = waiter._withUnsafeGuaranteedRef { $0.wakeAtDeadline() }
                assert({ if case .check = wakeUp { true } else { false } }(), "a check's sleep wakes as a check")
            }
        }
    }

    /// A sleep a check made for `waiter`'s task (``scheduleSleep(at:observer:retaining:waiter:)``),
    /// its timer entry given the check's reference: whether it went on where it was (the
    /// reference then still the check's). Not inlined: inlined into the check's closure, the
    /// lock's step cost more than the call (0.5 % of an `ideal-plan` hour).
    @inline(never)
    private func startSleep(of waiter: Unmanaged<Waiter>, until deadline: Duration) -> Bool {
        scheduleSleep(at: deadline, observer: false, retaining: false, waiter: { _ in waiter }) == nil
    }

    /// How ``answerOnce(_:holding:)`` left a wake-up.
    private enum Answer {
        /// The task ran; the check's reference is to be let go of.
        case done
        /// The task waits again for a notify or a timer, which holds the check's reference.
        case handedOn
        /// The check had the task sleep, and the sleep ended where it was (``runsOn(to:_:)``).
        case sleptOn
    }

    private func answerOnce(_ waiter: Waiter, holding reference: Unmanaged<Waiter>) -> Answer {
        let job = waiter.suspendedJob
        let reason = waiter.jobReason
        guard reason == .deadline || !waiter.timed, !waiter.isCancellationRequested,
              let checkedBy = waiter.checkedBy, !sampling.running.load(ordering: .relaxed) else {
            execute(job, slot: waiter.taskSlot)
            return .done
        }
        var sleptOn = false
        // The signal unretained: the waiting task's code holds it (``Waiter/checkedBy``).
        let answered = checkedBy._withUnsafeGuaranteedRef { signal -> Bool in
            guard let box = signal.checkBox else { return false }
            // What the task's signal wait does first when it ended otherwise than by a notify
            // (a sleep a check made is on no signal's list).
            if reason != .signalled && !waiter.sleepsForCheck { signal.unregister(waiter) }
            checking.store(true, ordering: .relaxed)
            let verdict = box._withUnsafeGuaranteedRef { $0.check(WakeCheckIsolation(self)) }
            checking.store(false, ordering: .relaxed)
            // The task's next wait, as its own would be made: its timer or parking, then (on
            // the signal) its place among the signal's waiters.
            switch verdict {
            case .resume:
                return false
            case .waitAgain(let deadline):
                waiter.waitAgain(timed: deadline != nil, sleeping: false)
                enter(waiter, deadline: deadline, observer: false)
                signal.register(retained: reference)
            case .sleep(let deadline):
                waiter.waitAgain(timed: true, sleeping: true)
                sleptOn = startSleep(of: reference, until: deadline)
            }
            return true
        }
        guard answered else {
            execute(job, slot: waiter.taskSlot)
            return .done
        }
        wakeUpsAnswered &+= 1
        guard sleptOn else { return .handedOn }
        checkSleepsRunOn &+= 1
        return .sleptOn
    }

    /// Wakes every pending waiter with ``Waiter/Reason/cancelled`` and runs jobs until none is
    /// left, so that tasks blocked in kernel waits unwind instead of leaking.
    public func drainForShutdown() {
        GlobalJobRouting.onThread(of: self) { state.hold { drain() } }
    }

    private func drain() {
        let waiters: [Waiter] = state.withLock { state in
            state.stopRequested = false
            state.setSample(nil)
            return state.takeEveryWaiter()
        }
        for waiter in waiters { waiter.resume(.cancelled) }
        while let work = state.withLock({ $0.jobs.popFirst() }) {
            // A wake-up still to be checked resumes its task: the run is over.
            switch work {
            case .job(let job): execute(job, slot: nil)
            case .check(let waiter), .resumed(let waiter): execute(waiter.takeRetainedValue().suspendedJob, slot: nil)
            }
            // A task unwinding may register a new wait; release it too.
            for waiter in state.withLock({ $0.takeEveryWaiter() }) { waiter.resume(.cancelled) }
        }
    }
}

/// A number the kernel hands out itself (a waiter's or a task's sequence number, a task's
/// address) as a dictionary key, hashed by ``tableHash(_:seed:)`` as the model's op and row
/// ids are, not by `Hasher` (about 2 % of a run of many short ops went to SipHash for these
/// keys).
struct KernelKey: Hashable, Comparable {
    let value: UInt64
    init(_ value: UInt64) { self.value = value }
    init(_ value: Int) { self.value = UInt64(bitPattern: Int64(value)) }
    static func < (lhs: KernelKey, rhs: KernelKey) -> Bool { lhs.value < rhs.value }
    func _rawHashValue(seed: Int) -> Int { tableHash(Int(truncatingIfNeeded: value), seed: seed) }
}
