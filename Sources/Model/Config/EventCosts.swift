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
    public var write: EventWrite
    /// A distribution for one kind replaces the default cost of that kind entirely.
    public var overrides: [EventKind: Distribution]

    public init(write: EventWrite, overrides: [EventKind: Distribution] = [:]) {
        self.write = write
        self.overrides = overrides
    }

    /// Whether writing `kind` costs nothing (no draw, no round trip).
    public func isFree(_ kind: EventKind) -> Bool {
        if let override = overrides[kind] { return override == .zero }
        switch write {
        case .database: return false
        case .spool(let append): return append == .zero
        }
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
            return roundTrip.sample(&random) + serialisation.sample(&random)
        case .spool(let append):
            return append.sample(&random)
        }
    }
}
