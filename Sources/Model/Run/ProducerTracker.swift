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
        runtime.spawn(name, role: .foreground, counted(body))
    }

    /// Starts each of `starts` as a foreground producer task at its instant
    /// (``Runtime/spawn(_:role:)``: no task until then), counted from now until it returns
    /// (a start the run ends before never runs, and stays counted).
    func spawn(_ starts: [Simulation.LaterStart], in runtime: any Runtime) {
        runtime.spawn(starts.map { Simulation.LaterStart($0.name, at: $0.at, counted($0.body)) }, role: .foreground)
    }

    /// Counts a producer now; the returned body runs `body`, then uncounts it.
    private func counted(_ body: @escaping @Sendable () async -> Void) -> @Sendable () async -> Void {
        active.withLock { $0 += 1 }
        return { [self] in
            await body()
            let last = active.withLock { count -> Bool in
                count -= 1
                return count == 0
            }
            if last { finished.notifyAll() }
        }
    }
}
