import Synchronization

/// One simulation run: an executor, its virtual clock, and the tasks started on it.
///
/// Tasks are either **foreground** (the workload and anything the run must wait for) or
/// **daemons** (pollers that would run forever). A run ends when the last foreground task
/// ends, when nothing can happen any more, or at the time limit; daemons are then cancelled.
/// If foreground tasks are still suspended when nothing can happen any more, the run ends
/// as ``Outcome/Ending/stuck(_:)`` naming them, instead of hanging.
public final class Simulation: Sendable {
    public enum Role: Sendable { case foreground, daemon }

    public struct Outcome: Sendable, Equatable {
        public enum Ending: Sendable, Equatable {
            /// Every foreground task finished.
            case completed
            /// Foreground tasks remain but no job or timer can ever wake them.
            case stuck([String])
            /// The time limit came first; the foreground tasks still running are named.
            case timeLimit([String])
            /// The clock stopped moving: more jobs than the run's guard allows ran at one
            /// instant. The tasks that kept suspending are named (with how often).
            case noProgress(looping: [String])
            /// The run took more jobs than its guard allows; the busiest tasks are named.
            case jobLimit(busiest: [String])
        }
        public var ending: Ending
        /// Why the run ended, when a watch ended it (e.g. what every remaining op waits on).
        public var reason: String?
        /// Virtual time at the end of the run.
        public var virtualTime: Duration
        /// Kernel jobs executed, each wake-up a ``WakeCheck`` answered counting as the job it
        /// stood for.
        public var jobs: UInt64
        /// Of ``jobs``, the wake-ups answered without running their task.
        public var wakeUpsAnswered: UInt64 = 0
    }

    private struct Book {
        var nextID: UInt64 = 0
        var foreground = 0
        var live: [KernelKey: (name: String, role: Role, task: Task<Void, Never>?, slot: WaitSlot)] = [:]

        /// The next task's number.
        mutating func newID() -> UInt64 {
            nextID += 1
            return nextID
        }

        /// Books task `id` as live, counted if it is in the foreground.
        mutating func admit(_ id: UInt64, name: String, role: Role, task: Task<Void, Never>?, slot: WaitSlot) {
            live[KernelKey(id)] = (name, role, task, slot)
            if role == .foreground { foreground += 1 }
        }
    }

    public let executor: SimExecutor
    public let clock: SimClock
    private let book = Mutex(Book())
    /// Where the task of later starts registers them (``spawn(_:role:)``).
    private let registrar: StartRegistrar

    public init() {
        executor = SimExecutor()
        clock = SimClock(executor: executor)
        registrar = StartRegistrar(executor: executor)
    }

    /// Starts `body` as a task on the simulator's executor.
    ///
    /// Call it before ``run(limit:)`` or from a task already running in the simulation.
    @discardableResult
    public func spawn(_ name: String, role: Role = .foreground,
                      _ body: @escaping @Sendable () async -> Void) -> SimTask {
        let slot = WaitSlot(executor: executor, name: name)
        // Booked once its task is made (one insertion, not an insertion and an update: about
        // 900 instructions a task, 15,000 tasks an hour of `cluster-day`): its first job only
        // runs once this returns.
        let id = book.withLock { $0.newID() }
        let task = launch(id, slot: slot, booking: (name, role), body)
        return SimTask(task: task, id: id, slot: slot)
    }

    /// A task to start later (``spawn(_:role:)``): its name, the virtual instant it starts at
    /// (now if that has passed), and its body.
    public struct LaterStart: Sendable {
        public var name: String
        public var at: Duration
        public var body: @Sendable () async -> Void

        public init(_ name: String, at: Duration, _ body: @escaping @Sendable () async -> Void) {
            self.name = name
            self.at = at
            self.body = body
        }
    }

