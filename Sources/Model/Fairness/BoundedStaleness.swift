import Sim

extension ClaimIndex {
    /// `bounded_staleness`: rows whose op has waited longer than `after` (`NOW() - created_at >
    /// N`, strictly) come first, across every requested queue, oldest op first (ties by row
    /// id); the rest of the limit is filled as `strict`.
    ///
    /// A row scheduled in the future (a defer) is not eligible however old its op is; such rows
    /// are set aside while the age order is read and put back after.
    mutating func claimBoundedStaleness(_ queues: [QueueName], after: Duration, limit: Int, now: Duration,
                                        into picked: inout [RowID]) {
        if after < now {
            let threshold = now - after
            var notDue: [(queue: QueueName, key: AgeKey)] = []
            while picked.count < limit {
                var best: (queue: QueueName, key: AgeKey)?
                for queue in queues where queue.index < queueCount {
                    guard let key = firstStale(queue, before: threshold, now: now, notDue: &notDue) else { continue }
                    if best.map({ key < $0.key }) ?? true { best = (queue, key) }
                }
                guard let best else { break }
                _ = self[best.queue].byAge?.removeMin()
                take(best.key.rowID, into: &picked)
            }
            for (queue, key) in notDue { self[queue].byAge?.insert(key) }
        }
        claimStrict(queues, limit: limit, now: now, into: &picked)
    }

    /// The oldest live, due row of `queue` whose op was created before `threshold`, left at
    /// the top of the queue's age order; live rows not yet due are moved to `notDue`.
    private mutating func firstStale(_ queue: QueueName, before threshold: Duration, now: Duration,
                                     notDue: inout [(queue: QueueName, key: AgeKey)]) -> AgeKey? {
        while let key = self[queue].byAge?.min {
            if !isLive(key.rowID) {
                _ = self[queue].byAge?.removeMin()
            } else if key.opCreatedAt >= threshold {
                return nil
            } else if key.scheduledAt > now {
                _ = self[queue].byAge?.removeMin()
                notDue.append((queue, key))
            } else {
                return key
            }
        }
        return nil
    }
}
