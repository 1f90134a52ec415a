/// Virtual time as Swift's `Clock`, so model code sleeps with `try await clock.sleep(for:)`.
///
/// Instants are offsets from the start of the run. The clock reads and advances only through
/// its ``SimExecutor``; see the ordering contract there for when a sleep ends.
public struct SimClock: Clock {
    public struct Instant: InstantProtocol, Hashable, Sendable, CustomStringConvertible {
        /// Time since the start of the run.
        public var offset: Duration

        public init(offset: Duration) { self.offset = offset }

        public static let zero = Instant(offset: .zero)

        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
        public var description: String { "t=\(offset.seconds.formatted6)s" }
    }

    public let executor: SimExecutor

    public init(executor: SimExecutor) { self.executor = executor }

    public var now: Instant { Instant(offset: executor.now) }
    public var minimumResolution: Duration { .nanoseconds(1) }

    /// Suspends until `deadline` under the kernel's ordering contract, on the caller's actor
    /// (the `Clock` requirement). Throws `CancellationError` if the task is cancelled while it
    /// sleeps.
    ///
    /// The sleeps and ``Signal/wait(until:observing:)`` run on the caller's executor
    /// (`nonisolated(nonsending)`): a function taking an `isolated` parameter instead hops to
    /// it on entry and after every await, each hop a call into the runtime that finds it is
    /// already there (about 3 % of the kernel M/M/1 for the kernel's own `suspend` alone).
    @inline(__always)
    nonisolated(nonsending)
    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        if await executor.suspend(deadline: deadline.offset, sleeping: true) == .cancelled {
            throw CancellationError()
        }
    }

    /// Suspends until `deadline` as an *observer* (ordering contract, rule 3): among the
    /// timers of that instant this one fires after every ordinary one. For polls that only
    /// look at the state, so that a poll skipped and one taken see the same thing.
    @inline(__always)
    nonisolated(nonsending)
    public func sleep(until deadline: Instant, observing: Bool) async throws {
        if await executor.suspend(deadline: deadline.offset, observer: observing, sleeping: true) == .cancelled {
            throw CancellationError()
        }
    }

    /// Suspends for `duration`, on the caller's actor.
    @inline(__always)
    nonisolated(nonsending)
    public func sleep(for duration: Duration, tolerance: Duration? = nil) async throws {
        if await executor.suspend(deadline: executor.now.adding(duration), sleeping: true) == .cancelled {
            throw CancellationError()
        }
    }
}

