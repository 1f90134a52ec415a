import Sim

extension ClaimIndex {
    /// `reserved_slots`: the first `min(slots, limit)` rows are offered to the named lanes
    /// (among the queues requested: a lane the daemon does not ask for gets nothing); a slot
    /// they cannot fill, and the rest of the limit, are filled as `strict`.
    ///
    /// Without a lottery the reserved slots follow `strict` order among the named lanes. With
    /// one, each slot draws its lane by weight among the named lanes that have a due row (a
    /// uniform number from the claimer's stream `lottery/<claimer>`), and takes that lane's
    /// first row in `strict` order.
    mutating func claimReservedSlots(_ queues: [QueueName], _ reserved: ReservedSlots, limit: Int, by claimer: String,
                                     now: Duration, into picked: inout [RowID]) {
        let reservedLimit = min(reserved.slots, limit)
        let named = queues.filter { reserved.lanes.contains($0.priority) }
        if let weights = reserved.lottery {
            while picked.count < reservedLimit {
                let available = reserved.lanes.filter { lane in
                    weights[lane] > 0 && named.contains { $0.priority == lane && firstDue($0, now: now) != nil }
                }
                guard !available.isEmpty else { break }
                let total = available.reduce(0) { $0 + weights[$1] }
                let draw = withClaimer(claimer) { $0.lottery.nextUnit() } * total
                var cumulative = 0.0
                var lane = available[available.count - 1]
                for candidate in available {
                    cumulative += weights[candidate]
                    if draw < cumulative {
                        lane = candidate
                        break
                    }
                }
                guard let queue = named.first(where: { $0.priority == lane && firstDue($0, now: now) != nil }) else { break }
                takeFirst(queue, into: &picked)
            }
        } else {
            claimStrict(named, limit: reservedLimit, now: now, into: &picked)
        }
        claimStrict(queues, limit: limit, now: now, into: &picked)
    }
}
