/// Which version of Shaken Fist's queue to model (model file, section 1).
public enum Era: String, CaseIterable, Sendable {
    /// Before the network-facade refactor: network work inline on the network node.
    case inline
    /// The network-facade branch before the seed plan: singular per-queue dequeue.
    case facade
    /// The seed plan (steps 1-6) on top of `facade`, as designed (its SQL matches).
    case plan
    /// What the project did next: dispatcher plus a pool of four network workers.
    case later
}

/// How a dispatcher claims work.
public enum DequeueMode: String, CaseIterable, Sendable {
    /// `dequeue_work_item(queue_name)`: one round trip per queue, each returning at most one
    /// row; how the rounds are shaped is ``SingularDequeueShape``.
    case singular
    /// `dequeue_work_items(queue_names, limit)`: one round trip for all queues.
    case batched
}

/// How a daemon using the singular dequeue walks its queues (model file, section 4).
public enum SingularDequeueShape: String, CaseIterable, Sendable {
    /// One round: one singular dequeue per queue in list order (at most one row each, at most
    /// `limit` rows in all), then the collected items run in list order, then the next round.
    /// Every lane gets at most one item per round. The model file's default.
    case round
    /// After every item the walk restarts from the first queue: strict priority per item.
    /// (What simrun modelled before; kept to measure how much a finding depends on it.)
    case restart
    /// sf-net only: one drainer thread per queue, each dequeuing and running its own queue's
    /// items and sleeping the idle interval when it is empty (another stored version of the
    /// daemon; model file, section 4).
    case threadPerQueue = "thread_per_queue"
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
    /// `first`, doubling each time, capped at `cap`; at most `maxDoublings` doublings are
    /// computed (the exponent clamp: with a cap far above `first` this bounds the delay
    /// before the cap is reached).
    case ladder(first: Duration, cap: Duration, maxDoublings: Int)

    /// The default exponent clamp of a ladder: 64 doublings, past any cap a run can use.
    public static let defaultMaxDoublings = 64

    /// A ladder with the default exponent clamp.
    public static func ladder(first: Duration, cap: Duration) -> DeferPolicy {
        .ladder(first: first, cap: cap, maxDoublings: defaultMaxDoublings)
    }

    /// The delay for the defer that follows `previousDefers` earlier ones.
    public func delay(afterDefers previousDefers: Int) -> Duration {
        switch self {
        case .flat(let duration):
            return duration
        case .ladder(let first, let cap, let maxDoublings):
            var delay = first
            for _ in 0..<max(0, min(previousDefers, maxDoublings)) {
                delay = delay * 2
                if delay >= cap { return cap }
            }
            return min(delay, cap)
        }
    }
}

/// How a daemon's skipped idle rounds are drawn (`overrides.simulation.idle_rounds`).
public enum IdleRounds: String, CaseIterable, Sendable {
    /// Every round's round trips drawn, in order: the same results, bytes and counts as
    /// polling tick by tick (`--naive-polling`). Its cost grows with simulated time x nodes
    /// (about 15 ns a round trip): an idle 50-node day draws 43 million.
    case exact
    /// Long idle stretches (thousands of rounds) crossed in one step: the number of rounds is
    /// fixed and the time they take drawn from the normal law of their sum (with its skew),
    /// the rounds near the stretch's end drawn one by one as before (``IdleLeap``). A
    /// different realisation from `exact` (not the same bytes), statistically alike:
    /// docs/performance.md, "Approximate idle rounds", states what it keeps and what it loses.
    case approximate
}