    /// Starts each of `starts` as a task at its instant, holding no task until then: a script's
    /// actions as tasks spawned now that first sleep until their instants would be a task's
    /// allocation each (about 1.5 KB), memory growing with the script's length rather than
    /// with the work in flight (a day of `cluster-day` has 47,520 actions: its peak resident
    /// memory was 311 MB with sleeping tasks, 230-245 MB without).
    ///
    /// Each task counts as live (``Outcome/Ending``, the end of the run) from now. One task,
    /// in its one job, registers every start, in order, as the first jobs of sleeping tasks
    /// spawned one after another would have registered their sleeps (consecutive jobs: no
    /// other timer can come between them, so ties at an instant fall as they did); at its
    /// instant each task is made, and its first job goes where a sleeper's resumption would
    /// have. So the events and their order are a sleeper's; the run takes `starts.count - 1`
    /// fewer jobs. A start the run ends before is never made: its body does not run (a
    /// sleeper would wake cancelled, after the run's outcome, and should do nothing).
    public func spawn(_ starts: [LaterStart], role: Role = .foreground) {
        guard !starts.isEmpty else { return }
        let starters = starts.map { start -> StartRegistrar.Entry in
            let slot = WaitSlot(executor: executor, name: start.name)
            let id = enroll(start.name, role: role, slot: slot)
            let starter = Waiter(timed: true)
            starter.install(start: { [self] reason in
                if reason == .cancelled {
                    finished(id)
                } else {
                    launch(id, slot: slot, booking: nil, start.body)
                }
            })
            return StartRegistrar.Entry(name: start.name, at: start.at, starter: starter, slot: slot)
        }
        let registrar = self.registrar
        GlobalJobRouting.onThread(of: executor) {
            _ = GlobalJobRouting.isAvailable
                ? Task { await registrar.register(starters) }
                : Task(executorPreference: executor) { await registrar.register(starters) }
        }
    }

    /// Gives a task to start later (``spawn(_:role:)`` of starts) its number and books it as
    /// live.
    private func enroll(_ name: String, role: Role, slot: WaitSlot) -> UInt64 {
        book.withLock { book in
            let id = book.newID()
            book.admit(id, name: name, role: role, task: nil, slot: slot)
            return id
        }
    }

    /// Makes the task `id`, booked by ``enroll(_:role:slot:)`` or, with `booking` (its name
    /// and role), here: its first job is enqueued on the simulator's executor at once.
    @discardableResult
    private func launch(_ id: UInt64, slot: WaitSlot, booking: (name: String, role: Role)?,
                        _ body: @escaping @Sendable () async -> Void) -> Task<Void, Never> {
        // The slot is bound around the task's creation, which copies it into the task: code
        // added inside the closure could change how its jobs are split (see below; a call
        // binding the slot from in there added a job to every spawned task).
        // Started on the generic executor from a thread marked as the simulator's, so the
        // task's first job is enqueued on the simulator's executor now (GlobalJobRouting).
        let task = GlobalJobRouting.onThread(of: executor) {
            WaitSlot.$current.withValue(slot) {
                GlobalJobRouting.isAvailable
                    ? Task { [self] in
                        await body()
                        finished(id)
                    }
                    : Task(executorPreference: executor) { [self] in
                        await body()
                        finished(id)
                    }
            }
        }
        // Bound from out here (its name is its slot's: ``SimExecutor/noteSuspension()``): a
        // task has not run yet when spawn returns (the loop runs on this thread, or this is a
        // job of it), and code added inside the task's closure can change how its jobs are
        // split, and so the run's job count.
        slot.own(task)
        book.withLock { book in
            if let booking {
                book.admit(id, name: booking.name, role: booking.role, task: task, slot: slot)
            } else {
                book.live[KernelKey(id)]?.task = task
            }
        }
        return task
    }

    /// Whether `task` has not finished yet. Asking costs no job, so a watch may ask.
    public func isLive(_ task: SimTask) -> Bool {
        book.withLock { $0.live[KernelKey(task.id)] != nil }
    }

    private func finished(_ id: UInt64) {
        let last: Bool = book.withLock { book in
            guard let entry = book.live.removeValue(forKey: KernelKey(id)) else { return false }
            guard entry.role == .foreground else { return false }
            book.foreground -= 1
            return book.foreground == 0
        }
        if last { executor.requestStop() }
    }

