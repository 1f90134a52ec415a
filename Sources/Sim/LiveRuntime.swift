import Dispatch
import Synchronization

/// The wall-clock runtime of live mode: `ContinuousClock` time, tasks on Swift's default
/// concurrent executor, and one serial executor (a dispatch queue) that every model actor
/// shares, so the model's own state is touched by one thread at a time as in the simulator.
/// Calls into a real database block their own threads, never this executor.
///
/// `timeScale` stretches or shrinks every modelled duration: with 0.1 a 30 s sleep lasts 3 s
/// of wall time, and ``now`` reports run time (wall time since the start / 0.1), so results
/// read in scenario seconds.
public final class LiveRuntime: Runtime {
    private struct Book {
        var nextID: UInt64 = 0
        var foreground = 0
        var live: [UInt64: (name: String, role: Simulation.Role, task: Task<Void, Never>?)] = [:]
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    /// Wall seconds per run second.
    public let timeScale: Double
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant
    private let executor = LiveSerialExecutor()
    private let book = Mutex(Book())

    public init(timeScale: Double = 1) {
        self.timeScale = timeScale
        start = clock.now
    }

    public var now: Duration { (clock.now - start) / timeScale }

    /// The wall-clock duration of `duration` of run time.
    public func wall(_ duration: Duration) -> Duration { duration * timeScale }

    nonisolated(nonsending) public func pause(for duration: Duration) async throws {
        if duration > .zero {
            try await Task.sleep(for: wall(duration), clock: clock)
        } else {
            try Task.checkCancellation()
        }
    }

    nonisolated(nonsending) public func pause(until deadline: Duration) async throws {
        try await pause(for: deadline - now)
    }

    public func makeSignal() -> any WakeSignal { LiveSignal(runtime: self) }

    public var actorExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    @discardableResult
    public func spawn(_ name: String, role: Simulation.Role,
                      _ body: @escaping @Sendable () async -> Void) -> SimTask {
        let id: UInt64 = book.withLock { book in
            book.nextID += 1
            book.live[book.nextID] = (name, role, nil)
            if role == .foreground { book.foreground += 1 }
            return book.nextID
        }
        let task = Task { [self] in
            await body()
            finished(id)
        }
        book.withLock { book in
            if book.live[id] != nil { book.live[id]?.task = task }
        }
        return SimTask(task: task, id: id)
    }

    /// A task for each start that sleeps until its instant (on the wall clock a sleeping task
    /// costs little beside the pending work it stands for), then runs its body; cancelled
    /// first (the run ended), it ends without.
    public func spawn(_ starts: [Simulation.LaterStart], role: Simulation.Role) {
        for start in starts {
            spawn(start.name, role: role) { [self] in
                do {
                    try await pause(until: start.at)
                } catch is CancellationError {
                    return  // The run ended first.
                } catch {
                    preconditionFailure("a pause throws only CancellationError, not \(error)")
                }
                await start.body()
            }
        }
    }

    private func finished(_ id: UInt64) {
        let waiters: [CheckedContinuation<Void, Never>] = book.withLock { book in
            guard let entry = book.live.removeValue(forKey: id), entry.role == .foreground else { return [] }
            book.foreground -= 1
            guard book.foreground == 0 else { return [] }
            let all = book.waiters
            book.waiters.removeAll()
            return all
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Names of the tasks still running, foreground first.
    public var running: [String] {
        book.withLock { book in
            book.live.keys.sorted().compactMap { book.live[$0] }.sorted { $0.role == .foreground && $1.role == .daemon }
                .map(\.name)
        }
    }

    /// Returns when every foreground task has finished.
    public func foregroundFinished() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = book.withLock { book -> Bool in
                if book.foreground == 0 { return true }
                book.waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// Cancels every task still running (daemons at the end of a run, or all on Ctrl-C) and
    /// waits for them to end.
    public func cancelAll() async {
        let tasks = book.withLock { book in book.live.keys.sorted().compactMap { book.live[$0]?.task } }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
    }
}

/// A serial executor over a dispatch queue: the live runtime's actors run one job at a time.
final class LiveSerialExecutor: SerialExecutor {
    private let queue = DispatchQueue(label: "simrun.live.model")

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedSerialExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}

/// ``WakeSignal`` on the wall clock: waiters are resumed in the order they began to wait.
final class LiveSignal: WakeSignal {
    private struct Waiting {
        var nextID: UInt64 = 0
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Bool, any Error>)] = []
        var timers: [UInt64: Task<Void, Never>] = [:]
    }

    private let runtime: LiveRuntime
    private let state = Mutex(Waiting())

    init(runtime: LiveRuntime) { self.runtime = runtime }

    nonisolated(nonsending) func waitForNotify(until deadline: Duration?) async throws -> Bool {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        return try await withTaskCancellationHandler(operation: {
            try await withCheckedThrowingContinuation(isolation: #isolation) { continuation in
                state.withLock { $0.waiters.append((id, continuation)) }
                if let deadline {
                    let delay = runtime.wall(deadline - runtime.now)
                    let timer = Task { [self] in
                        if delay > .zero { try? await Task.sleep(for: delay) }
                        if !Task.isCancelled { resume(id, with: .success(false)) }
                    }
                    state.withLock { $0.timers[id] = timer }
                }
                if Task.isCancelled { resume(id, with: .failure(CancellationError())) }
            }
        }, onCancel: {
            resume(id, with: .failure(CancellationError()))
        }, isolation: #isolation)
    }

    /// Resumes waiter `id` unless it was resumed already.
    private func resume(_ id: UInt64, with result: Result<Bool, any Error>) {
        let found = state.withLock { state -> (CheckedContinuation<Bool, any Error>, Task<Void, Never>?)? in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            let continuation = state.waiters.remove(at: index).continuation
            return (continuation, state.timers.removeValue(forKey: id))
        }
        guard let (continuation, timer) = found else { return }
        timer?.cancel()
        continuation.resume(with: result)
    }

    func notifyAll() {
        let woken = state.withLock { state -> [(CheckedContinuation<Bool, any Error>, Task<Void, Never>?)] in
            let all = state.waiters.map { ($0.continuation, state.timers[$0.id]) }
            state.waiters.removeAll()
            state.timers.removeAll()
            return all
        }
        for (continuation, timer) in woken {
            timer?.cancel()
            continuation.resume(returning: true)
        }
    }
}
