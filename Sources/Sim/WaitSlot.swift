import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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

    /// The waiter of the task's last or current wait. Read and written only under the
    /// executor's state lock (each accessor takes the locked state, `inout`, to say so): the
    /// task's waits take that lock anyway (the timer, or the parking), and a lock of the
    /// slot's own was two atomic operations more on every wait. Unchecked for exclusivity,
    /// as the lock orders every access.
    @exclusivity(unchecked) nonisolated(unsafe) private var held: Waiter?
    private let executor: SimExecutor
    /// The ``Task/address`` of the task the slot belongs to (0 until ``own(_:)``). A task
    /// started inside a spawned one inherits its task-locals, and with them this slot: it
    /// must not use it.
    private let owner = Atomic<Int>(0)
    /// Whether the owner task was cancelled. A spawned task is cancelled only through
    /// ``cancel(_:)`` (its `Task` stays inside the kernel: ``SimTask/cancel()`` and the end of
    /// the run come here), which sets this as it cancels the task, so it is what the runtime
    /// would answer for the owner, read without the runtime's atomic 16-byte read of the
    /// task's status (``knownTask(_:)``, on nearly every wait).
    private let ownerCancelled = Atomic<Bool>(false)
    /// The task's name (``Simulation/spawn(_:role:_:)``), for a guard's sample of the tasks
    /// that suspend (``SimExecutor/noteSuspension()``).
    let name: String

    init(executor: SimExecutor, name: String) {
        precondition(MemoryLayout<UnsafeCurrentTask>.size == MemoryLayout<Int>.size
                        && MemoryLayout<Task<Void, Never>>.size == MemoryLayout<Int>.size,
                     "UnsafeCurrentTask or Task is no longer a single reference: a task's address needs another way")
        self.executor = executor
        self.name = name
    }

    /// Binds the slot to `task`, the one it was made for.
    func own(_ task: Task<Void, Never>) {
        owner.store(task.address, ordering: .relaxed)
    }

    /// Whether the current task is cancelled (`Task.isCancelled`), and its slot if it was
    /// started by ``Simulation/spawn``, from one look at the current task (``RuntimeTask``):
    /// every kernel wait asks both. The task is told by its address (see ``Task/address``).
    ///
    /// The slot comes unretained: the task's binding holds it for as long as the task runs, and
    /// a retain and a release of it on every wait were two atomic operations for nothing.
    static var currentTask: (isCancelled: Bool, slot: Unmanaged<WaitSlot>?) {
        let slot = RuntimeTask.unretainedLocalValue(of: $current)
        guard let task = RuntimeTask.current else { return (false, nil) }
        guard let slot, slot._withUnsafeGuaranteedRef({ task.address == $0.owner.load(ordering: .relaxed) }) else {
            return (task.isCancelled, nil)
        }
        return (task.isCancelled, slot)
    }

    /// ``currentTask`` for a wait of the task the loop knows it runs (``SimExecutor/runningSlot``
    /// is `slot`): whether the task is cancelled, from the slot (``ownerCancelled``), with no
    /// look at the thread's current task, its task-local values or its status. Nil when the
    /// slot is not bound yet: the caller asks ``currentTask``.
    @inline(__always)
    static func knownTask(_ slot: Unmanaged<WaitSlot>) -> (isCancelled: Bool, slot: Unmanaged<WaitSlot>?)? {
        let (address, cancelled) = slot._withUnsafeGuaranteedRef {
            ($0.owner.load(ordering: .relaxed), $0.ownerCancelled.load(ordering: .relaxed))
        }
        guard address != 0 else { return nil }
        return (cancelled, slot)
    }

    /// The waiter of the task's last wait, made new for its next one, if nothing but the slot
    /// refers to it any more (no stale timer entry, no signal's list): allocating and freeing a
    /// waiter for every wait was about 6 % of the kernel M/M/1's instructions and 1 % of a
    /// `cluster-day` hour's. Nil otherwise (the caller makes a new one, and holds it). The
    /// slot goes on holding the reused one: the caller need not hold it again, and it comes
    /// unretained (the slot keeps it until the task's next wait, even when the task is
    /// cancelled: ``cancel()``). The last wait has ended: the task is running.
    ///
    /// The held waiter is looked at through its address, not bound to a constant: a binding
    /// was a retain and a release on every wait (two atomic operations), and the slot's
    /// reference, under the executor's lock, keeps the waiter alive meanwhile.
    func reusedWaiter(timed: Bool, _ locked: inout SimExecutor.State) -> Unmanaged<Waiter>? {
        guard isKnownUniquelyReferenced(&held) else { return nil }
        let address = withUnsafeMutablePointer(to: &held) {
            UnsafeRawPointer($0).load(as: UnsafeRawPointer?.self)
        }
        guard let address else { return nil }
        let reused = Unmanaged<Waiter>.fromOpaque(address)
        guard reused._withUnsafeGuaranteedRef({ $0.isResumed }) else { return nil }
        reused._withUnsafeGuaranteedRef { $0.reuse(timed: timed) }
        return reused
    }

    /// The waiter the slot holds (its task's last or current wait), for tests.
    var heldWaiter: ObjectIdentifier? { executor.state.withLock { _ in held.map(ObjectIdentifier.init) } }

    /// A new waiter for the task's wait, held by the slot (`slot` is this one, unretained)
    /// from now on; unretained, as ``reusedWaiter(timed:_:)``'s.
    func holdNewWaiter(timed: Bool, slot: Unmanaged<WaitSlot>, _ locked: inout SimExecutor.State) -> Unmanaged<Waiter> {
        let new = Waiter(timed: timed)
        new.taskSlot = slot
        hold(new, &locked)
        return .passUnretained(new)
    }

    /// The task suspends in `waiter` (called before the continuation can be resumed by
    /// anyone else: jobs run one at a time).
    func hold(_ waiter: Waiter, _ locked: inout SimExecutor.State) {
        held = waiter
    }

    /// Cancels `task` (the slot's), recording it for the task's waits (``ownerCancelled``),
    /// and ends its wait. The resumed wait's job is given to the global executor, which sends
    /// it to the simulator's only from a thread marked as the simulator's
    /// (``GlobalJobRouting``): this one is marked for the call, wherever it runs.
    func cancel(_ task: Task<Void, Never>) {
        GlobalJobRouting.onThread(of: executor) {
            if task.address == owner.load(ordering: .relaxed) { ownerCancelled.store(true, ordering: .relaxed) }
            task.cancel()
            cancel()
        }
    }

    /// The task was cancelled: its wait, if it is in one, ends now with `.cancelled`. The slot
    /// keeps the waiter: a wait through the gate holds no reference of its own, and reads
    /// why it ended from the waiter when its task runs again.
    func cancel() {
        guard let held = executor.state.withLock({ _ in self.held }) else { return }
        // Marked first: a wake-up of the wait already queued as a check (the resume below
        // then finds the waiter resumed) must resume the task, which ends at its next wait.
        held.noteCancellation()
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

/// The running task, as a kernel wait looks at it when the loop does not know the task's
/// slot (``WaitSlot/currentTask``): its address and whether it is cancelled.
///
/// `withUnsafeCurrentTask` (which `Task.isCancelled` also goes through) is generic and retains
/// and releases the task around its body; on every wait that was about an eighth of the
/// kernel M/M/1 (1.34 -> 1.18 s for a million customers). Both only call two functions the
/// concurrency runtime exports, `swift_task_getCurrent` and `swift_task_isCancelled` (Swift
/// calling convention, the task unretained), so they are looked up once (`dlsym`, as
/// ``GlobalJobRouting`` finds its hook) and called directly. The task pointer is never
/// dereferenced or kept: it is passed back to the runtime and compared by address while the
/// task runs. A runtime that does not export them (a static build that hides its symbols)
/// falls back to `withUnsafeCurrentTask`, with the same answers.
enum RuntimeTask {
    typealias GetCurrent = @convention(thin) () -> UnsafeRawPointer?
    typealias IsCancelled = @convention(thin) (UnsafeRawPointer) -> Bool
    typealias LocalValueGet = @convention(thin) (UnsafeRawPointer) -> UnsafeMutableRawPointer?

    /// Whether this process's runtime exports both entry points. Looking them up (once per
    /// process, on the first access) stores them in ``entries``.
    static let found: Bool = {
        guard let handle = dlopen(nil, RTLD_NOW),
              let getCurrent = dlsym(handle, "swift_task_getCurrent"),
              let isCancelled = dlsym(handle, "swift_task_isCancelled") else { return false }
        entries = (unsafeBitCast(getCurrent, to: GetCurrent.self), unsafeBitCast(isCancelled, to: IsCancelled.self))
        return true
    }()

    /// The entry points once ``found`` (every ``SimExecutor`` looks them up when it is made):
    /// a plain global, read on every wait without the `swift_once` check of a `static let`.
    /// Written once, under the `swift_once` of ``found``, before any simulation runs, so
    /// unchecked for exclusivity (a global `var` is otherwise checked on every read).
    @exclusivity(unchecked) nonisolated(unsafe) private(set) static var entries: (getCurrent: GetCurrent, isCancelled: IsCancelled)?

    /// Looks the entry points up if no one has yet.
    static func lookUp() { _ = found; _ = localValueFound; _ = currentExecutorFound }

    typealias GetCurrentExecutor = @convention(thin) () -> UnownedSerialExecutor

    /// `swift_task_getCurrentExecutor`, the runtime's executor for the code running now (the
    /// one an actor's code runs on, a task's preferred or the generic one otherwise; Swift
    /// calling convention, two words returned as `UnownedSerialExecutor` holds them), once
    /// found (``currentExecutorFound``); nil otherwise.
    @exclusivity(unchecked) nonisolated(unsafe) private(set) static var currentExecutor: GetCurrentExecutor?

    /// Whether ``currentExecutor`` is found (and `UnownedSerialExecutor` is the two words it
    /// returns). Looked up once per process. Its answers are not checked here: the first
    /// simulation may be made on any executor, where the right answer is not known;
    /// `WaitSlotTests` compares them with the actor's own on and off the executor.
    static let currentExecutorFound: Bool = {
        guard MemoryLayout<UnownedSerialExecutor>.size == 2 * MemoryLayout<UInt>.size,
              let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "swift_task_getCurrentExecutor") else {
            return false
        }
        currentExecutor = unsafeBitCast(symbol, to: GetCurrentExecutor.self)
        return true
    }()

    /// `swift_task_localValueGet`, the runtime's read of a task-local value, once it has been
    /// checked to read what `TaskLocal.get()` reads (``localValueFound``); nil otherwise.
    ///
    /// `TaskLocal.get()` is generic and not inlinable: it copies the value out through its
    /// type's value witness, which for the wait slot every kernel wait reads was 48
    /// instructions of the 85 the read took (about 4 % of the kernel M/M/1). The runtime
    /// function is exported (Swift calling convention) and returns the address of the value
    /// bound in the current task (or, outside a task, on the thread), or nil where none is
    /// bound; the key is the `TaskLocal` object itself, which is how the standard library
    /// asks. That key is the standard library's own business, so it is checked once with a
    /// task-local of the same kind before it is trusted.
    @exclusivity(unchecked) nonisolated(unsafe) private(set) static var localValueGet: LocalValueGet?

    /// Whether ``localValueGet`` is found and reads what `TaskLocal.get()` reads: bound and
    /// unbound, on this thread. Looked up once per process.
    static let localValueFound: Bool = {
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "swift_task_localValueGet") else {
            return false
        }
        let get = unsafeBitCast(symbol, to: LocalValueGet.self)
        let probe = TaskLocal<Probe?>(wrappedValue: nil)
        let bound = Probe()
        let agrees = probe.withValue(bound) {
            read(probe, with: get)?.takeUnretainedValue() === bound && probe.get() === bound
        } && read(probe, with: get) == nil
        if agrees { localValueGet = get }
        return agrees
    }()

    private final class Probe: Sendable {}

    /// The value `local` has in the current task, as `local.get()` answers it: read through
    /// ``localValueGet`` when it is available, through `local.get()` otherwise. For
    /// task-locals whose default is nil.
    @inline(__always)
    static func localValue<Value: AnyObject>(of local: TaskLocal<Value?>) -> Value? {
        unretainedLocalValue(of: local)?.takeUnretainedValue()
    }

    /// ``localValue(of:)`` without a retain: for a value the binding keeps alive while the
    /// caller uses it (the current task's own binding, read by the task).
    @inline(__always)
    static func unretainedLocalValue<Value: AnyObject>(of local: TaskLocal<Value?>) -> Unmanaged<Value>? {
        read(local, with: localValueGet)
    }

    /// `local`'s value read with `get` (nil where none is bound), or with `local.get()` if
    /// `get` is nil; unretained, as the binding holds it.
    @inline(__always)
    private static func read<Value: AnyObject>(_ local: TaskLocal<Value?>, with get: LocalValueGet?)
        -> Unmanaged<Value>? {
        guard let get else { return local.get().map { Unmanaged.passUnretained($0) } }
        let key = UnsafeRawPointer(Unmanaged.passUnretained(local).toOpaque())
        return get(key).flatMap { $0.assumingMemoryBound(to: UnsafeRawPointer?.self).pointee }
            .map { Unmanaged<Value>.fromOpaque($0) }
    }

    /// The running task's address (``UnsafeCurrentTask/address``) and whether it is
    /// cancelled; nil when no task runs.
    static var current: (address: Int, isCancelled: Bool)? {
        if let entries {
            guard let task = entries.getCurrent() else { return nil }
            return (Int(bitPattern: task), entries.isCancelled(task))
        }
        return throughStandardLibrary
    }

    /// The same answer through `withUnsafeCurrentTask` (the fallback, and what tests compare
    /// ``current`` with).
    static var throughStandardLibrary: (address: Int, isCancelled: Bool)? {
        withUnsafeCurrentTask { task in task.map { ($0.address, $0.isCancelled) } }
    }
}

extension Unmanaged where Instance == WaitSlot {
    /// The waiter for the slot's task's next wait through the gate: its last, reused, or a
    /// new one the slot holds from now on; unretained (the slot holds it until the task's
    /// next wait, even when the task is cancelled).
    @inline(__always)
    func waiterForWait(timed: Bool, _ locked: inout SimExecutor.State) -> Unmanaged<Waiter> {
        _withUnsafeGuaranteedRef { slot in
            slot.reusedWaiter(timed: timed, &locked) ?? slot.holdNewWaiter(timed: timed, slot: self, &locked)
        }
    }
}
