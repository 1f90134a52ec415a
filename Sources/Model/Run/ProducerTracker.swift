import Sim
import Synchronization

/// Counts the workload's producer tasks, so the run can wait for them to finish and then for
/// the queue to drain.
public final class ProducerTracker: Sendable {
    private let active = Mutex(0)
    /// Notified when the last producer finishes.
    public let finished: any WakeSignal

    public init(runtime: any Runtime) {
        finished = runtime.makeSignal()
    }

    public var isDone: Bool { active.withLock { $0 == 0 } }

    /// Starts `body` as a foreground producer task, counted until it returns.
    @discardableResult
    func spawn(_ name: String, in runtime: any Runtime, _ body: @escaping @Sendable () async -> Void) -> SimTask {
        active.withLock { $0 += 1 }
        return runtime.spawn(name, role: .foreground) { [self] in
            await body()
            let last = active.withLock { count -> Bool in
                count -= 1
                return count == 0
            }
            if last { finished.notifyAll() }
        }
    }
}
