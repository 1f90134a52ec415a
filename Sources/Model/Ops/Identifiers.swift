import Sim

/// A cluster node, by position (`node-1` is index 0). Rendered as in the scenario file.
public struct NodeID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let index: Int
    public init(index: Int) { self.index = index }
    public var description: String { "node-\(index + 1)" }
    public static func < (lhs: NodeID, rhs: NodeID) -> Bool { lhs.index < rhs.index }
    /// The table hash (`tableHash(_:seed:)`, in Sim): node-keyed tables are read per op.
    public func _rawHashValue(seed: Int) -> Int { tableHash(index, seed: seed) }
}

/// A virtual network, by the name the scenario gives it.
public struct NetworkID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let name: String
    /// The name's FNV-1a hash, taken once: network-keyed tables are read by every maintain
    /// pass for every network (about 90,000 reads in an hour of `cluster-day`), and hashing
    /// the name with `Hasher` (SipHash) on each read was about 0.9 % of the hour.
    private let nameHash: Int

    public init(_ name: String) {
        self.name = name
        nameHash = Int(truncatingIfNeeded: fnv1a(name))
    }

    public var description: String { name }
    public static func < (lhs: NetworkID, rhs: NetworkID) -> Bool { lhs.name < rhs.name }
    public static func == (lhs: NetworkID, rhs: NetworkID) -> Bool {
        lhs.nameHash == rhs.nameHash && lhs.name == rhs.name
    }
    /// As before the name's hash was kept: a network inside another key hashes as it did.
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }
    /// The table hash (`tableHash(_:seed:)`, in Sim), of the name's hash.
    public func _rawHashValue(seed: Int) -> Int { tableHash(nameHash, seed: seed) }
}

/// An instance, by the name the scenario gives it (or `inst-N` when it gives none).
public struct InstanceID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let name: String
    public init(_ name: String) { self.name = name }
    public var description: String { name }
    public static func < (lhs: InstanceID, rhs: InstanceID) -> Bool { lhs.name < rhs.name }
}

/// A cluster operation's uuid. Allocated in creation order, so it doubles as a stable tie-break.
public struct OpID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let value: Int
    public init(_ value: Int) { self.value = value }
    public var description: String {
        var digits = String(value)
        while digits.count < 6 { digits = "0" + digits }
        return "op-\(digits)"
    }
    public static func < (lhs: OpID, rhs: OpID) -> Bool { lhs.value < rhs.value }
    /// The table hash (`tableHash(_:seed:)`, in Sim).
    public func _rawHashValue(seed: Int) -> Int { tableHash(value, seed: seed) }
}

/// A `work_queue` row id (autoincrement).
public struct RowID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let value: Int
    public init(_ value: Int) { self.value = value }
    public var description: String { Self.prefix + String(value) }
    /// What a row id's description starts with (a worker's name is its claimer's and its row's).
    static let prefix = "row-"
    public static func < (lhs: RowID, rhs: RowID) -> Bool { lhs.value < rhs.value }
    /// The table hash (`tableHash(_:seed:)`, in Sim).
    public func _rawHashValue(seed: Int) -> Int { tableHash(value, seed: seed) }
}
