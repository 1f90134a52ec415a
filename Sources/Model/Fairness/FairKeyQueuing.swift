import Sim

extension ClaimIndex {
    /// `fair_key`: queues in request order as `strict`; inside a queue of a named lane, rows
    /// take turns by key. Each turn goes to the key served least recently in this queue (never
    /// served first), ties by its first row's `scheduled_at` then row id; within a key, rows
    /// in `scheduled_at` order. The last service of each key is kept across claims (it is the
    /// database's state, shared by every claimer of the queue). Queues of other lanes are
    /// `strict`.
    mutating func claimFairKey(_ queues: [QueueName], _ key: FairKey, limit: Int, now: Duration,
                               into picked: inout [RowID]) {
        for queue in queues where picked.count < limit {
            guard key.lanes.contains(queue.priority), queue.index < queueCount, self[queue].keyed != nil else {
                claimStrict([queue], limit: limit, now: now, into: &picked)
                continue
            }
            while picked.count < limit, let turn = nextTurn(queue, now: now) {
                guard let row = self[queue].keyed?.heaps[turn.key]?.removeMin() else { break }
                let serial = nextServiceSerial()
                self[queue].keyed?.lastServed[turn.key] = serial
                take(row.rowID, into: &picked)
            }
            // Rows taken by key leave the scheduled order when they reach its top.
            _ = top(queue.index)
        }
    }

    /// The key whose turn it is in `queue` and its first row, if any key has a due row. Keys
    /// are scanned in the order they first appeared (a few networks, nodes or op types).
    private mutating func nextTurn(_ queue: QueueName, now: Duration) -> (key: String, first: RowKey)? {
        guard let values = self[queue].keyed?.heaps.keys else { return nil }
        var best: (key: String, served: Int, first: RowKey)?
        for value in values {
            guard let first = liveTop(queue, key: value), first.scheduledAt <= now else { continue }
            let served = self[queue].keyed?.lastServed[value] ?? 0
            if let current = best, current.served < served || (current.served == served && current.first < first) {
                continue
            }
            best = (value, served, first)
        }
        return best.map { ($0.key, $0.first) }
    }

    /// The first live row of `key` in `queue` (dead tops dropped).
    private mutating func liveTop(_ queue: QueueName, key: String) -> RowKey? {
        while let first = self[queue].keyed?.heaps[key]?.min {
            if isLive(first.rowID) { return first }
            _ = self[queue].keyed?.heaps[key]?.removeMin()
        }
        return nil
    }
}
