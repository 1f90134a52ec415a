/// What coalesces, and the guards around it: one of the named sets of the real system's
/// history (model file, section 9, "What coalesces, by era"), or a scenario's own rules.
public struct CoalescingSet: Sendable, Equatable {
    /// `plan`, `phase8`, `phase11`, or `custom` for a scenario's own list of rules.
    public var name: String
    public var rules: [CoalescingRule]
    /// Phase 11: no fold when the dispatcher's claim returned a single item (`batch_size_one`).
    public var foldSkipsBatchOfOne: Bool
    /// Phase 11: step 5 reuses a pending op only if its priority is at least as urgent as the
    /// one requested.
    public var enqueueReuseNeedsUrgency: Bool

    public init(name: String, rules: [CoalescingRule], foldSkipsBatchOfOne: Bool = false,
                enqueueReuseNeedsUrgency: Bool = false) {
        self.name = name
        self.rules = rules
        self.foldSkipsBatchOfOne = foldSkipsBatchOfOne
        self.enqueueReuseNeedsUrgency = enqueueReuseNeedsUrgency
    }

    /// The plan (PR #3194): `net_op` declares dnsmasq, mesh and network-node creation, keyed
    /// on `network_uuid`, on every queue (model file, section 9, step 3).
    public static let plan = CoalescingSet(name: "plan", rules: [
        CoalescingRule(type: .netOp, tasks: [.updateDnsmasq, .ensureMesh, .createNetworkNode], key: [.networkUUID]),
    ])

    /// Phase 8 (after the #3878 fix): `ensure_mesh` removed (a network-node survivor would have
    /// marked other hypervisors' mesh ops complete); folds only on `networknode-` queues.
    public static let phase8 = CoalescingSet(name: "phase8", rules: [
        CoalescingRule(type: .netOp, tasks: [.updateDnsmasq, .createNetworkNode], key: [.networkUUID],
                       queues: [.networkNode]),
    ])

    /// Phase 11 (the `later` era): phase 8's rule, `ensure_mesh` back keyed on (`network_uuid`,
    /// `node_uuid`) for family `network` queues only, no fold for a claimed batch of one, and
    /// enqueue reuse only of an op at least as urgent.
    public static let phase11 = CoalescingSet(name: "phase11", rules: [
        CoalescingRule(type: .netOp, tasks: [.updateDnsmasq, .createNetworkNode], key: [.networkUUID],
                       queues: [.networkNode]),
        CoalescingRule(type: .netOp, tasks: [.ensureMesh], key: [.networkUUID, .nodeUUID], queues: [.nodeNetwork]),
    ], foldSkipsBatchOfOne: true, enqueueReuseNeedsUrgency: true)

    /// A scenario's own rules, without phase 11's guards.
    public static func custom(_ rules: [CoalescingRule]) -> CoalescingSet {
        CoalescingSet(name: "custom", rules: rules)
    }

    /// Every named set, by name.
    public static let named: [CoalescingSet] = [plan, phase8, phase11]
}

/// Whether the coalescing SQL finds what it looks for (model file, section 9).
public enum CoalescingSQL: String, CaseIterable, Sendable {
    /// As designed: the lookup and the fold match pending siblings.
    case matches
    /// As deployed from 2026-05-26 to 2026-08-24 (#3878): both statements joined an undashed
    /// uuid to a dashed one (and an enum value to an enum name), so they ran, cost their round
    /// trips, and never matched.
    case inert
}
