import Sim

/// Checks coalesced work against every execution of the same change, and times it.
///
/// A victim (a folded op, or a deduplicated request) is served by the first execution of its
/// effect (by any op, its survivor's or its own) that started after it was requested and
/// after every op in its own `depends_on` completed; its `effect_seconds` runs from the
/// request to the end of that execution (its op's terminal write). A victim no execution
/// served is lost work; if an execution made the change only before a dependency completed,
/// the violation says so. A victim one of whose dependencies failed would have been aborted:
/// its change was never due, so it is neither lost nor timed.
struct EffectLedger {
    struct Execution {
        var startedAt: Duration
        var finishedAt: Duration
        var op: OpID
    }

    var coalesced: [CoalescedWork] = []
    /// Runs of coalescible tasks, by the change they made.
    var produced: [Effect: [Execution]] = [:]
    /// Terminal state and instant of every op, once terminal.
    var ended: [OpID: (state: OpState, at: Duration)] = [:]
    var foldedInto: [OpID: OpID] = [:]

    /// The served victims' `effect_seconds` (with their labels) and the violations.
    func resolve(from statisticsFrom: Duration)
        -> (served: [(work: CoalescedWork, seconds: Duration)], violations: [EffectViolation]) {
        var served: [(work: CoalescedWork, seconds: Duration)] = []
        var violations: [EffectViolation] = []
        var sortedRuns: [Effect: [Execution]] = [:]
        /// The changes each op made, built at the first violation that names them (a scan of
        /// every run per violation was a tenth of a `cluster-day`, with its 45,604 violations).
        var effectsByOp: [OpID: Set<Effect>]?
        for work in coalesced {
            var readyAt = work.requestedAt
            var failedDependency = false
            var pendingDependency: OpID?
            for dependency in work.dependsOn {
                guard let end = ended[dependency] else { pendingDependency = dependency; continue }
                if end.state != .complete { failedDependency = true }
                readyAt = max(readyAt, end.at)
            }
            if failedDependency { continue }
            if sortedRuns[work.effect] == nil {
                sortedRuns[work.effect] = (produced[work.effect] ?? []).sorted { $0.startedAt < $1.startedAt }
            }
            let runs = sortedRuns[work.effect] ?? []
            if pendingDependency == nil, let run = runs.first(where: { $0.startedAt >= readyAt }) {
                if work.requestedAt >= statisticsFrom {
                    let end = ended[run.op].map { $0.at } ?? run.finishedAt
                    served.append((work, max(end, run.finishedAt) - work.requestedAt))
                }
                continue
            }
            violations.append(EffectViolation(
                kind: work.kind, victim: work.victim, task: work.effect.task, effect: work.effect.target,
                survivor: work.survivor, reason: reason(for: work, runs: runs, readyAt: readyAt,
                                                        pendingDependency: pendingDependency,
                                                        effectsByOp: &effectsByOp)))
        }
        return (served, violations)
    }

    private func reason(for work: CoalescedWork, runs: [Execution], readyAt: Duration,
                        pendingDependency: OpID?, effectsByOp: inout [OpID: Set<Effect>]?) -> String {
        if let pendingDependency {
            return "its dependency \(pendingDependency) never completed, and the change was made without waiting for it"
        }
        if let early = runs.last(where: { $0.startedAt >= work.requestedAt }) {
            return "\(early.op) made the change at \(early.startedAt.instantDescription), before its own dependencies completed at \(readyAt.instantDescription)"
        }
        if effectsByOp == nil { effectsByOp = effectsOfEachOp() }
        var didInstead: [String] = []
        var survivor = work.survivor
        var seen: Set<OpID> = []
        while seen.insert(survivor).inserted {
            let effects = effectsByOp?[survivor] ?? []
            didInstead += effects.map { "\(survivor) ran \($0)" }.sorted()
            guard let next = foldedInto[survivor] else { break }
            survivor = next
        }
        return didInstead.isEmpty
            ? "no execution made the change after it was requested"
            : "no execution made the change after it was requested; " + didInstead.joined(separator: "; ")
    }

    /// Every op that ran a coalescible task, with the changes it made.
    private func effectsOfEachOp() -> [OpID: Set<Effect>] {
        var byOp: [OpID: Set<Effect>] = [:]
        for (effect, runs) in produced {
            for run in runs { byOp[run.op, default: []].insert(effect) }
        }
        return byOp
    }
}