extension SimExecutor {
    /// Suspends the current task until `deadline` (nil: until resumed otherwise), calling
    /// `register` with the waiter first so a signal can find it.
    ///
    /// It runs, and the task resumes, on the caller's executor (its actor), so a wake-up
    /// costs one job. A spawned task on an actor of this executor suspends through the gate
    /// (``SuspensionGate``), its job kept by the waiter; any other wait suspends on a
    /// continuation. Both give the same jobs in the same order (`SuspensionGateTests`).
    ///
    /// Inlined, as are the clock's sleeps and the simulation's pauses that call it: the
    /// compiler leaves async functions out of line unless told, and each async call allocates
    /// its callee's frame from the task's allocator; inlined, a sleep through ``Runtime`` is
    /// one async call (the protocol's) instead of four.
    @inline(__always)
    nonisolated(nonsending)
    func suspend(deadline: Duration?, observer: Bool = false, sleeping: Bool = false,
                 register: (Waiter) -> Void = { _ in }) async -> Waiter.Reason {
        let isolation: (any Actor)? = #isolation
        // On an actor of this executor the caller runs in a job of the loop, which may know
        // the task's slot (``runningSlot``).
        let onThis = gated && runsOnThis(isolation)
        let current = waitingTask(runsInLoop: onThis)
        if current.isCancelled { return .cancelled }
        if let slot = current.slot {
            // A spawned task: cancellation reaches the wait through its slot (see WaitSlot),
            // which also keeps its last waiter for reuse. Unretained: the task's binding
            // holds it. A reused waiter is the one the slot holds already (holding it again
            // was a lock, a retain and two releases on nearly every wait); it comes unretained.
            if onThis {
                // On an actor of this executor: the task suspends by passing the gate, its
                // job kept by the waiter (``SuspensionGate``), with no continuation. The slot
                // holds the waiter until the task's next wait, so this frame holds none: a
                // retain and a release fewer on every wait. A sleep whose wake-up would be the
                // loop's next step goes on in this job (rule 8), taking no waiter.
                let waiter: Unmanaged<Waiter>
                if sleeping, let deadline {
                    guard let scheduled = startSleep(of: slot, until: deadline, observer: observer) else {
                        return .deadline
                    }
                    waiter = scheduled
                } else {
                    waiter = startWait(of: slot, until: deadline, observer: observer)
                }
                waiter._withUnsafeGuaranteedRef { waiter in
                    register(waiter)
                    gateExecutor.parking = .passUnretained(waiter)
                }
                await gate.pass()
                return waiter._withUnsafeGuaranteedRef { $0.jobReason }
            }
            let reused = reusedWaiter(of: slot, timed: deadline != nil)
            let held = reused != nil
            let waiter = reused?.takeUnretainedValue() ?? Waiter(timed: deadline != nil)
            if !held { waiter.taskSlot = slot }
            return await withUnsafeContinuation(isolation: #isolation) { (continuation: UnsafeContinuation<Waiter.Reason, Never>) in
                waiter.install(continuation)
                enter(waiter, deadline: deadline, observer: observer)
                register(waiter)
                if !held { hold(waiter, in: slot) }
            }
        }
        let waiter = Waiter(timed: deadline != nil)
        return await withTaskCancellationHandler(operation: {
            await withUnsafeContinuation(isolation: #isolation) { (continuation: UnsafeContinuation<Waiter.Reason, Never>) in
                waiter.install(continuation)
                enter(waiter, deadline: deadline, observer: observer)
                register(waiter)
            }
        }, onCancel: {
            if waiter.resume(.cancelled) { forget(waiter) }
        }, isolation: #isolation)
    }

    /// Whether `isolation`, the caller's, is an actor of this executor. Code isolated to an
    /// actor runs on that actor's executor, so where the runtime's current executor can be
    /// read (``RuntimeTask/currentExecutor``) the answer is whether it is this one: asking
    /// the actor for its `unownedExecutor` retained and released it around the call (two
    /// atomic operations on every wait), a borrowed parameter or not.
    @inline(__always)
    func runsOnThis(_ isolation: (any Actor)?) -> Bool {
        guard isolation != nil else { return false }
        if let current = RuntimeTask.currentExecutor { return runsOnThis(current()) }
        return runsOnThis(askingActor: isolation)
    }

    /// ``runsOnThis(_:)`` asked of the actor (where the runtime's current executor cannot be
    /// read, and for tests).
    @inline(never)
    func runsOnThis(askingActor isolation: (any Actor)?) -> Bool {
        guard let isolation else { return false }
        return runsOnThis(isolation.unownedExecutor)
    }

    /// A sleep of `slot`'s task through the gate until `deadline`: nil if it went on where it
    /// was (rule 8, taking no waiter), else the waiter its timer is set for (unretained, as
    /// ``Unmanaged/waiterForWait(timed:_:)`` gives it). Not inlined, as ``waitingTask(runsInLoop:)``.
    @inline(never)
    func startSleep(of slot: Unmanaged<WaitSlot>, until deadline: Duration, observer: Bool) -> Unmanaged<Waiter>? {
        scheduleSleep(at: deadline, observer: observer, waiter: { slot.waiterForWait(timed: true, &$0) })
    }

    /// `slot`'s ``WaitSlot/reusedWaiter(timed:_:)``, under the lock. Not inlined (nor is
    /// ``hold(_:in:)``): a wait on a continuation is rare, and inlined, the lock made
    /// ``suspend(deadline:observer:sleeping:register:)`` too large to be inlined itself.
    @inline(never)
    func reusedWaiter(of slot: Unmanaged<WaitSlot>, timed: Bool) -> Unmanaged<Waiter>? {
        state.withLock { state in slot._withUnsafeGuaranteedRef { $0.reusedWaiter(timed: timed, &state) } }
    }

    /// `slot` holds `waiter` from now on (``WaitSlot/hold(_:_:)``), under the lock.
    @inline(never)
    func hold(_ waiter: Waiter, in slot: Unmanaged<WaitSlot>) {
        state.withLock { state in slot._withUnsafeGuaranteedRef { $0.hold(waiter, &state) } }
    }

    /// ``WaitSlot/currentTask`` for a wait, from ``runningSlot`` when the waiting task runs
    /// in a job of the loop (`runsInLoop`) that knows its slot. Not inlined: the clock's
    /// sleeps, which are, then stayed too large to be inlined into the model's code.
    @inline(never)
    func waitingTask(runsInLoop: Bool) -> (isCancelled: Bool, slot: Unmanaged<WaitSlot>?) {
        if runsInLoop, let running = runningSlot, let known = WaitSlot.knownTask(running) { return known }
        return WaitSlot.currentTask
    }

    /// Gives `waiter` its timer (or parks it without one), and counts the suspension if a
    /// guard's sample is running.
    func enter(_ waiter: Waiter, deadline: Duration?, observer: Bool) {
        if state.withLock({ enter(waiter, deadline: deadline, observer: observer, &$0) }) { noteSuspension() }
    }
}

extension Duration {
    /// `self + other`: the same value, and the same trap if it overflows, added inline.
    /// `Duration`'s `+` is a call into the standard library (through its own 128-bit
    /// integer), made millions of times on a long run: each sleep's deadline, each round of
    /// a daemon's grid (1.2 million calls in an hour of `cluster-day`, about 35 instructions
    /// each against 3 here).
    @inlinable @inline(__always)
    public func adding(_ other: Duration) -> Duration {
        Duration(attoseconds: attoseconds + other.attoseconds)
    }

