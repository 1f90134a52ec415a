import Sim
import Synchronization

/// Counts the workload's producer tasks, so the run can wait for them to finish and then for
/// the queue to drain.
final class ProducerTracker: Sendable {
    private let active = Mutex(0)
    let finished: Signal

    init(executor: SimExecutor) {
        finished = Signal(executor: executor)
    }

    var isDone: Bool { active.withLock { $0 == 0 } }

    /// Starts `body` as a foreground producer task, counted until it returns.
    @discardableResult
    func spawn(_ name: String, in sim: Simulation, _ body: @escaping @Sendable () async -> Void) -> SimTask {
        active.withLock { $0 += 1 }
        return sim.spawn(name) { [self] in
            await body()
            let last = active.withLock { count -> Bool in
                count -= 1
                return count == 0
            }
            if last { finished.notifyAll() }
        }
    }
}
