import Sim

/// How a daemon's claim orders the due rows of the queues it asks for (the seed plan's step 7:
/// strict priority, or explicit fairness for the lower lanes). A "lane" is a priority; one
/// lane may span several queues of the request (sf-queues asks for its node's lanes and the
/// `any` lanes; sf-net on the network node for its own and the `networknode` lanes).
///
/// Each policy is the claim rule of ``SimDatabase`` plus, in `docs/fairness.md`, the MariaDB
/// statement it stands for.
public enum FairnessPolicy: Sendable, Equatable {
    /// Today's rule (model file 3): position of the queue in the request, then `scheduled_at`.
    case strict
    /// A row whose op has waited longer than `after` (since the op's `created_at`, defers
    /// included) sorts before every lane, oldest op first; the rest as `strict`. The plan's
    /// `ORDER BY CASE WHEN NOW() - created_at > N THEN 0 ELSE lane END`.
    case boundedStaleness(after: Duration)
    /// Of each claim's `limit`, up to `slots` are offered first to `lanes`; the rest as
    /// `strict`. With a lottery, each reserved slot's lane is drawn by weight among the named
    /// lanes that have a due row; without, the reserved slots follow `strict` order among them.
    case reservedSlots(ReservedSlots)
    /// Deficit round robin across lanes (Shreedhar and Varghese, 1996): each visit to a
    /// backlogged lane adds its quantum (its weight over the smallest weight, so every visit
    /// serves at least one row) to its deficit and serves rows while the deficit is at least
    /// one. State (deficits, the lane visited) is kept per claimer, across claims.
    case deficitRoundRobin(LaneWeights)
    /// Per-key fair queuing inside each queue of `lanes`: rows take turns by key (the key
    /// least recently served first), so one tenant's burst cannot monopolise a lane. Queues
    /// keep their request order; lanes not named stay `strict`.
    case fairKey(FairKey)

    /// The policy's name as scenario files spell it.
    public var name: String {
        switch self {
        case .strict: return "strict"
        case .boundedStaleness: return "bounded_staleness"
        case .reservedSlots: return "reserved_slots"
        case .deficitRoundRobin: return "drr"
        case .fairKey: return "fair_key"
        }
    }

    /// Every policy name, for schemas and messages.
    public static let names = ["strict", "bounded_staleness", "reserved_slots", "drr", "fair_key"]

    /// True when the policy reorders rows across the queues of one request. The singular
    /// dequeue (one queue per round trip) gives such a policy nothing to reorder.
    public var ordersAcrossQueues: Bool {
        switch self {
        case .strict, .fairKey: return false
        case .boundedStaleness, .reservedSlots, .deficitRoundRobin: return true
        }
    }

    /// A short description with the parameters, for reports (`bounded_staleness after=30s`).
    public var label: String {
        switch self {
        case .strict: return name
        case .boundedStaleness(let after): return "\(name) after=\(after.compactLabel)"
        case .reservedSlots(let reserved):
            var text = "\(name) slots=\(reserved.slots) lanes=\(reserved.lanes.map(\.name).joined(separator: ","))"
            if let lottery = reserved.lottery { text += " lottery=\(lottery.label)" }
            return text
        case .deficitRoundRobin(let weights): return "\(name) weights=\(weights.label)"
        case .fairKey(let key):
            let lanes = key.lanes == Priority.allCases ? "" : " lanes=\(key.lanes.map(\.name).joined(separator: ","))"
            return "\(name) key=\(key.kind.rawValue)\(lanes)"
        }
    }
}

/// The `reserved_slots` policy's parameters.
public struct ReservedSlots: Sendable, Equatable {
    /// Slots of each claim offered first to `lanes` (all of a claim's limit if it is smaller).
    public var slots: Int
    /// The lanes the reserved slots are offered to, in the order `strict` would serve them.
    public var lanes: [Priority]
    /// If set, each reserved slot's lane is drawn by these weights.
    public var lottery: LaneWeights?

    public init(slots: Int, lanes: [Priority], lottery: LaneWeights? = nil) {
        self.slots = slots
        self.lanes = lanes
        self.lottery = lottery
    }
}

