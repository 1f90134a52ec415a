import Sim

/// What a run's fairness figures are measured against (a scenario's `figures:`).
public struct FigureSettings: Sendable, Equatable {
    /// Ops that waited longer than this are counted per lane and key. Default 60 s: the seed
    /// plan's symptom ("spent >60 s queued").
    public var waitBound: Duration
    /// What a tenant is in the per-key figures.
    public var key: FairKey.Kind

    public init(waitBound: Duration = .seconds(60), key: FairKey.Kind = .network) {
        self.waitBound = waitBound
        self.key = key
    }
}

/// Waits by lane and by key (step 7's figures), recorded where `wait_seconds` is (the
/// `started executing` point, defers included), so they cover the same ops.
public struct FairnessFigures: Sendable {
    /// Count and sum of some waits, for means (Jain's index).
    public struct Tally: Sendable, Equatable {
        public var count: UInt64 = 0
        public var sumMicroseconds: Int64 = 0

        public init(count: UInt64 = 0, sumMicroseconds: Int64 = 0) {
            self.count = count
            self.sumMicroseconds = sumMicroseconds
        }

        public var meanSeconds: Double { count == 0 ? 0 : Double(sumMicroseconds) / Double(count) / 1e6 }
    }

    /// One lane's or one key's waits, and how many exceeded the bound.
    public struct Group: Sendable {
        public var wait = WaitHistogram()
        /// Waits strictly longer than the bound (counted exactly as they are recorded).
        public var aboveBound: UInt64 = 0

        public init() {}

        public init(wait: WaitHistogram, aboveBound: UInt64) {
            self.wait = wait
            self.aboveBound = aboveBound
        }

        public mutating func merge(_ other: Group) {
            wait.merge(other.wait)
            aboveBound += other.aboveBound
        }
    }

    public let settings: FigureSettings
    /// Indexed like `Priority.allCases`.
    public private(set) var lanes: [Group]
    public private(set) var keys: [String: Group] = [:]
    /// Waits per key within each lane (indexed like `lanes`), for Jain's index inside a lane.
    public private(set) var keysByLane: [[String: Tally]]

    public init(settings: FigureSettings) {
        self.settings = settings
        lanes = Array(repeating: Group(), count: Priority.allCases.count)
        keysByLane = Array(repeating: [:], count: Priority.allCases.count)
    }

    mutating func record(_ wait: Duration, _ spec: OpSpec) {
        let lane = spec.priority.laneIndex
        let key = settings.key.value(of: spec)
        let above: UInt64 = wait > settings.waitBound ? 1 : 0
        lanes[lane].wait.record(wait)
        lanes[lane].aboveBound += above
        keys[key, default: Group()].wait.record(wait)
        keys[key, default: Group()].aboveBound += above
        keysByLane[lane][key, default: Tally()].count += 1
        keysByLane[lane][key, default: Tally()].sumMicroseconds += max(0, wait.microseconds)
    }

    /// Jain's fairness index of the keys' mean waits: (Σx)² / (n Σx²) over the n keys with a
    /// wait. 1 when every key waited the same on average, 1/n when one key did all the
    /// waiting; 1 when no key waited at all.
    public static func jain(_ tallies: [Tally]) -> Double {
        let means = tallies.filter { $0.count > 0 }.map(\.meanSeconds)
        let squares = means.reduce(0) { $0 + $1 * $1 }
        guard !means.isEmpty, squares > 0 else { return 1 }
        let sum = means.reduce(0, +)
        return sum * sum / (Double(means.count) * squares)
    }
}

extension FairKey.Kind {
    /// The key of an op: its network, its node (else its queue's node), or its type; `-`
    /// when it has none.
    public func value(of spec: OpSpec) -> String {
        value(network: spec.networkID, node: spec.nodeID, queue: spec.queue, type: spec.type)
    }

    func value(network: NetworkID?, node: NodeID?, queue: QueueName, type: OperationType) -> String {
        switch self {
        case .network: return network?.name ?? "-"
        case .node:
            if let node { return node.description }
            if case .node(let own) = queue.target { return own.description }
            return "-"
        case .opType: return type.rawValue
        }
    }
}
