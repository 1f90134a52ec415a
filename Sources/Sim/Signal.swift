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
        // One waiter (a daemon's own wake-up signal, most notifies of a run) is taken out of
        // the queue alone, its storage left in place: one lock, and no storage taken away
        // and given back.
        let single = waiters.withLock { queue -> Waiter? in
            queue.count == 1 ? queue.removeFirst() : nil
        }
        if let single {
            if single.resume(.signalled) { executor.forget(single) }
            return
        }
        var taken = waiters.withLock { queue -> Deque<Waiter>? in
            // Taken whole, leaving an empty queue (no copy, no allocation); nobody waiting (an
            // arrival while the server works) costs only the lock (nil: an empty deque would
            // be a retain and a release of the shared empty storage).
            guard !queue.isEmpty else { return nil }
            defer { queue = [] }
            return queue
        }
        guard var woken = taken.take() else { return }
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

    /// Number of tasks waiting now.
    public var waiting: Int { waiters.withLock { $0.count } }
}
