/// Which version of Shaken Fist's queue to model (model file, section 1).
public enum Era: String, CaseIterable, Sendable {
    /// Before the network-facade refactor: network work inline on the network node.
    case inline
    /// The network-facade branch before the seed plan: singular per-queue dequeue.
    case facade
    /// The seed plan (steps 1-6) on top of `facade`.
    case plan
    /// What the project did next: dispatcher plus a pool of four network workers.
    case later
}

/// How a dispatcher claims work.
public enum DequeueMode: String, CaseIterable, Sendable {
    /// `dequeue_work_item(queue_name)`: one round trip per queue, in priority order, each
    /// returning at most one row; the dispatcher stops at the first queue that yields one.
    case singular
    /// `dequeue_work_items(queue_names, limit)`: one round trip for all queues.
    case batched
}

/// How an idle daemon waits before polling again (model file, section 6).
public enum IdlePolicy: Sendable, Equatable {
    /// The same sleep every time.
    case flat(Duration)
    /// Successive sleeps from the list, the last one repeating; reset when work is found.
    /// (The real daemon takes the sleep in 0.2 s ticks to check for abort; ticks change
    /// nothing observable here, so the sleep is taken whole.)
    case backoff([Duration])
    /// Ideal mode: no polling; the daemon is woken when a row it could claim appears.
    case wakeOnEnqueue

    /// The sleep after `idleRounds` consecutive empty polls (0 = first).
    public func sleep(afterIdleRounds idleRounds: Int) -> Duration {
        switch self {
        case .flat(let duration): return duration
        case .backoff(let steps): return steps[min(idleRounds, steps.count - 1)]
        case .wakeOnEnqueue: return .zero
        }
    }
}

/// How long a dependency defer waits before the op is offered again (model file, section 7).
public enum DeferPolicy: Sendable, Equatable {
    /// The same delay every time.
    case flat(Duration)
    /// `first`, doubling each time, capped at `cap`.
    case ladder(first: Duration, cap: Duration)

    /// The delay for the defer that follows `previousDefers` earlier ones.
    public func delay(afterDefers previousDefers: Int) -> Duration {
        switch self {
        case .flat(let duration):
            return duration
        case .ladder(let first, let cap):
            var delay = first
            for _ in 0..<min(previousDefers, 64) {
                delay = delay * 2
                if delay >= cap { return cap }
            }
            return min(delay, cap)
        }
    }
}