    /// Drives the simulation on the calling thread until it ends, then cancels what is left.
    ///
    /// - Parameters:
    ///   - limit: the virtual time the run may not pass; `nil` for none.
    ///   - guards: bounds on jobs and a watch (see ``SimExecutor/Guards``). A watch that ends
    ///     the run makes it ``Outcome/Ending/stuck(_:)`` with the watch's reason.
    public func run(limit: Duration?, guards: SimExecutor.Guards = .init()) -> Outcome {
        var guards = guards
        if let watch = guards.watch, watch.every <= .zero {
            guards.watch?.every = .nanoseconds(1)
        }
        let stop = executor.run(until: limit, guards: guards)
        let leftovers: [(name: String, role: Role, task: Task<Void, Never>?, slot: WaitSlot)] = book.withLock { book in
            book.live.keys.sorted().compactMap { book.live[$0] }
        }
        let pendingForeground = leftovers.filter { $0.role == .foreground }.map(\.name)
        let ending: Outcome.Ending
        var reason: String?
        switch stop {
        case .requested: ending = pendingForeground.isEmpty ? .completed : .stuck(pendingForeground)
        case .quiescent: ending = pendingForeground.isEmpty ? .completed : .stuck(pendingForeground)
        case .timeLimit: ending = .timeLimit(pendingForeground)
        case .noProgress(let looping): ending = .noProgress(looping: looping)
        case .jobLimit(let busiest): ending = .jobLimit(busiest: busiest)
        case .watch(let why):
            ending = .stuck(pendingForeground)
            reason = why
        }
        let outcome = Outcome(ending: ending, reason: reason, virtualTime: executor.now, jobs: executor.jobsRun,
                              wakeUpsAnswered: executor.wakeUpsAnswered)
        for entry in leftovers {
            if let task = entry.task { entry.slot.cancel(task) } else { entry.slot.cancel() }
        }
        executor.drainForShutdown()
        return outcome
    }
}

/// A handle on a task started with ``Simulation/spawn(_:role:_:)``.
public struct SimTask: Sendable {
    let task: Task<Void, Never>
    /// The simulation's number for the task (see ``Simulation/isLive(_:)``).
    let id: UInt64
    /// The kernel wait the task is in (nil for a task of another runtime).
    let slot: WaitSlot?

    init(task: Task<Void, Never>, id: UInt64, slot: WaitSlot? = nil) {
        self.task = task
        self.id = id
        self.slot = slot
    }

    /// Cancels the task: a kernel wait it is in ends at once with `CancellationError`.
    public func cancel() {
        if let slot { slot.cancel(task) } else { task.cancel() }
    }
}

/// Registers later starts (``Simulation/spawn(_:role:)``) on the simulation's executor. An
/// actor there, so that the registering task's one job is the call: a task whose first await
/// is into an actor of this executor starts in it at once, as a sleeping task's first job
/// enters its model actor; a call to plain code would first hop off the executor, a job of
/// its own.
final actor StartRegistrar {
    /// One start: its task's name, instant, the waiter that starts it, and its slot.
    struct Entry: Sendable {
        let name: String
        let at: Duration
        let starter: Waiter
        let slot: WaitSlot
    }

    nonisolated let executor: SimExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    init(executor: SimExecutor) { self.executor = executor }

    /// Each starter enters as a sleep until its instant would, in order (in bulk: kept apart
    /// from the executor's heap, ``SimExecutor/scheduleInBulk(_:)``), and its task's slot
    /// holds it (ending the run cancels it there). If a guard's sample is running, each
    /// entry's suspension is counted under its start's name, as a sleeper's would be.
    func register(_ entries: [Entry]) {
        let sampling = executor.scheduleInBulk(entries.map { ($0.starter, $0.at) })
        executor.state.withLock { state in
            for entry in entries { entry.slot.hold(entry.starter, &state) }
        }
        guard sampling else { return }
        for entry in entries { executor.noteSuspension(named: entry.name) }
    }
}
