#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Sends the jobs a simulation's tasks give to Swift's global executor to the simulation's
/// own executor instead, so that a task needs no task executor preference.
///
/// Model code that is not isolated to an actor (a task's closure, and a continuation resumed
/// by the kernel, which the runtime resumes on the global executor) runs on "the generic
/// executor". A task started with `Task(executorPreference:)` sends those jobs to its preferred
/// executor, but the runtime then reads the preference under the task's status lock (a
/// pthread mutex) on every actor hop (`swift_task_switch`), taken or not: about a fifth of
/// the kernel's time. Instead, the thread that runs a simulation's loop is marked (a
/// thread-specific value) while it runs jobs or starts tasks, and the runtime's hook for
/// global jobs (`swift_task_enqueueGlobal_hook`) hands a job enqueued from a marked thread to
/// that simulation's ``SimExecutor``: at the moment, and so in the order, the preference
/// did. Jobs enqueued from any other thread (live mode, other tasks of the process) go to
/// the hook found before, or to the runtime's global executor, untouched.
///
/// The simulation is single-threaded while it runs (ordering contract, rule 1), so every job
/// of its tasks is enqueued from the loop's thread; a task started before the run is started
/// on the thread that calls ``Simulation/spawn(_:role:_:)``, marked for that call. A task
/// started with a bare `Task {}` inside a simulation job therefore runs on the simulator too
/// (with the preference it ran on the global executor); the model starts its tasks only
/// through ``Runtime/spawn(_:role:_:)``.
enum GlobalJobRouting {
    typealias Original = @convention(thin) (UnownedJob) -> Void
    typealias Hook = @convention(thin) (UnownedJob, Original) -> Void

    /// The hook installed before ours, called for jobs of unmarked threads.
    ///
    /// This and ``key`` are written once, under the `swift_once` of ``isAvailable``, before
    /// the hook can read them, and only read after: unchecked for exclusivity (a global
    /// `var` is otherwise checked at run time on every read, here once per job).
    @exclusivity(unchecked) nonisolated(unsafe) private static var previous: Hook?

    /// The thread-specific value marking a simulation's thread, made by ``isAvailable``
    /// before it installs the hook and never changed after; meaningful only if the hook is
    /// installed. A plain global, read without `swift_once` (a `static let` is checked on
    /// every read, and the hook runs for every job a task resumes).
    @exclusivity(unchecked) nonisolated(unsafe) private static var key: pthread_key_t = 0

    /// Whether the hook is installed (once per process). A runtime that exports no
    /// `swift_task_enqueueGlobal_hook` leaves it uninstalled: ``Simulation`` then starts its
    /// tasks with `Task(executorPreference:)` as before, slower by the status-lock read on
    /// every hop, with the same jobs in the same order. `SIMRUN_NO_JOB_ROUTING` set in the
    /// environment does the same on purpose (a test compares the two ways' output bytes).
    static let isAvailable: Bool = {
        guard getenv("SIMRUN_NO_JOB_ROUTING") == nil, let handle = dlopen(nil, RTLD_NOW),
              let symbol = dlsym(handle, "swift_task_enqueueGlobal_hook"), pthread_key_create(&key, nil) == 0
        else { return false }
        let hook = symbol.assumingMemoryBound(to: Hook?.self)
        previous = hook.pointee
        hook.pointee = { job, original in
            if let marked = pthread_getspecific(GlobalJobRouting.key) {
                // Without a retain and release of the executor per job: it outlives the mark
                // (``onThread(of:_:)`` holds it for the whole call).
                Unmanaged<SimExecutor>.fromOpaque(marked)._withUnsafeGuaranteedRef { $0.append(job) }
            } else if let previous = GlobalJobRouting.previous {
                previous(job, original)
            } else {
                original(job)
            }
        }
        return true
    }()

    /// Runs `body` with this thread marked as `executor`'s: global jobs enqueued meanwhile go
    /// to `executor`. Restores the previous mark (a simulation run from inside another's job).
    static func onThread<T>(of executor: SimExecutor, _ body: () throws -> T) rethrows -> T {
        guard isAvailable else { return try body() }
        let saved = pthread_getspecific(key)
        pthread_setspecific(key, Unmanaged.passUnretained(executor).toOpaque())
        defer { pthread_setspecific(key, saved) }
        return try body()
    }
}
