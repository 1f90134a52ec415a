import HeapModule
import OrderedCollections
import Sim

/// The claim side of `work_queue`: every unclaimed row of every queue, in the orders the claim
/// policies read them, and the state the policies keep between claims.
///
/// Always kept, per queue: a heap in `scheduled_at` order (then row id), which `strict` reads.
/// Kept only where a policy needs it: a heap in the order of the op's `created_at`
/// (`bounded_staleness`) and one heap per key (`fair_key`). A row claimed through one order
/// stays in the others until it reaches their top, where it is dropped as no longer live; so
/// each order costs O(log n) per row, and `strict` alone costs what it did before.
///
/// Which policy applies is decided by the queue: the daemon that drains it (model file 3) has
/// its own policy in ``FairnessSettings``.
struct ClaimIndex {
    /// A row as the index needs it.
    struct Entry {
        let rowID: RowID
        let queue: QueueName
        let scheduledAt: Duration
        /// The op's `created_at` (not the row's: a deferred op keeps its age).
        let opCreatedAt: Duration
        let networkID: NetworkID?
        let nodeID: NodeID?
        let opType: OperationType
    }

    /// A row in the order of its op's age: `created_at`, then row id.
    struct AgeKey: Comparable {
        let opCreatedAt: Duration
        let rowID: RowID
        let scheduledAt: Duration

        static func < (lhs: AgeKey, rhs: AgeKey) -> Bool {
            lhs.opCreatedAt != rhs.opCreatedAt ? lhs.opCreatedAt < rhs.opCreatedAt : lhs.rowID < rhs.rowID
        }
    }

    /// One queue's rows split by key, and when each key was last served (`fair_key`).
    struct KeyedRows {
        let kind: FairKey.Kind
        var heaps: OrderedDictionary<String, Heap<RowKey>> = [:]
        /// Serial number of the last claim of each key in this queue (absent: never).
        var lastServed: [String: Int] = [:]
    }

    /// The unclaimed rows of one queue.
    struct QueueRows {
        var scheduled = Heap<RowKey>()
        var byAge: Heap<AgeKey>?
        var keyed: KeyedRows?
    }

    /// What a claimer remembers between its claims (DRR) and its lottery stream, by claimer
    /// name. (The real daemon keeps its deficits in memory; here a restarted daemon, having
    /// the same name, keeps them: a simplification.)
    struct ClaimerState {
        var deficits = [Double](repeating: 0, count: Priority.allCases.count)
        /// The lane DRR is visiting (index into `Priority.allCases`)...
        var lane = 0
        /// ...and whether its quantum for this visit is still to be added.
        var freshVisit = true
        var lottery: RandomStream
    }

    let fairness: FairnessSettings
    private var queues: [QueueRows] = []
    /// Whether each row (by id) is unclaimed and not deleted.
    private var live: [Bool] = [false]
    private var claimers: [String: ClaimerState] = [:]
    /// The stream each claimer's lottery stream is derived from, by claimer name.
    private let random: RandomStream
    /// Serial of `fair_key` services, shared by every queue.
    private var served = 0
    /// Counts the changes to which rows are live (a row made claimable, claimed or deleted):
    /// while it stands still, every queue's first live row is what it was.
    private var version: UInt64 = 0
    /// What the last `strict` claim that picked nothing saw: the earliest `scheduled_at` of its
    /// queues' rows (none of them due), at `version`. Ideal mode's daemons ask exactly that
    /// right after such a claim (``earliest(among:)``): on `cluster-day.yaml`'s `ideal-plan`,
    /// every insert wakes some 50 daemons, each making an empty claim and then a wait, and
    /// reading each queue's first row twice was 6 % of the run's instructions.
    private var emptyClaim: (version: UInt64, queues: [QueueName], earliest: Duration?)?

    init(fairness: FairnessSettings, random: RandomStream) {
        self.fairness = fairness
        self.random = random
    }

    // MARK: Rows

