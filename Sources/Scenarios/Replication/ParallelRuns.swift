import Dispatch
import Synchronization

/// Runs jobs `0..<count` on up to `threads` threads (the calling one among them), each job
/// once, and returns their results by job index: which thread ran a job, and when, never shows
/// in the result. Replications (``Replicator``) and the variants of one run
/// (``ScenarioRunner``) are independent simulations, each on the thread that takes it.
func runInParallel<Result: Sendable>(_ count: Int, threads: Int,
                                     _ job: @Sendable (Int) -> Result) -> [Result] {
    let slots = Mutex([Result?](repeating: nil, count: count))
    let next = Atomic<Int>(0)
    DispatchQueue.concurrentPerform(iterations: max(1, min(threads, count))) { _ in
        while true {
            let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
            guard index < count else { return }
            let result = job(index)
            slots.withLock { $0[index] = result }
        }
    }
    // Every index below `count` was taken by exactly one thread, and `concurrentPerform`
    // returns once every thread has finished: every slot is filled.
    return slots.withLock { $0 }.map { slot in
        guard let slot else { preconditionFailure("a job run in parallel left no result") }
        return slot
    }
}
