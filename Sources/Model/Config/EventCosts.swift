import Sim

/// The events the real code writes to its eventlog on the path of the code that emits them
/// (model file, section 4). Each costs time where it is emitted.
public enum EventKind: String, CaseIterable, Sendable, Comparable {
    /// `... operation created ...`, by the caller after the create transaction.
    case created
    /// Step 1's `started executing` at dispatcher pickup (when step 1 writes its own event).
    case started
    /// `execution duration`, by the dispatcher after the `complete` write.
    case executionDuration = "execution_duration"
    /// `Execution deferred for {delay} seconds`.
    case deferred
    /// `skipping op already in terminal state`.
    case skipped
    /// `coalesced sibling ops`, after a fold that completed at least one sibling (step 4).
    case coalesced
    /// `enqueue-side dedup`, by the caller whose enqueue returned an existing op (step 5).
    case deduplicated
    /// The dependency audit event (`cancelling operation, as dependency ... does not exist`).
    case dependencyFailed = "dependency_failed"

    public static func < (lhs: EventKind, rhs: EventKind) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// A bit of its own for each kind (``EventCosts`` keeps which kinds are free in one word).
    var bit: UInt32 {
        switch self {
        case .created: return 1 << 0
        case .started: return 1 << 1
        case .executionDuration: return 1 << 2
        case .deferred: return 1 << 3
        case .skipped: return 1 << 4
        case .coalesced: return 1 << 5
        case .deduplicated: return 1 << 6
        case .dependencyFailed: return 1 << 7
        }
    }

    /// The stream name `"event/<kind>/"`, hashed once per kind: every event write names its
    /// stream `"event/<kind>/<retries>/<defers>"` (``EventWriter``), and hashing the kind's
    /// part again on each was about 0.4 % of a `cluster-day` hour.
    var streamPrefix: StreamName { Self.streamPrefixes[bit.trailingZeroBitCount] }

    /// ``streamPrefix`` of each kind, by the position of its ``bit``.
    private static let streamPrefixes: [StreamName] = {
        var prefixes = [StreamName](repeating: StreamName(), count: allCases.count)
        for kind in allCases {
            var name = StreamName()
            name.append("event/")
            name.append(kind.rawValue)
            name.append("/")
            prefixes[kind.bit.trailingZeroBitCount] = name
        }
        return prefixes
    }()
}

/// Where eventlog writes go and what one costs on the emitting path.
public enum EventWrite: Sendable, Equatable {
    /// `facade` and `plan`: events live in MariaDB; a write is one round trip (drawn from
    /// ``ModelConfig/roundTrip``) plus serialising the event on the caller.
    case database(serialisation: Distribution)
    /// `later`: a per-process spool that a drainer flushes in ~100 ms batches; the path pays
    /// only the append.
    case spool(append: Distribution)
}

/// How step 1 reports `wait_seconds` (model file, sections 4 and 9).
public enum StartedEvent: String, CaseIterable, Sendable {
    /// The plan's text: a separate `started executing` event at pickup, which costs one event
    /// write on the dispatcher's path. The default: section 9 describes step 1 this way.
    case separate
    /// The merged step 1: the fields ride on the `execution duration` event the dispatcher
    /// writes anyway, so step 1 adds no write (section 4).
    case foldedIntoExecutionDuration = "folded"
}

/// Every event write's cost: the era's default and per-kind overrides.
public struct EventCosts: Sendable, Equatable {
    public var write: EventWrite {
        didSet { free = Self.freeKinds(write: write, overrides: overrides) }
    }
    /// A distribution for one kind replaces the default cost of that kind entirely.
    public var overrides: [EventKind: Distribution] {
        didSet { free = Self.freeKinds(write: write, overrides: overrides) }
    }
    /// The kinds that cost nothing (``EventKind/bit``), kept as the costs change: asked
    /// before every event write, where looking the kind up and comparing its distribution
    /// was about 1 % of the full model's M/M/1.
    private var free: UInt32

    public init(write: EventWrite, overrides: [EventKind: Distribution] = [:]) {
        self.write = write
        self.overrides = overrides
        free = Self.freeKinds(write: write, overrides: overrides)
    }

    /// Whether writing `kind` costs nothing (no draw, no round trip).
    public func isFree(_ kind: EventKind) -> Bool { free & kind.bit != 0 }

    private static func freeKinds(write: EventWrite, overrides: [EventKind: Distribution]) -> UInt32 {
        var free: UInt32 = 0
        for kind in EventKind.allCases {
            let isFree: Bool
            if let override = overrides[kind] {
                isFree = override == .zero
            } else {
                switch write {
                case .database: isFree = false
                case .spool(let append): isFree = append == .zero
                }
            }
            if isFree { free |= kind.bit }
        }
        return free
    }

    /// Whether a write of `kind` is a database round trip (counted as one).
    public func isRoundTrip(_ kind: EventKind) -> Bool {
        guard overrides[kind] == nil, case .database = write else { return false }
        return true
    }

    /// The cost of one write of `kind`, drawn from `random`; `roundTrip` is the database's.
    public func sample(_ kind: EventKind, roundTrip: Distribution, _ random: inout RandomStream) -> Duration {
        if let override = overrides[kind] { return override.sample(&random) }
        switch write {
        case .database(let serialisation):
            return roundTrip.sample(&random).adding(serialisation.sample(&random))
        case .spool(let append):
            return append.sample(&random)
        }
    }
}