    /// The number of queues with a slot (queue indexes below it are valid).
    var queueCount: Int { queues.count }

    /// Adds slots up to `queue`, with the orders its daemon's policy reads.
    mutating func ensureSlot(for queue: QueueName) {
        while queues.count <= queue.index {
            queues.append(QueueRows())
        }
    }

    /// Makes a row claimable (a new row, or a claim released by the reaper).
    mutating func insert(_ entry: Entry) {
        ensureSlot(for: entry.queue)
        let index = entry.queue.index
        while live.count <= entry.rowID.value { live.append(false) }
        live[entry.rowID.value] = true
        version &+= 1
        queues[index].scheduled.insert(RowKey(scheduledAt: entry.scheduledAt, rowID: entry.rowID))
        switch fairness.policy(draining: entry.queue) {
        case .boundedStaleness:
            queues[index].byAge = queues[index].byAge ?? Heap()
            queues[index].byAge?.insert(AgeKey(opCreatedAt: entry.opCreatedAt, rowID: entry.rowID,
                                               scheduledAt: entry.scheduledAt))
        case .fairKey(let key) where key.lanes.contains(entry.queue.priority):
            if queues[index].keyed == nil { queues[index].keyed = KeyedRows(kind: key.kind) }
            let value = Self.keyValue(key.kind, entry)
            queues[index].keyed?.heaps[value, default: Heap()].insert(
                RowKey(scheduledAt: entry.scheduledAt, rowID: entry.rowID))
        default:
            break
        }
    }

    /// The row is claimed or deleted: no order offers it again.
    mutating func remove(_ rowID: RowID) {
        if rowID.value < live.count { live[rowID.value] = false }
        version &+= 1
    }

    func isLive(_ rowID: RowID) -> Bool { rowID.value < live.count && live[rowID.value] }

    /// The key of a row for `fair_key` (as ``FairKey/Kind/value(of:)`` for its op).
    static func keyValue(_ kind: FairKey.Kind, _ entry: Entry) -> String {
        kind.value(network: entry.networkID, node: entry.nodeID, queue: entry.queue, type: entry.opType)
    }

    /// The earliest `scheduled_at` among the live rows of `queue` (ideal mode's wait).
    mutating func earliest(_ queue: QueueName) -> Duration? {
        first(of: queue)?.scheduledAt
    }

    /// The earliest `scheduled_at` among the live rows of `queues` (due or not), or nil if
    /// they have none; what the last empty `strict` claim saw if it asked the same queues and
    /// no row has changed since.
    mutating func earliest(among queues: [QueueName]) -> Duration? {
        if let emptyClaim, emptyClaim.version == version, Self.same(emptyClaim.queues, queues) {
            return emptyClaim.earliest
        }
        var earliest: Duration?
        for queue in queues {
            guard let first = self.earliest(queue) else { continue }
            earliest = min(earliest ?? first, first)
        }
        return earliest
    }

    /// Whether two lists of queues are the same: one storage (a daemon asks with the list it
    /// keeps) or the same queues in the same order.
    private static func same(_ lhs: [QueueName], _ rhs: [QueueName]) -> Bool {
        let shared = lhs.withUnsafeBufferPointer { left in
            rhs.withUnsafeBufferPointer { right in left.baseAddress == right.baseAddress && left.count == right.count }
        }
        return shared || lhs.elementsEqual(rhs) { $0.index == $1.index }
    }

    // MARK: What policies read

    /// The first live row of queue `index` in `scheduled_at` order, due or not (dead tops are
    /// dropped on the way).
    @inline(__always)
    mutating func top(_ index: Int) -> RowKey? {
        // Read first, inlined: the queue is most often empty or its first row live (a claim
        // and a wait ask every queue of the request), and reading through a write access
        // checks that the queues' storage is unique (a call every time).
        let first = firstScheduled(index)
        guard let first, !isLive(first.rowID) else { return first }
        return dropDeadTops(index)
    }