    /// This duration in seconds, for output and arithmetic at the edges only.
    public var seconds: Double {
        if let atto = shortAttoseconds {
            return Double(atto / 1_000_000_000_000_000_000) + Double(atto % 1_000_000_000_000_000_000) * 1e-18
        }
        let (s, atto) = components
        return Double(s) + Double(atto) * 1e-18
    }

    /// This duration in whole microseconds, rounded down (histograms record microseconds).
    public var microseconds: Int64 {
        if let atto = shortAttoseconds { return atto / 1_000_000_000_000 }
        let (s, atto) = components
        return s * 1_000_000 + atto / 1_000_000_000_000
    }

    /// The attoseconds of a duration from zero to 2^63 - 1 attoseconds (about 9.2 s), else
    /// nil. `components` divides the 128-bit count (a call into the standard library, about
    /// 3 % of the kernel M/M/1, whose waits, services and inter-arrivals are mostly that
    /// short); within this range the same seconds and remainder come from 64-bit division
    /// (both round toward zero, and agree for a non-negative count).
    @inline(__always)
    var shortAttoseconds: Int64? {
        guard let atto = Int64(exactly: attoseconds), atto >= 0 else { return nil }
        return atto
    }

    /// This duration in whole nanoseconds, rounded down, clamped to the range of `Int64`.
    public var nanosecondsClamped: Int64 {
        let (s, atto) = components
        let (whole, overflow) = s.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return s < 0 ? .min : .max }
        let (sum, overflowSum) = whole.addingReportingOverflow(atto / 1_000_000_000)
        return overflowSum ? (s < 0 ? .min : .max) : sum
    }

    /// A duration from floating seconds, rounded to the nanosecond so that arithmetic on the
    /// result is exact and platform independent. Never traps: values beyond ``longest``
    /// (either sign) saturate there, and NaN gives zero.
    public static func seconds(double value: Double) -> Duration {
        .nanoseconds(nanosecondsRounded(seconds: value))
    }

    /// The longest duration a scenario or flag can state: 2^63 - 1 ns, about 2562047 h (292
    /// years). Distribution samples are capped here (see ``Distribution/sample(_:)``).
    public static let longest = Duration.nanoseconds(Int64.max)
}

extension Double {
    /// Fixed six-decimal rendering used in every output, so bytes are stable.
    public var formatted6: String { formatFixed(self, decimals: 6) }
}

/// Renders `value` with exactly `decimals` digits after the point, without Foundation.
public func formatFixed(_ value: Double, decimals: Int) -> String {
    if value.isNaN { return "nan" }
    if value.isInfinite { return value < 0 ? "-inf" : "inf" }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let negative = value < 0
    let scaled = (abs(value) * scale).rounded()
    guard scaled < 9.0e18 else { return negative ? "-\(abs(value))" : "\(value)" }
    let units = UInt64(scaled)
    let divisor = UInt64(scale)
    let whole = units / divisor
    var fraction = String(units % divisor)
    while fraction.count < decimals { fraction = "0" + fraction }
    let sign = negative && units != 0 ? "-" : ""
    return decimals == 0 ? "\(sign)\(whole)" : "\(sign)\(whole).\(fraction)"
}
