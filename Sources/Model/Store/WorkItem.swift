import Sim

/// A `work_queue` row as a claimer sees it. The payload carries the op uuid, its type and
/// `defer_count`; `retries` counts transient-failure retries so far.
public struct WorkItem: Sendable {
    public let rowID: RowID
    public let queue: QueueName
    public let opID: OpID
    public let opType: OperationType
    /// The op's `network_uuid`, carried in the payload (the `later` dispatcher routes on it).
    public let networkID: NetworkID?
    public let deferCount: Int
    public let retries: Int
    public let scheduledAt: SimClock.Instant
    public let createdAt: SimClock.Instant
    public var claimedAt: SimClock.Instant?
    public var claimedBy: String?
    public var attempts: Int
    /// How many items the claim that returned this one returned (set by the claimer).
    public var claimBatch: Int = 1
}

/// Where a row sits in its queue's claim order: `scheduled_at`, then row id.
struct RowKey: Comparable {
    let scheduledAt: SimClock.Instant
    let rowID: RowID

    static func < (lhs: RowKey, rhs: RowKey) -> Bool {
        lhs.scheduledAt != rhs.scheduledAt ? lhs.scheduledAt < rhs.scheduledAt : lhs.rowID < rhs.rowID
    }
}
