import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The executor's state (``SimExecutor/State``) and what is guarded with it (a signal's
/// waiters): held by the loop's thread for as long as the loop runs, so that the loop and the
/// jobs and checks it runs read and write it without an atomic instruction, and locked by any
/// other thread for each access.
///
/// A mutex taken for every access cost two atomic instructions each time, five times or more
/// for each daemon ideal mode wakes and on every turn of the loop: 8 % of the wall time of
/// `cluster-day.yaml`'s `ideal-plan` on a 2-core machine, 3 % of `plan`'s (docs/performance.md,
/// "Session 36").
/// Nearly every access is made on the loop's thread, while it runs, by the run's own jobs;
/// the rest (setting up a run before its loop, the tests, a task started or cancelled from
/// outside, reading a counter after the run) are made by threads that do not hold the state,
/// and lock it as the mutex did.
///
/// ``hold(_:)`` holds the state for the loop: it takes the lock and marks the calling thread
/// as the holder. ``withLock(_:)`` and ``guarding(_:)`` run their body directly on the
/// holder's thread; on any other thread they take the lock for the body, waiting until it is
/// free. A thread that waits says so (``waiting``), and the holder lets it in between two of
/// the loop's steps (``letWaitingIn()``): no thread waits for the whole run, and a thread
/// asking the loop to stop (``SimExecutor/requestStop()``) is heard at its next step, as
/// before.
///
/// The holder is recognised by its thread's identity (`pthread_self()`), read with one load
/// that no other thread writes to the holder's value: a thread sees its own identity there
/// only if it stored it itself.
struct LoopOwned<Value: ~Copyable>: ~Copyable, @unchecked Sendable {
    private let value: UnsafeMutablePointer<Value>
    /// Set while a thread has the state: the holder, or another thread for one access.
    private let locked = Atomic<Bool>(false)
    /// The thread that holds the state for a loop (``currentThread``), 0 for none.
    private let holder = Atomic<UInt>(0)
    /// Threads waiting for the lock while the state is held.
    private let waiting = Atomic<Int>(0)

    init(_ initial: consuming Value) {
        value = .allocate(capacity: 1)
        value.initialize(to: initial)
    }

    deinit {
        value.deinitialize(count: 1)
        value.deallocate()
    }

    /// This thread's identity, as ``holder`` holds it (never 0: a thread's handle is the
    /// address of its control block).
    @inline(__always)
    static var currentThread: UInt {
        #if canImport(Glibc)
        UInt(pthread_self())
        #else
        UInt(bitPattern: pthread_self())
        #endif
    }

    /// Whether this thread holds the state (runs the loop).
    @inline(__always)
    var isHeldHere: Bool { holder.load(ordering: .relaxed) == Self.currentThread }

    /// Runs `body` with the state (as ``guarding(_:)``), as `Mutex.withLock` does. Not
    /// reentrant: `body` must not ask again. Its own three lines rather than a call of
    /// ``guarding(_:)`` with a closure around `body`: so nested, the optimiser outlined the
    /// loop's step and four other accesses as closures of their own.
    @inline(__always)
    func withLock<Result: ~Copyable, E: Error>(_ body: (inout Value) throws(E) -> Result) throws(E) -> Result {
        let held = isHeldHere
        if !held { acquire() }
        defer { if !held { release() } }
        return try body(&value.pointee)
    }

    /// Runs `body` where the state, and what its lock guards besides it (a signal's
    /// waiters), may be read and written: at once on the holder's thread, else with the lock
    /// taken for the call. The body is called here in either case, never handed to a function
    /// that is not inlined: a closure handed on keeps what it captures alive around the call
    /// (a reference count each), which made a first version slower than the mutex it
    /// replaced.
    @inline(__always)
    func guarding<Result: ~Copyable, E: Error>(_ body: () throws(E) -> Result) throws(E) -> Result {
        let held = isHeldHere
        if !held { acquire() }
        defer { if !held { release() } }
        return try body()
    }

    /// Takes the lock, waiting (and saying so) while another thread has it. Not inlined: on
    /// the loop's thread, while it runs, nothing takes it.
    @inline(never)
    private func acquire() {
        if locked.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged { return }
        waiting.wrappingAdd(1, ordering: .relaxed)
        while !locked.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged {
            sched_yield()
        }
        waiting.wrappingSubtract(1, ordering: .relaxed)
    }

    /// Gives back the lock ``acquire()`` took.
    @inline(__always)
    private func release() {
        locked.store(false, ordering: .releasing)
    }

    /// Takes the lock and marks this thread as the holder (``hold(_:)``).
    private func becomeHolder() {
        acquire()
        holder.store(Self.currentThread, ordering: .relaxed)
    }

    /// Unmarks the holder and gives back the lock.
    private func stopHolding() {
        holder.store(0, ordering: .relaxed)
        release()
    }

    /// Holds the state on this thread for the whole of `body` (the loop): every access from
    /// this thread meanwhile is direct. On the holder's thread already (a loop inside a
    /// loop's job), `body` just runs.
    func hold<Result>(_ body: () throws -> Result) rethrows -> Result {
        if isHeldHere { return try body() }
        becomeHolder()
        defer { stopHolding() }
        return try body()
    }

    /// Called by the holder between two steps of the loop: if another thread waits for the
    /// state, gives it up until no thread waits, then holds it again. One plain load when
    /// nobody waits.
    @inline(__always)
    func letWaitingIn() {
        if waiting.load(ordering: .relaxed) > 0 { stepAside() }
    }

    @inline(never)
    private func stepAside() {
        stopHolding()
        while waiting.load(ordering: .relaxed) > 0 { sched_yield() }
        becomeHolder()
    }
}
