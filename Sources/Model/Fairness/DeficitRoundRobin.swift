import Sim

extension ClaimIndex {
    /// `drr`: deficit round robin across lanes. The claimer visits the five lanes in priority
    /// order, cyclically, remembering across claims which lane it is on and each lane's
    /// deficit. A visit to a lane with a due row adds the lane's quantum (its weight over the
    /// smallest positive weight, so at least 1) to its deficit, then serves rows (in `strict`
    /// order within the lane) while the deficit is at least 1, each costing 1. A lane found
    /// without a due row has its deficit reset to 0 (it was not backlogged). Lanes without a
    /// weight are served, as `strict`, only when no weighted lane has a due row.
    ///
    /// Over any stretch in which lanes stay backlogged, each lane's service is within one
    /// quantum plus one row of its weighted share (Shreedhar and Varghese, 1996, lemma 2).
    mutating func claimDeficitRoundRobin(_ queues: [QueueName], _ weights: LaneWeights, limit: Int, by claimer: String,
                                         now: Duration, into picked: inout [RowID]) {
        let lanes = Priority.allCases
        let smallest = weights.values.filter { $0 > 0 }.min() ?? 1
        let queuesOfLane = lanes.map { lane in queues.filter { $0.priority == lane } }
        func firstDueQueue(_ lane: Int) -> QueueName? {
            queuesOfLane[lane].first { firstDue($0, now: now) != nil }
        }
        var state = withClaimer(claimer) { $0 }
        while picked.count < limit {
            let backlogged = lanes.indices.filter { weights.values[$0] > 0 && firstDueQueue($0) != nil }
            if backlogged.isEmpty { break }
            let lane = state.lane
            guard weights.values[lane] > 0, let queue = firstDueQueue(lane) else {
                state.deficits[lane] = 0
                state.advance(lanes.count)
                continue
            }
            if state.freshVisit {
                state.deficits[lane] += weights.values[lane] / smallest
                state.freshVisit = false
            }
            if state.deficits[lane] >= 1 {
                takeFirst(queue, into: &picked)
                state.deficits[lane] -= 1
                if firstDueQueue(lane) == nil {
                    state.deficits[lane] = 0
                    state.advance(lanes.count)
                }
            } else {
                state.advance(lanes.count)
            }
        }
        withClaimer(claimer) { $0 = state }
        if picked.count < limit {
            claimStrict(queues.filter { weights[$0.priority] == 0 }, limit: limit, now: now, into: &picked)
        }
    }
}

extension ClaimIndex.ClaimerState {
    /// DRR moves to the next lane; its quantum is added on arrival.
    mutating func advance(_ laneCount: Int) {
        lane = (lane + 1) % laneCount
        freshVisit = true
    }
}