/// A weight per lane (for DRR and the lottery). Lanes without a weight get none: DRR never
/// serves them while a weighted lane has rows, the lottery never draws them.
public struct LaneWeights: Sendable, Equatable {
    /// Indexed like `Priority.allCases`; 0 for a lane without a weight.
    public private(set) var values: [Double]

    public init(_ weights: [Priority: Double]) {
        values = Priority.allCases.map { weights[$0] ?? 0 }
    }

    public subscript(lane: Priority) -> Double { values[lane.laneIndex] }

    /// `user_facing:4,background:1`, lanes in priority order, zero weights left out.
    public var label: String {
        Priority.allCases.filter { self[$0] > 0 }.map { "\($0.name):\(plainNumber(self[$0]))" }
            .joined(separator: ",")
    }
}

/// The `fair_key` policy's parameters.
public struct FairKey: Sendable, Equatable {
    /// What identifies a tenant.
    public enum Kind: String, CaseIterable, Sendable {
        /// The op's `network_uuid`.
        case network
        /// The op's `node_uuid` (its target node), else the node of its queue.
        case node
        /// The op's `operation_type`.
        case opType = "op_type"
    }

    public var kind: Kind
    /// The lanes whose queues are fair-queued by key (default: all five).
    public var lanes: [Priority]

    public init(kind: Kind, lanes: [Priority] = Priority.allCases) {
        self.kind = kind
        self.lanes = lanes
    }
}

/// The daemons that claim, each with its own request list and its own policy.
public enum ClaimingDaemon: String, CaseIterable, Sendable {
    case sfNet = "sf_net"
    case sfQueues = "sf_queues"

    /// The daemon that drains `queue` (model file 3): sf-net drains the `network` family and
    /// the `networknode` lanes; sf-queues everything else.
    public static func draining(_ queue: QueueName) -> ClaimingDaemon {
        queue.family == .network || queue.target == .networkNode ? .sfNet : .sfQueues
    }
}

/// The claim policy of each daemon (a scenario's or variant's `fairness:`).
public struct FairnessSettings: Sendable, Equatable {
    public var sfNet: FairnessPolicy
    public var sfQueues: FairnessPolicy

    public init(sfNet: FairnessPolicy = .strict, sfQueues: FairnessPolicy = .strict) {
        self.sfNet = sfNet
        self.sfQueues = sfQueues
    }

    /// Both daemons with `policy`.
    public static func both(_ policy: FairnessPolicy) -> FairnessSettings {
        FairnessSettings(sfNet: policy, sfQueues: policy)
    }

    /// Today's rule for both daemons.
    public static let strict = FairnessSettings()

    public subscript(daemon: ClaimingDaemon) -> FairnessPolicy {
        get { daemon == .sfNet ? sfNet : sfQueues }
        set { if daemon == .sfNet { sfNet = newValue } else { sfQueues = newValue } }
    }

    /// The policy of the daemon that drains `queue`.
    public func policy(draining queue: QueueName) -> FairnessPolicy { self[ClaimingDaemon.draining(queue)] }

    public var isStrict: Bool { sfNet == .strict && sfQueues == .strict }

    /// `strict`, or one label if both daemons agree, else `sf_net: ...; sf_queues: ...`.
    public var label: String {
        sfNet == sfQueues ? sfNet.label : "sf_net: \(sfNet.label); sf_queues: \(sfQueues.label)"
    }
}

extension Priority {
    /// Position in `Priority.allCases` (0 = most urgent), for per-lane arrays.
    public var laneIndex: Int {
        switch self {
        case .userWaiting: return 0
        case .userFacing: return 1
        case .userFacingHighIO: return 2
        case .background: return 3
        case .backgroundHighIO: return 4
        }
    }
}

extension Duration {
    /// `30s`, `1.5s`, `250ms`: the shortest way a scenario file could write it.
    public var compactLabel: String {
        let seconds = self.seconds
        if seconds >= 1 || seconds == 0 { return plainNumber(seconds) + "s" }
        return plainNumber(seconds * 1000) + "ms"
    }
}

/// `3` rather than `3.0`, `0.25` as is.
func plainNumber(_ value: Double) -> String {
    if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    return String(value)
}
