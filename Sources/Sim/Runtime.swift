/// What the model needs from whatever runs it: a clock, a way to start tasks, signals to
/// wait on, and the serial executor its actors share.
///
/// Two implementations: ``Simulation`` (virtual time, deterministic, the default) and
/// ``LiveRuntime`` (the wall clock, for live mode against a real database). Model code reads
/// time as a `Duration` since the start of the run, never as a clock's instant, so what it
/// records means the same under both.
public protocol Runtime: AnyObject, Sendable {
    /// Time since the start of the run.
    var now: Duration { get }

    /// Suspends for `duration` (of run time), on the caller's actor (as every wait here:
    /// `nonisolated(nonsending)`, no hop on entry or after the wait; see ``SimClock``).
    /// Throws `CancellationError` when the task is cancelled.
    nonisolated(nonsending) func pause(for duration: Duration) async throws

    /// Suspends until `deadline` (run time since the start), on the caller's actor.
    nonisolated(nonsending) func pause(until deadline: Duration) async throws

    /// A new condition to wait on.
    func makeSignal() -> any WakeSignal

    /// Starts `body` as a task: foreground (the run waits for it) or a daemon.
    @discardableResult
    func spawn(_ name: String, role: Simulation.Role, _ body: @escaping @Sendable () async -> Void) -> SimTask

    /// Starts each of `starts` as a task at its instant (run time since the start; now if it
    /// has passed), as tasks spawned now that first sleep until then would run, but holding
    /// no task meanwhile where the runtime can (``Simulation/spawn(_:role:)``). A start the
    /// run ends before never runs its body.
    func spawn(_ starts: [Simulation.LaterStart], role: Simulation.Role)

    /// The serial executor every model actor runs on.
    var actorExecutor: UnownedSerialExecutor { get }
}

// Inlined into the caller, so a sleep through `any Runtime` is the requirement's call alone
// (see `SimExecutor.suspend` on async frames).
extension Runtime {
    /// Suspends for `duration`; resumes on the caller's actor.
    @inlinable @inline(__always)
    nonisolated(nonsending) public func sleep(for duration: Duration) async throws {
        try await pause(for: duration)
    }

    /// Suspends until `deadline` (since the start); resumes on the caller's actor.
    @inlinable @inline(__always)
    nonisolated(nonsending) public func sleep(until deadline: Duration) async throws {
        try await pause(until: deadline)
    }
}

/// A condition tasks wait on, optionally with a deadline (see ``Signal`` for the contract).
public protocol WakeSignal: AnyObject, Sendable {
    /// Waits until notified or until `deadline` (run time since the start; nil: no deadline).
    /// Returns `true` if notified. Throws `CancellationError` when the task is cancelled.
    @discardableResult
    nonisolated(nonsending) func waitForNotify(until deadline: Duration?) async throws -> Bool

    /// Wakes every current waiter.
    func notifyAll()
}

// Inlined, as `Runtime`'s sleeps are.
extension WakeSignal {
    /// Waits until notified (no deadline).
    @discardableResult
    @inlinable @inline(__always)
    nonisolated(nonsending) public func wait() async throws -> Bool {
        try await waitForNotify(until: nil)
    }

    /// Waits until notified or until `deadline` (since the start; nil: no deadline).
    @discardableResult
    @inlinable @inline(__always)
    nonisolated(nonsending) public func wait(untilOffset deadline: Duration?) async throws -> Bool {
        try await waitForNotify(until: deadline)
    }
}

extension Simulation: Runtime {
    public var now: Duration { executor.now }

    @inline(__always)
    nonisolated(nonsending) public func pause(for duration: Duration) async throws {
        try await clock.sleep(for: duration)
    }

    @inline(__always)
    nonisolated(nonsending) public func pause(until deadline: Duration) async throws {
        try await clock.sleep(until: SimClock.Instant(offset: deadline))
    }

    public func makeSignal() -> any WakeSignal { Signal(executor: executor) }

    public var actorExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
}

extension Signal: WakeSignal {
    @discardableResult
    @inline(__always)
    nonisolated(nonsending) public func waitForNotify(until deadline: Duration?) async throws -> Bool {
        try await wait(until: deadline.map { SimClock.Instant(offset: $0) })
    }
}

extension Duration {
    /// A time since the start of the run as `t=1.500000s` (messages and traces).
    public var instantDescription: String { "t=\(seconds.formatted6)s" }
}
