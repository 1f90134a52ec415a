import Sim

/// The database load of a run (issue 12): round trips the real system would have made, per
/// kind of connection, including the idle claims and polls the simulator skips (they are
/// drawn and counted as polling would have made them).
public struct DatabaseLoad: Sendable, Equatable {
    /// One kind's figures.
    public struct Counts: Sendable, Equatable {
        /// Every round trip: statements, transactions, eventlog writes, polls.
        public var roundTrips = 0
        /// Claim statements (one per queue with the singular dequeue, one per batch)...
        public var claims = 0
        /// ...of which found no row.
        public var emptyClaims = 0

        public init(roundTrips: Int = 0, claims: Int = 0, emptyClaims: Int = 0) {
            self.roundTrips = roundTrips
            self.claims = claims
            self.emptyClaims = emptyClaims
        }
    }

    /// Figures by kind (see ``kind(of:)``).
    public var byKind: [String: Counts] = [:]

    public init() {}

    /// Every kind, in name order (a dictionary's order is not stable).
    public var sorted: [(kind: String, counts: Counts)] {
        byKind.keys.sorted().map { ($0, byKind[$0]!) }
    }

    /// The sum over every kind.
    public var total: Counts {
        byKind.values.reduce(into: Counts()) { sum, counts in
            sum.roundTrips += counts.roundTrips
            sum.claims += counts.claims
            sum.emptyClaims += counts.emptyClaims
        }
    }

    /// The kind of a connection from its name, without the node and the item: `sf-net`
    /// (the dispatcher: its claims and, before the `later` era, the items it runs),
    /// `sf-net worker` (the `later` era's per-network workers), `sf-queues` (the claims),
    /// `sf-queues worker` (one connection per item), `maintain`, `reaper`, `api` (request
    /// handlers and their waits), `source`, `trace`.
    public static func kind(of name: String) -> String {
        // Read in place (no split into an array: every sf-queues item opens a connection).
        guard let firstSlash = name.utf8.firstIndex(of: UInt8(ascii: "/")) else { return name }
        let node = name[..<firstSlash]
        guard node.hasPrefix("node-") else { return String(node) }
        let rest = name[name.utf8.index(after: firstSlash)...]
        let secondSlash = rest.utf8.firstIndex(of: UInt8(ascii: "/"))
        let daemon = rest[..<(secondSlash ?? rest.endIndex)]
        let item = secondSlash.map { rest[rest.utf8.index(after: $0)...] }
        switch daemon {
        case "sf-net":
            return item?.hasPrefix("worker") == true ? "sf-net worker" : "sf-net"
        case "sf-queues":
            return item != nil ? "sf-queues worker" : "sf-queues"
        default:
            return String(daemon)
        }
    }
}
