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
    public let scheduledAt: Duration
    public let createdAt: Duration
    public var claimedAt: Duration?
    public var claimedBy: String?
    public var attempts: Int
    /// How many items the claim that returned this one returned (set by the claimer).
    public var claimBatch: Int = 1

    public init(rowID: RowID, queue: QueueName, opID: OpID, opType: OperationType, networkID: NetworkID?,
                deferCount: Int, retries: Int, scheduledAt: Duration, createdAt: Duration, claimedAt: Duration?,
                claimedBy: String?, attempts: Int) {
        self.rowID = rowID
        self.queue = queue
        self.opID = opID
        self.opType = opType
        self.networkID = networkID
        self.deferCount = deferCount
        self.retries = retries
        self.scheduledAt = scheduledAt
        self.createdAt = createdAt
        self.claimedAt = claimedAt
        self.claimedBy = claimedBy
        self.attempts = attempts
    }
}

/// Where a row sits in its queue's claim order: `scheduled_at`, then row id.
struct RowKey: Comparable {
    let scheduledAt: Duration
    let rowID: RowID

    /// By the instants' attoseconds (inlined) rather than `Duration`'s `<` and `!=`, calls
    /// into the standard library: the claim index compares keys on every insert and claim.
    static func < (lhs: RowKey, rhs: RowKey) -> Bool {
        let left = lhs.scheduledAt.attoseconds, right = rhs.scheduledAt.attoseconds
        return left != right ? left < right : lhs.rowID < rhs.rowID
    }
}
