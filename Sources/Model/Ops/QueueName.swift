import Sim
import Synchronization

/// Priority lanes, most urgent first (`shakenfist/operations/baseoperation.py`).
public enum Priority: Int, CaseIterable, Sendable, Comparable {
    case userWaiting = 10
    case userFacing = 20
    case userFacingHighIO = 25
    case background = 30
    case backgroundHighIO = 40

    public var name: String {
        switch self {
        case .userWaiting: return "user_waiting"
        case .userFacing: return "user_facing"
        case .userFacingHighIO: return "user_facing_high_io"
        case .background: return "background"
        case .backgroundHighIO: return "background_high_io"
        }
    }

    public init?(name: String) {
        guard let match = Priority.allCases.first(where: { $0.name == name }) else { return nil }
        self = match
    }

    /// Lanes that sf-queues treats as user work (it keeps two slots for them).
    public var isUserLane: Bool { self < .background }
    public var isHighIO: Bool { self == .userFacingHighIO || self == .backgroundHighIO }

    public static func < (lhs: Priority, rhs: Priority) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Who drains a queue: one node's daemons, the elected network node, or any node.
public enum QueueTarget: Hashable, Sendable, Comparable {
    case node(NodeID)
    case networkNode
    case any

    public var name: String {
        switch self {
        case .node(let node): return node.description
        case .networkNode: return "networknode"
        case .any: return "any"
        }
    }
}

/// Queue family: sf-net drains `network`, sf-queues drains `clusteroperation` (except the
/// networknode `clusteroperation` lanes, which sf-net drains on the network node).
public enum QueueFamily: String, CaseIterable, Hashable, Sendable, Comparable {
    case clusterOperation = "clusteroperation"
    case network = "network"

    public static func < (lhs: QueueFamily, rhs: QueueFamily) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The rendered name of every queue made so far, by ``QueueName/index``. A queue's name
/// depends on its index alone, so whichever run registers an index first renders it right.
final class QueueNames: Sendable {
    static let shared = QueueNames()
    private let names = Mutex<[String?]>([])

    func register(_ index: Int, _ render: () -> String) {
        names.withLock { names in
            if index < names.count, names[index] != nil { return }
            while names.count <= index { names.append(nil) }
            names[index] = render()
        }
    }

    /// The name registered for `index` (every ``QueueName`` registers its index when made, so
    /// the fallback is never seen).
    func name(_ index: Int) -> String {
        names.withLock { names in
            guard index < names.count, let name = names[index] else { return "queue-\(index)" }
            return name
        }
    }
}

/// `queue_name` = `{target}-{family}-{priority}`.
public struct QueueName: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let target: QueueTarget
    public let family: QueueFamily
    public let priority: Priority

    /// The rendered name, built once per queue and kept in ``QueueNames`` by index (not in the
    /// value: a stored `String` made every copy of a queue name, carried by every op, row and
    /// claim, retain and release it).
    public var description: String { QueueNames.shared.name(index) }
    /// A dense number for this queue (0, 1, 2, ... over targets, families and lanes), so the
    /// database keeps per-queue state in arrays instead of hashing names on every claim.
    public let index: Int

    public init(_ target: QueueTarget, _ family: QueueFamily, _ priority: Priority) {
        self.target = target
        self.family = family
        self.priority = priority
        let targetCode: Int
        switch target {
        case .any: targetCode = 0
        case .networkNode: targetCode = 1
        case .node(let node): targetCode = 2 + node.index
        }
        let familyCode = family == .clusterOperation ? 0 : 1
        let lane = Priority.allCases.firstIndex(of: priority) ?? 0
        index = (targetCode * 2 + familyCode) * Priority.allCases.count + lane
        QueueNames.shared.register(index) { "\(target.name)-\(family.rawValue)-\(priority.name)" }
    }

    public static func == (lhs: QueueName, rhs: QueueName) -> Bool { lhs.index == rhs.index }

    public func hash(into hasher: inout Hasher) { hasher.combine(index) }
    /// The table hash of the index (`tableHash(_:seed:)`).
    public func _rawHashValue(seed: Int) -> Int { tableHash(index, seed: seed) }

    public static func < (lhs: QueueName, rhs: QueueName) -> Bool { lhs.description < rhs.description }

    /// The five lanes of one target and family, most urgent first.
    public static func lanes(_ target: QueueTarget, _ family: QueueFamily) -> [QueueName] {
        Priority.allCases.map { QueueName(target, family, $0) }
    }
}
