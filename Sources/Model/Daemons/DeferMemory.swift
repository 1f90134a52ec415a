import Sim

/// Where a dispatcher gets the delay of a dependency defer from.
///
/// sf-net keeps a ladder per op in memory (lost if the daemon restarts); sf-queues computes
/// it from the `defer_count` persisted in the row (flat 15 s before the `later` era).
final class DeferMemory {
    enum Source { case inMemory, persisted }

    let policy: DeferPolicy
    let source: Source
    private var defersByOp: [OpID: Int] = [:]

    init(policy: DeferPolicy, source: Source) {
        self.policy = policy
        self.source = source
    }

    /// The delay for the next defer of `item`'s op, remembering that it happened.
    func nextDelay(for item: WorkItem) -> Duration {
        switch source {
        case .persisted:
            return policy.delay(afterDefers: item.deferCount)
        case .inMemory:
            let previous = defersByOp[item.opID] ?? 0
            defersByOp[item.opID] = previous + 1
            return policy.delay(afterDefers: previous)
        }
    }

    /// Drops what is remembered of an op that will not be offered again.
    func forget(_ op: OpID) {
        // Every op a daemon ends comes here; most were never deferred.
        if !defersByOp.isEmpty { defersByOp[op] = nil }
    }
}