    /// ``top(_:)`` once its first row is dead: drops the dead tops.
    @inline(never)
    private mutating func dropDeadTops(_ index: Int) -> RowKey? {
        while let first = queues[index].scheduled.min {
            if isLive(first.rowID) { return first }
            _ = queues[index].scheduled.removeMin()
        }
        return nil
    }

    private func firstScheduled(_ index: Int) -> RowKey? { queues[index].scheduled.min }

    /// The first live row of `queue`, due or not (none if the queue has no slot yet).
    @inline(__always)
    mutating func first(of queue: QueueName) -> RowKey? {
        queue.index < queues.count ? top(queue.index) : nil
    }

    /// The first row of `queue` if it is due.
    mutating func firstDue(_ queue: QueueName, now: Duration) -> RowKey? {
        guard let first = first(of: queue), first.scheduledAt <= now else { return nil }
        return first
    }

    /// Claims the first due row of `queue` (which ``firstDue(_:now:)`` just returned).
    mutating func takeFirst(_ queue: QueueName, into picked: inout [RowID]) {
        guard let first = queues[queue.index].scheduled.popMin() else { return }
        take(first.rowID, into: &picked)
    }

    mutating func take(_ rowID: RowID, into picked: inout [RowID]) {
        live[rowID.value] = false
        version &+= 1
        picked.append(rowID)
    }

    /// Direct access to one queue's rows, for the policies' own orders.
    subscript(queue: QueueName) -> QueueRows {
        _read { yield queues[queue.index] }
        _modify { yield &queues[queue.index] }
    }

    /// The state of `claimer`, created on its first claim with its lottery stream
    /// `lottery/<claimer>`.
    mutating func withClaimer<Result>(_ claimer: String, _ body: (inout ClaimerState) -> Result) -> Result {
        if claimers[claimer] == nil {
            claimers[claimer] = ClaimerState(lottery: random.derived("lottery/" + claimer))
        }
        return body(&claimers[claimer]!)
    }

    /// The next `fair_key` service serial.
    mutating func nextServiceSerial() -> Int {
        served += 1
        return served
    }

    // MARK: The claim

    /// The rows a claim of `queues` with `limit` takes now, in claim order: the claim rule of
    /// the policy of the daemon that drains these queues. The rows are no longer live after.
    mutating func claim(_ queues: [QueueName], limit: Int, by claimer: String,
                        now: Duration) -> [RowID] {
        var picked: [RowID] = []
        guard let first = queues.first, limit > 0 else { return picked }
        switch fairness.policy(draining: first) {
        case .strict:
            claimStrict(queues, limit: limit, now: now, into: &picked)
        case .boundedStaleness(let after):
            claimBoundedStaleness(queues, after: after, limit: limit, now: now, into: &picked)
        case .reservedSlots(let reserved):
            claimReservedSlots(queues, reserved, limit: limit, by: claimer, now: now, into: &picked)
        case .deficitRoundRobin(let weights):
            claimDeficitRoundRobin(queues, weights, limit: limit, by: claimer, now: now, into: &picked)
        case .fairKey(let key):
            claimFairKey(queues, key, limit: limit, now: now, into: &picked)
        }
        return picked
    }

    /// `strict` (model file 3): queue by queue in request order, rows by `scheduled_at`, until
    /// `limit` rows are picked in all.
    /// One that picks nothing keeps the earliest `scheduled_at` it saw (``earliest(among:)``).
    mutating func claimStrict(_ queues: [QueueName], limit: Int, now: Duration, into picked: inout [RowID]) {
        var earliest: Duration?
        for queue in queues where picked.count < limit {
            while picked.count < limit {
                guard let first = first(of: queue) else { break }
                guard first.scheduledAt <= now else {
                    earliest = min(earliest ?? first.scheduledAt, first.scheduledAt)
                    break
                }
                takeFirst(queue, into: &picked)
            }
        }
        if picked.isEmpty { emptyClaim = (version, queues, earliest) }
    }
}
