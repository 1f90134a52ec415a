import DequeModule
import Synchronization

/// A condition tasks wait on, optionally with a deadline.
///
/// ``notifyAll()`` wakes every task waiting now, in the order they began to wait; their
/// resumptions are enqueued as jobs at the current instant (ordering contract, rule 1).
/// A notify with nobody waiting is not remembered: check your condition, then wait.
public final class Signal: Sendable {
    private let executor: SimExecutor
    private let waiters = Mutex(Deque<Waiter>())

    public init(executor: SimExecutor) { self.executor = executor }

    /// Waits until notified or until `deadline` (an observer timer if `observing`: ordering
    /// contract, rule 3). Returns `true` if notified.
    /// Throws `CancellationError` when the task is cancelled. Inlined into its callers (see
    /// ``SimExecutor/suspend(deadline:observer:register:)`` on async frames).
    @discardableResult
    @inline(__always)
    nonisolated(nonsending)
    public func wait(until deadline: SimClock.Instant? = nil, observing: Bool = false) async throws -> Bool {
        var registered: Waiter?
        let reason = await executor.suspend(deadline: deadline?.offset, observer: observing, register: { waiter in
            registered = waiter
            waiters.withLock { $0.append(waiter) }
        })
        if reason != .signalled, let registered {
            waiters.withLock { queue in
                if let index = queue.firstIndex(where: { $0 === registered }) { queue.remove(at: index) }
            }
        }
        switch reason {
        case .signalled: return true
        case .deadline: return false
        case .cancelled: throw CancellationError()
        }
    }

    /// Wakes every current waiter.
    public func notifyAll() {
        // One lock, whatever the number of waiters. Nobody waiting (an arrival while the
        // server works) costs only the lock. One waiter (a daemon's own wake-up signal, most
        // notifies of a run) is taken out alone, the storage left in place. More are taken
        // whole, leaving an empty queue (no copy, no allocation).
        let taken = waiters.withLock { queue -> TakenWaiters in
            switch queue.count {
            case 0: return .none
            case 1: return .one(queue.removeFirst())
            default:
                defer { queue = [] }
                return .all(queue)
            }
        }
        switch taken {
        case .none:
            return
        case .one(let waiter):
            if waiter.resume(.signalled) { executor.forget(waiter) }
        case .all(var woken):
            for waiter in woken where waiter.resume(.signalled) {
                executor.forget(waiter)
            }
            // The storage goes back for the next waiters, emptied, if nobody began to wait
            // meanwhile (a resumption is a job for later): a signal's waiters come and go all
            // run long, and allocating their deque anew after every notify was 0.5 % of a
            // `cluster-day` hour.
            woken.removeAll(keepingCapacity: true)
            waiters.withLock { queue in
                if queue.isEmpty { swap(&queue, &woken) }
            }
        }
    }

    /// What ``notifyAll()`` took from the queue under its lock.
    private enum TakenWaiters {
        case none
        case one(Waiter)
        case all(Deque<Waiter>)
    }

    /// Number of tasks waiting now.
    public var waiting: Int { waiters.withLock { $0.count } }
}
