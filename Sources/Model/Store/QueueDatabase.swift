import Sim

/// What the daemons and producers do to the database, one statement or transaction per call:
/// the seam between the model and a store. Two stores implement it: ``SimConnection`` over
/// the in-memory ``SimDatabase`` (virtual time, every call one modelled round trip), and live
/// mode's connection to a real MariaDB server running the real SQL.
///
/// A connection belongs to one actor or task at a time; its calls run in the caller's
/// isolation (`nonisolated(nonsending)`), so a modelled round trip costs one kernel job.
/// A store that can fail throws ``DatabaseError``; the daemons handle it as the real ones do.
public protocol QueueConnection: AnyObject {
    /// The `claimed_by` value (and, in the simulator, the name of the round-trip stream).
    var name: String { get }

    // MARK: Ops and states

    /// Inserts the op, its `queued` state and its row in one transaction.
    nonisolated(nonsending) func createOp(_ spec: OpSpec) async throws -> OpID
    /// The op and its state, or nil if it never existed or was hard-deleted.
    nonisolated(nonsending) func loadOp(_ id: OpID) async throws -> OpRecord?
    /// Writes a new state; false if the op is terminal already (the write is refused).
    @discardableResult
    nonisolated(nonsending) func setState(_ id: OpID, _ state: OpState) async throws -> Bool

    // MARK: Coalescing (steps 4 and 5)

    /// Step 5's lookup of a pending sibling (its own round trip, before any insert).
    nonisolated(nonsending) func findPending(type: OperationType, task: TaskName, key: CoalescingKey,
                                             columns: [TargetColumn], atLeastAsUrgentAs priority: Priority?)
        async throws -> OpID?
    /// Step 4's fold transaction (which takes `cost` in the simulator); returns the folded ops.
    nonisolated(nonsending) func fold(into survivor: OpID, type: OperationType, tasks: [TaskName],
                                      key: CoalescingKey, columns: [TargetColumn], cost: Duration)
        async throws -> [OpRecord]

    // MARK: Rows

    /// A claim in the dispatcher's style (batched, or singular in one of its shapes); every
    /// item carries the size of the claim it came in.
    nonisolated(nonsending) func claim(_ queues: [QueueName], limit: Int, mode: DequeueMode,
                                       shape: SingularDequeueShape) async throws -> [WorkItem]
    /// Deletes a row (the item is finished).
    nonisolated(nonsending) func deleteRow(_ id: RowID) async throws
    /// Defer or retry: a new row at `now + delay`, the op back to `queued`, the old row
    /// deleted; one transaction.
    nonisolated(nonsending) func reschedule(_ item: WorkItem, after delay: Duration, isDefer: Bool) async throws
    /// The stuck-claim reaper's statement: (released, errored).
    nonisolated(nonsending) func reap() async throws -> (released: Int, errored: Int)
    /// `restart_work_queue`: releases the rows of `queues` claimed by `prefix`'s daemons.
    nonisolated(nonsending) func releaseClaims(on queues: [QueueName], claimedByPrefix prefix: String)
        async throws -> Int

    // MARK: Reads and writes whose content the model keeps elsewhere

    /// Rows in these queues: claimed, due and deferred (maintain's depth gate).
    nonisolated(nonsending) func depth(of queues: [QueueName]) async throws -> Int
    nonisolated(nonsending) func hasPendingOp(network: NetworkID) async throws -> Bool
    /// The last (up to five) terminal states of ops on `network`, oldest first, with when
    /// (time since the start of the run).
    nonisolated(nonsending) func recentOutcomes(network: NetworkID) async throws -> [(at: Duration, state: OpState)]
    /// One eventlog event of `kind` (its cost drawn from `random`, the op's stream).
    nonisolated(nonsending) func writeEvent(_ kind: EventKind, costs: EventCosts, random: inout RandomStream)
        async throws
    /// Taking or releasing a lock held in the database.
    nonisolated(nonsending) func writeLock() async throws
    /// A read whose content the model keeps elsewhere (e.g. a network object maintain loads).
    nonisolated(nonsending) func read() async throws
    /// An error report row.
    nonisolated(nonsending) func writeErrorReport(_ id: OpID) async throws
}

/// The database as a whole: connections, and what a daemon waits on (wake-ups, quiet).
public protocol QueueStore: Sendable {
    /// A new connection named `name` (its `claimed_by`), counted in the database load under
    /// `kind` (``RunRecorder/loadKind(of:)`` of `name`, which a caller opening many
    /// connections of one kind looks up once); `random` is the stream its modelled round
    /// trips are drawn from (ignored by a real server).
    func connect(_ name: String, kind: RunRecorder.LoadKind, random: RandomStream) -> any QueueConnection

    /// Ideal mode: wake `signal` whenever a row appears (or is released) in one of `queues`.
    func subscribe(_ signal: any WakeSignal, to queues: [QueueName]) async
    /// Ideal mode: returns at once if a row is due in `queues`; otherwise waits on `signal`
    /// until a row appears or the earliest deferred row becomes due.
    func waitForWork(_ queues: [QueueName], signal: any WakeSignal) async throws
    /// Returns once every producer has finished and then no op is pending and no row is
    /// left, or when cancelled.
    func waitUntilDrained(after producers: ProducerTracker) async
    /// Where `op` is, for a message about a wait that timed out (not a statement of the
    /// real system).
    func whereIs(_ op: OpID) async -> String
}

/// A failure of a real database, typed as the daemons need to handle it.
public enum DatabaseError: Error, Equatable, CustomStringConvertible {
    /// 1213: the transaction was chosen as a deadlock victim (retried with jitter).
    case deadlock(String)
    /// 2006/2013: the server went away mid-statement (retried with jitter, reconnecting).
    case lostConnection(String)
    /// Retries exhausted or the server cannot be reached: shaken fist's `DatabaseUnavailable`
    /// (a dispatcher sleeps 5 s and tries again; a worker leaves its item to the reaper).
    case unavailable(String)
    /// 1045: the server refused the credentials.
    case accessDenied(String)
    /// Anything else the server or the client reported (reported, never retried).
    case other(code: Int, String)

    public var description: String {
        switch self {
        case .deadlock(let message): return "deadlock: \(message)"
        case .lostConnection(let message): return "lost connection: \(message)"
        case .unavailable(let message): return "database unavailable: \(message)"
        case .accessDenied(let message): return "access denied: \(message)"
        case .other(let code, let message): return "error \(code): \(message)"
        }
    }

    /// Whether the real daemons retry the statement (with jitter) on this error.
    public var isTransient: Bool {
        switch self {
        case .deadlock, .lostConnection: return true
        case .unavailable, .accessDenied, .other: return false
        }
    }
}
