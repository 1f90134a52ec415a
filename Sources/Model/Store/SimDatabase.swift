import DequeModule
import HeapModule
import Sim

/// The simulated MariaDB: `cluster_operations` + `object_states` + `work_queue`.
///
/// Each method is one statement or transaction and takes effect atomically at the instant it
/// runs; callers pay the round trip before calling (see ``SimConnection``). Because nothing
/// else runs during a method, `SELECT ... FOR UPDATE SKIP LOCKED` has nothing to skip here.
public actor SimDatabase: QueueStore {
    nonisolated let sim: Simulation
    /// The simulation's executor, kept: it is asked on every hop to the database.
    public nonisolated let unownedExecutor: UnownedSerialExecutor
    let config: ModelConfig
    let recorder: RunRecorder

    // The stored state below is unchecked for exclusivity (`@exclusivity(unchecked)`): the
    // runtime's check on every access to an actor's stored property (a call recording the
    // access and another ending it) was about 9 % of the model M/M/1 (141,000 -> 154,000
    // customers/s on 2026-12-03, same bytes). The actor's methods run one at a time on the
    // simulator's single thread and none holds an `inout` access to a property across another
    // access to it; the tests and every shipped scenario ran with the checks on and tripped
    // none. A new method that did would corrupt this state instead of trapping.

    /// Ops with their full record: the pending ones, and ended ones a row still refers to
    /// (a folded op's row, dropped when dispatched, reads its spec).
    @exclusivity(unchecked) private var ops: [OpID: OpRecord] = [:]
    /// Rows per op, for the ops that have any.
    @exclusivity(unchecked) private var rowsPerOp: [OpID: Int] = [:]
    /// Ended ops no row refers to, until the hard-delete sweep: only their state is kept (a
    /// tombstone; see ``loadOp(_:)``), so memory held by ended ops is a few bytes each.
    @exclusivity(unchecked) private var ended: [OpID: OpState] = [:]
    @exclusivity(unchecked) private var rows: [RowID: WorkItem] = [:]
    /// The claimed rows (the reaper's and `restart_work_queue`'s candidates): as many as
    /// items in flight, so neither scans the backlog.
    @exclusivity(unchecked) private var claimedRows: Set<RowID> = []
    /// Unclaimed rows of each queue in the orders the claim policies read (step 7's fairness).
    @exclusivity(unchecked) private var unclaimed: ClaimIndex
    /// Rows per queue, claimed or not (queue depth).
    @exclusivity(unchecked) private var rowCount: [Int] = []
    @exclusivity(unchecked) private var nextOp = 0
    @exclusivity(unchecked) private var nextRow = 0
    /// Terminal ops in the order they became terminal, for the hard-delete sweep.
    @exclusivity(unchecked) private var terminalOrder = Deque<(at: Duration, id: OpID)>()
    /// The last sweep instant at or before `now`, kept so most reads skip the division, where
    /// the interval between sweeps is not a whole number of nanoseconds (otherwise
    /// `nothingToPurgeBefore` already skips every read until the last sweep changes).
    @exclusivity(unchecked) private var lastSweepCache: Duration?
    /// Before this instant (in attoseconds) no sweep can delete anything: the first op of
    /// `terminalOrder` is then younger than `hardDeleteAfter`. `Int128.max` while there is
    /// none. Every statement purges first; this makes most of them one comparison.
    @exclusivity(unchecked) private var nothingToPurgeBefore = Int128.max
    @exclusivity(unchecked) private var pendingOps = 0
    /// Non-terminal ops per network (maintain's "has a pending op").
    @exclusivity(unchecked) private var pendingByNetwork: [NetworkID: Int] = [:]
    /// The last terminal states per network, newest last (maintain's error checks).
    @exclusivity(unchecked) private var recentOutcomes: [NetworkID: Deque<(at: Duration, state: OpState)>] = [:]
    /// Non-terminal single-task ops of coalescible tasks, by task: the candidates of step 4's
    /// fold and step 5's lookup (kept only when one of those steps is on).
    @exclusivity(unchecked) private var singleTaskPending: [TaskName: Set<OpID>] = [:]
    /// The same candidates by (task, type, key), for lookups and folds in O(1) amortised.
    @exclusivity(unchecked) private var siblings: SiblingIndex
    private let coalescing: CoalescingTable
    private let indexesCoalescible: Bool
    /// Who to wake when a row appears in a queue, in subscription order (see ``wake(_:visibleFrom:)``).
    @exclusivity(unchecked) private var subscribers: [[Subscriber]] = []
    /// Notified whenever the database becomes quiet (no pending op, no row).
    public nonisolated let quiet: any WakeSignal
    /// Ops someone waits on (a poller that skips its empty polls), notified when the op
    /// becomes terminal; an entry lives only while its op is watched and pending.
    @exclusivity(unchecked) private var terminalWatches: [OpID: Signal] = [:]

    /// `random` is the stream the claimers' lottery streams are derived from (`fairness` of
    /// the run's root stream; only a `reserved_slots` lottery draws from it).
    init(sim: Simulation, config: ModelConfig, recorder: RunRecorder,
         random: RandomStream = RandomStream(seed: 0).derived("fairness")) {
        self.sim = sim
        unownedExecutor = sim.executor.asUnownedSerialExecutor()
        self.config = config
        self.recorder = recorder
        unclaimed = ClaimIndex(fairness: config.fairness, random: random)
        self.quiet = sim.makeSignal()
        coalescing = CoalescingTable(config)
        siblings = SiblingIndex(keyColumns: coalescing.keyColumns)
        indexesCoalescible = !config.steps.isDisjoint(with: [.workerFold, .enqueueDedup])
    }

    /// Whether `spec` is a candidate of folds and lookups (and so kept in `singleTaskPending`).
    private func isCandidate(_ spec: OpSpec) -> Bool {
        indexesCoalescible && spec.tasks.count == 1 && coalescing.hasRule(for: spec, task: spec.tasks[0])
    }

    private var now: Duration { sim.now }

    // MARK: Ops

    /// Inserts the op, its `queued` state and its row in one transaction.
    func createOp(_ spec: OpSpec) -> OpID {
        nextOp += 1
        let id = OpID(nextOp)
        ops[id] = OpRecord(id: id, spec: spec, createdAt: now, state: .queued, stateChangedAt: now)
        pendingOps += 1
        if let network = spec.networkID { pendingByNetwork[network, default: 0] += 1 }
        if isCandidate(spec) {
            singleTaskPending[spec.tasks[0], default: []].insert(id)
            siblings.insert(id, spec: spec, task: spec.tasks[0])
        }
        insertRow(queue: spec.queue, op: id, type: spec.type, network: spec.networkID, deferCount: 0, retries: 0,
                  at: now)
        recorder.created(id, spec)
        return id
    }

    /// The op and its state, or nil if it never existed or was hard-deleted.
    ///
    /// An ended op that no row refers to any more is a tombstone: its record carries the
    /// state and nothing else (an empty spec, zero times). Only dependency checks and waiters
    /// read such an op, and they read its state alone; a row's op (what a dispatcher loads)
    /// always has its full record.
    func loadOp(_ id: OpID) -> OpRecord? {
        purgeExpired()
        if let op = ops[id] { return op }
        return ended[id].map { OpRecord(id: id, spec: Self.tombstoneSpec, createdAt: .zero, state: $0,
                                        stateChangedAt: .zero) }
    }

    /// The spec a tombstone's record carries.
    private static let tombstoneSpec = OpSpec(type: .netOp, tasks: [], priority: .background,
                                              queue: QueueName(.any, .clusterOperation, .background), randomKey: 0)

    /// Keeps only the state of `id` if it has ended and no row refers to it.
    private func retireIfEnded(_ id: OpID) {
        guard rowsPerOp[id] == nil, let op = ops[id], op.state.isTerminal else { return }
        ops[id] = nil
        ended[id] = op.state
    }

    /// Writes a new state. Terminal states are final: a write to a terminal op is ignored and
    /// reported as `false` (the real code raises on an invalid transition).
    @discardableResult
    func setState(_ id: OpID, _ state: OpState, byFold: Bool = false) -> Bool {
        purgeExpired()
        // Written in place: copying the record out and back retained its spec's arrays twice.
        guard let index = ops.index(forKey: id), !ops.values[index].state.isTerminal else { return false }
        let now = now
        ops.values[index].state = state
        ops.values[index].stateChangedAt = now
        if state.isTerminal {
            let op = ops.values[index]
            pendingOps -= 1
            if isCandidate(op.spec) {
                singleTaskPending[op.spec.tasks[0]]?.remove(id)
                siblings.ended(id, spec: op.spec, task: op.spec.tasks[0]) { [ops] in
                    ops[$0].map { !$0.state.isTerminal } ?? false
                }
            }
            if let network = op.spec.networkID {
                pendingByNetwork[network, default: 1] -= 1
                // In place, and looked up once: a copy of the list, changed, would copy its
                // storage.
                Self.keepRecent((now, state), in: &recentOutcomes[network, default: []])
            }
            if terminalOrder.isEmpty { nothingToPurgeBefore = purgeable(from: now) }
            terminalOrder.append((now, id))
            recorder.terminal(op, at: now, byFold: byFold)
            // Looked up only when someone watches (an empty table's lookup still hashes).
            if !terminalWatches.isEmpty { terminalWatches.removeValue(forKey: id)?.notifyAll() }
            notifyIfQuiet()
            retireIfEnded(id)
        }
        return true
    }

    /// The hard delete (model file 7): a sweep every `hardDeleteInterval` (from the start of
    /// the run) deletes the ops that have then been terminal for at least `hardDeleteAfter`.
    /// Evaluated lazily: before any read, every sweep up to now is applied. With a zero
    /// interval an op is deleted as soon as it has been terminal for longer than
    /// `hardDeleteAfter` (the reading simrun used before; kept to measure its effect).
    private func purgeExpired() {
        let now = self.now
        guard now.attoseconds >= nothingToPurgeBefore else { return }
        // Whatever is deleted, the next instant worth a look is when the first op left is old
        // enough, and not before the last sweep can change.
        var sweepUnchangedBefore = Int128.min
        defer {
            let firstOldEnough = terminalOrder.first.map { purgeable(from: $0.at) } ?? .max
            nothingToPurgeBefore = max(firstOldEnough, sweepUnchangedBefore)
        }
        let interval = config.hardDeleteInterval
        if interval <= .zero {
            deleteOldestTerminal { now - $0 > config.hardDeleteAfter }
            return
        }
        let lastSweep: Duration
        if let step = interval.exactNanoseconds, step > 0 {
            // A whole number of nanoseconds between sweeps: the last sweep is the last
            // multiple of it at or before now, the same until the clock reaches the next.
            let sweeps = now.nanosecondsClamped / step
            lastSweep = interval * sweeps
            let (next, overflow) = sweeps.addingReportingOverflow(1)
            let (instant, overflowed) = next.multipliedReportingOverflow(by: step)
            sweepUnchangedBefore = overflow || overflowed ? .max : Duration.nanoseconds(instant).attoseconds
        } else if let cached = lastSweepCache, now >= cached, now - cached < interval {
            lastSweep = cached
        } else {
            lastSweep = interval * (now.nanosecondsClamped / interval.nanosecondsClamped)
            lastSweepCache = lastSweep
        }
        guard lastSweep > .zero else { return }
        deleteOldestTerminal { lastSweep - $0 >= config.hardDeleteAfter }
    }

    /// Hard-deletes the ops terminal longest, while `expired` holds for the instant the first
    /// of them became terminal.
    private func deleteOldestTerminal(while expired: (Duration) -> Bool) {
        while let first = terminalOrder.first, expired(first.at) {
            terminalOrder.removeFirst()
            ops[first.id] = nil
            ended[first.id] = nil
        }
    }

    /// The first instant (in attoseconds) at which an op terminal since `at` may be deleted:
    /// `at + hardDeleteAfter`, or `Int128.max` past the range.
    private func purgeable(from at: Duration) -> Int128 {
        let (instant, overflow) = at.attoseconds.addingReportingOverflow(config.hardDeleteAfter.attoseconds)
        return overflow ? .max : instant
    }

    /// The signal notified when `id` becomes terminal, or nil if it already is (or is gone).
    /// Not a statement of the real system: a waiter's way to sleep through the polls that
    /// would see it still pending.
    func watchTerminal(_ id: OpID) -> Signal? {
        guard let op = ops[id], !op.state.isTerminal else { return nil }
        if let signal = terminalWatches[id] { return signal }
        let signal = Signal(executor: sim.executor)
        terminalWatches[id] = signal
        return signal
    }

    /// Whether `id` is terminal or gone (what a poll's read would conclude), without a read.
    func hasEnded(_ id: OpID) -> Bool {
        ops[id].map { $0.state.isTerminal } ?? true
    }

    // MARK: Coalescing (steps 4 and 5)

    /// Queued single-task ops of `type` running `task` whose key columns hold `key`, oldest
    /// first (the SQL of model file 11: same type and task, `JSON_LENGTH(tasks) = 1`, state
    /// `queued`, same target values).
    ///
    /// Only ops the same rule covers are siblings (a rule limited to some queues does not
    /// reach ops on others); with `atLeastAsUrgentAs`, only ops of that priority or a more
    /// urgent one (phase 11's enqueue reuse).
    private func queuedSiblings(type: OperationType, task: TaskName, key: CoalescingKey, columns: [TargetColumn],
                                atLeastAsUrgentAs priority: Priority? = nil, first: Bool = false) -> [OpID] {
        if siblings.covers(task: task, columns: columns) {
            let candidates = siblings.pending(task: task, type: type, key: key) { [ops] in
                ops[$0].map { !$0.state.isTerminal } ?? false
            }
            var found: [OpID] = []
            for id in candidates {
                guard let op = ops[id], op.state == .queued else { continue }
                if let priority, op.spec.priority > priority { continue }
                found.append(id)
                if first { break }
            }
            return found
        }
        return (singleTaskPending[task] ?? []).sorted().filter { id in
            guard let op = ops[id], op.state == .queued, op.spec.type == type,
                  coalescing.hasRule(for: op.spec, task: task) else { return false }
            if let priority, op.spec.priority > priority { return false }
            return CoalescingKey(op.spec, columns: columns) == key
        }
    }

    /// Step 5's lookup: the oldest pending sibling, if any. With the SQL as deployed (inert)
    /// the statement runs and finds nothing.
    func findPending(type: OperationType, task: TaskName, key: CoalescingKey, columns: [TargetColumn],
                     atLeastAsUrgentAs priority: Priority?) -> OpID? {
        purgeExpired()
        guard config.coalescingSQL == .matches else { return nil }
        return queuedSiblings(type: type, task: task, key: key, columns: columns, atLeastAsUrgentAs: priority,
                              first: true).first
    }

    /// Step 4's fold, one transaction: every other queued single-task op of the survivor's
    /// type and key whose task is one of `tasks` becomes `complete` ("coalesced into sibling
    /// op"). Their rows stay and are dropped when dispatched. Returns the folded ops.
    func fold(into survivor: OpID, type: OperationType, tasks: [TaskName], key: CoalescingKey,
              columns: [TargetColumn]) -> [OpRecord] {
        purgeExpired()
        guard config.coalescingSQL == .matches else { return [] }
        var folded: [OpRecord] = []
        for task in tasks {
            for id in queuedSiblings(type: type, task: task, key: key, columns: columns) where id != survivor {
                setState(id, .complete, byFold: true)
                if let op = ops[id] { folded.append(op) }
            }
        }
        return folded.sorted { $0.id < $1.id }
    }

    // MARK: Rows

    /// Grows the per-queue arrays to hold `queue`.
    private func ensureSlots(for queue: QueueName) {
        while rowCount.count <= queue.index {
            rowCount.append(0)
            subscribers.append([])
        }
        unclaimed.ensureSlot(for: queue)
    }

    private func insertRow(queue: QueueName, op: OpID, type: OperationType, network: NetworkID?, deferCount: Int,
                           retries: Int, at scheduledAt: Duration) {
        nextRow += 1
        let row = WorkItem(rowID: RowID(nextRow), queue: queue, opID: op, opType: type,
                           networkID: network, deferCount: deferCount,
                           retries: retries, scheduledAt: scheduledAt, createdAt: now, claimedAt: nil,
                           claimedBy: nil, attempts: 0)
        let entry = indexEntry(row)
        rows[row.rowID] = row  // moved, not copied: its last use
        rowsPerOp[op, default: 0] += 1
        ensureSlots(for: queue)
        rowCount[queue.index] += 1
        unclaimed.insert(entry)
        wake(queue, visibleFrom: max(scheduledAt, now))
    }

    /// What the claim index keeps of a row.
    private func indexEntry(_ row: WorkItem) -> ClaimIndex.Entry {
        let op = ops[row.opID]
        return ClaimIndex.Entry(rowID: row.rowID, queue: row.queue, scheduledAt: row.scheduledAt,
                                opCreatedAt: op?.createdAt ?? row.createdAt, networkID: row.networkID,
                                nodeID: op?.spec.nodeID, opType: row.opType)
    }

    /// The claim rule (model file 3): eligible rows are unclaimed, due, and in the requested
    /// queues; at most `limit` (server cap 256, `claimCap`) are marked claimed with `attempts + 1`. Their
    /// order is the fairness policy's of the daemon that drains these queues (``ClaimIndex``);
    /// `strict`, the default, orders by the queue's position in the request, then
    /// `scheduled_at`.
    ///
    /// `reestablishing`: the reads (each a list of queues) of a plan the claimer withdrew to
    /// take this read (see ``IdlePlan``), whose first readers are chosen again once it is
    /// taken.
    func claim(_ queues: [QueueName], limit: Int, by claimer: String,
               reestablishing withdrawn: [[QueueName]] = []) -> [WorkItem] {
        let cap = min(max(limit, 0), config.claimCap)
        let claimed = unclaimed.claim(queues, limit: cap, by: claimer, now: now).compactMap { id -> WorkItem? in
            // Marked in place: the row is copied once, into the result (a row holds strings,
            // and each copy retains them).
            guard let index = rows.index(forKey: id) else { return nil }
            rows.values[index].claimedAt = now
            rows.values[index].claimedBy = claimer
            rows.values[index].attempts += 1
            claimedRows.insert(id)
            return rows.values[index]
        }
        reestablish(withdrawn)
        return claimed
    }

    /// Deletes a row (the item is finished).
    func deleteRow(_ id: RowID) {
        guard let row = rows.removeValue(forKey: id) else { return }
        if let count = rowsPerOp[row.opID], count > 1 {
            rowsPerOp[row.opID] = count - 1
        } else {
            rowsPerOp[row.opID] = nil
            retireIfEnded(row.opID)
        }
        claimedRows.remove(id)
        unclaimed.remove(id)
        rowCount[row.queue.index] -= 1
        notifyIfQuiet()
    }

    /// Defer or retry: a new row on the same queue at `now + delay`, the op back to `queued`,
    /// the old row deleted; one transaction. `deferCount` counts dependency defers.
    func reschedule(_ item: WorkItem, after delay: Duration, isDefer: Bool) {
        // In place, as `setState` writes a state.
        if let index = ops.index(forKey: item.opID), !ops.values[index].state.isTerminal {
            ops.values[index].state = .queued
            ops.values[index].stateChangedAt = now
        }
        insertRow(queue: item.queue, op: item.opID, type: item.opType, network: item.networkID,
                  deferCount: item.deferCount + (isDefer ? 1 : 0), retries: item.retries + (isDefer ? 0 : 1),
                  at: now + delay)
        deleteRow(item.rowID)
    }

    /// The stuck-claim reaper: rows claimed longer than `claimTimeout` are released; a row
    /// that has reached `maxAttempts` is deleted and its op set to `error`.
    /// Returns (released, errored).
    func reap() -> (released: Int, errored: Int) {
        var released = 0
        var errored: [OpID] = []
        for id in claimedRows.sorted() {
            guard var row = rows[id], let claimedAt = row.claimedAt,
                  now - claimedAt > config.claimTimeout else { continue }
            if row.attempts >= config.maxAttempts {
                deleteRow(id)
                errored.append(row.opID)
            } else {
                row.claimedAt = nil
                row.claimedBy = nil
                rows[id] = row
                claimedRows.remove(id)
                unclaimed.insert(indexEntry(row))
                wake(row.queue, visibleFrom: max(row.scheduledAt, now))
                released += 1
            }
        }
        for op in errored { setState(op, .error) }
        return (released, errored.count)
    }

    /// `restart_work_queue` (model file 7): a daemon starting on a node releases the rows of
    /// `queues` that the node's daemons had claimed (`claimed_by` starts with the node's
    /// name), without resetting `attempts`. Their ops, left `executing` by the crash, go back
    /// to `queued` (assumed: otherwise sf-queues, which runs only `queued` ops, would drop the
    /// re-dispatched item and the op would never end). Returns the rows released.
    func releaseClaims(on queues: [QueueName], claimedByPrefix prefix: String) -> Int {
        let wanted = Set(queues.map(\.index))
        var released = 0
        for id in claimedRows.sorted() {
            guard var row = rows[id], row.claimedAt != nil, wanted.contains(row.queue.index),
                  row.claimedBy?.hasPrefix(prefix) ?? false else { continue }
            row.claimedAt = nil
            row.claimedBy = nil
            rows[id] = row
            claimedRows.remove(id)
            if var op = ops[row.opID], op.state == .executing {
                op.state = .queued
                op.stateChangedAt = now
                ops[row.opID] = op
            }
            unclaimed.insert(indexEntry(row))
            wake(row.queue, visibleFrom: max(row.scheduledAt, now))
            released += 1
        }
        return released
    }

    /// Where `op` is, for a message about a wait that timed out: its state and its rows
    /// (queue, claimed by whom, or due when). Not a statement of the real system.
    public func whereIs(_ op: OpID) -> String {
        purgeExpired()
        guard let record = ops[op] else { return "\(op) no longer exists" }
        var parts = ["\(op) (\(record.spec.taskLabel)) \(record.state.rawValue)"]
        for row in rows.values.filter({ $0.opID == op }).sorted(by: { $0.rowID < $1.rowID }) {
            if let by = row.claimedBy {
                parts.append("on \(row.queue), claimed by \(by)")
            } else if row.scheduledAt > now {
                parts.append("on \(row.queue), deferred until \(row.scheduledAt.instantDescription)")
            } else {
                let key = RowKey(scheduledAt: row.scheduledAt, rowID: row.rowID)
                let ahead = rows.values.filter {
                    $0.queue == row.queue && $0.claimedAt == nil
                        && RowKey(scheduledAt: $0.scheduledAt, rowID: $0.rowID) < key
                }.count
                parts.append("queued on \(row.queue) behind \(ahead) due rows")
            }
        }
        return parts.joined(separator: ", ")
    }

    /// Rows in these queues: claimed, due and deferred (maintain's depth gate).
    func depth(of queues: [QueueName]) -> Int {
        queues.reduce(0) { $0 + ($1.index < rowCount.count ? rowCount[$1.index] : 0) }
    }

    // MARK: Networks (maintain)

    func hasPendingOp(network: NetworkID) -> Bool { (pendingByNetwork[network] ?? 0) > 0 }

    /// The last (up to five) terminal states of ops on `network`, oldest first.
    /// Appends `outcome` to a network's recent outcomes, keeping the last five.
    private static func keepRecent(_ outcome: (at: Duration, state: OpState),
                                   in recent: inout Deque<(at: Duration, state: OpState)>) {
        recent.append(outcome)
        if recent.count > 5 { recent.removeFirst() }
    }

    func recentOutcomes(network: NetworkID) -> [(at: Duration, state: OpState)] {
        Array(recentOutcomes[network] ?? [])
    }

    // MARK: Quiet and wake-ups

    /// A connection whose round trips are drawn from `random` (see ``SimConnection``), its
    /// load kind found from its name.
    public nonisolated func connect(_ name: String, random: RandomStream) -> any QueueConnection {
        connect(name, kind: recorder.loadKind(of: name), random: random)
    }

    public nonisolated func connect(_ name: String, kind: RunRecorder.LoadKind,
                                    random: RandomStream) -> any QueueConnection {
        SimConnection(database: self, clock: sim.clock, roundTrip: config.roundTrip, name: name, kind: kind,
                      random: random)
    }

    /// Returns once every producer has finished and then no op is pending and no row is left.
    public func waitUntilDrained(after producers: ProducerTracker) async {
        do {
            while !producers.isDone { try await producers.finished.wait() }
            while !isQuiet { try await quiet.wait() }
        } catch is CancellationError {
            // Cancelled at the time limit.
        } catch {
            recorder.daemonFailed("drain", error)
        }
    }

    /// True when no op is pending and no row exists.
    var isQuiet: Bool { pendingOps == 0 && rows.isEmpty }

    private func notifyIfQuiet() {
        if isQuiet { quiet.notifyAll() }
    }


    /// A daemon's wake-up signal, and its plan while it sleeps through its idle claims.
    private struct Subscriber {
        let signal: any WakeSignal
        /// The same signal if it can carry a plan (``IdlePlan``), unretained: `signal` keeps
        /// it, and subscribers are never removed. ``wake(_:visibleFrom:)`` visits every
        /// subscriber of a queue on every insert into it, and retaining and releasing each
        /// reader (and the best one so far) there was about five reference-count operations
        /// a visit.
        let reader: Unmanaged<CountedSignal>?
    }

    /// Wake `signal` when a row appears (or is released) in one of `queues`: always in ideal
    /// mode; when the daemon sleeps through its idle claims, only if its read sees the row
    /// first (``IdlePlan``).
    public func subscribe(_ signal: any WakeSignal, to queues: [QueueName]) {
        let subscriber = Subscriber(signal: signal, reader: (signal as? CountedSignal).map { .passUnretained($0) })
        for queue in queues {
            ensureSlots(for: queue)
            subscribers[queue.index].append(subscriber)
        }
    }

    /// A row of `queue` is visible from `visible` (at or after `now`): every subscriber
    /// without a plan is woken, and of those with one, only the first to read `queue` at or
    /// after `visible`, if it would sleep past that read (see ``IdlePlan`` for why this is
    /// exact). Ties go to the earlier subscriber.
    private func wake(_ queue: QueueName, visibleFrom visible: Duration) {
        guard queue.index < subscribers.count else { return }
        let now = now
        var first: (reader: Unmanaged<CountedSignal>, at: Duration, deadline: Duration?)?
        let list = subscribers[queue.index]
        list.withUnsafeBufferPointer { entries in
            // By index, reading the one field needed: a copy of the subscriber would retain
            // its signal.
            for index in entries.indices {
                guard let reader = entries[index].reader else {
                    entries[index].signal.notifyAll()
                    continue
                }
                let bound = first?.at
                let planned = reader._withUnsafeGuaranteedRef { reader in
                    // One optional chain: the plan's tag is read once (a call per read, the
                    // plan being large), and the plan is walked in place.
                    reader.plan.withLock { plan in
                        plan?.firstReadAndDeadline(of: queue, atOrAfter: visible, now: now, before: bound)
                    }
                }
                guard let planned else {
                    reader._withUnsafeGuaranteedRef { $0.notifyAll() }
                    continue
                }
                // By attoseconds: `Duration`'s `<` is a call into the standard library.
                if let read = planned.read, bound.map({ read.attoseconds < $0.attoseconds }) ?? true {
                    first = (reader, read, planned.deadline)
                }
            }
        }
        if let first, first.deadline.map({ first.at < $0 }) ?? true {
            first.reader._withUnsafeGuaranteedRef { $0.notifyAll() }
        }
    }

    /// A daemon withdrew the plan it had for the queues of `reads` (``IdlePlan``): for each
    /// of them holding an unclaimed row, read by read and in each read's order, the first
    /// reader of its earliest row is chosen again.
    func reestablish(_ reads: [[QueueName]]) {
        for queues in reads {
            for queue in queues {
                guard let earliest = unclaimed.earliest(queue) else { continue }
                wake(queue, visibleFrom: max(earliest, now))
            }
        }
    }

    /// For each list of queues, the earliest `scheduled_at` of its unclaimed rows (due or
    /// not) but not before `now` (a row due earlier is visible from now), or nil if it has
    /// none: when a polling daemon's claim can next find a row (see `IdleClaims`). Not a
    /// statement of the real system.
    func earliestVisible(_ reads: [[QueueName]], from now: Duration) -> [Duration?] {
        var visible: [Duration?] = []
        earliestVisible(reads, from: now, into: &visible)
        return visible
    }

    /// ``earliestVisible(_:from:)`` written into `visible` (emptied first, its storage kept):
    /// a daemon sleeping through its claims asks on every wake-up, and a new list each time
    /// (allocated, filled, freed) was about 0.8 % of an hour of `cluster-day`.
    func earliestVisible(_ reads: [[QueueName]], from now: Duration, into visible: inout [Duration?]) {
        visible.removeAll(keepingCapacity: true)
        for queues in reads { visible.append(earliestScheduled(queues).map { max($0, now) }) }
    }

    /// The earliest `scheduled_at` of the unclaimed rows of `queues` (due or not), or nil if
    /// they have none.
    private func earliestScheduled(_ queues: [QueueName]) -> Duration? {
        unclaimed.earliest(among: queues)
    }

    /// Ideal mode: a claim by `claimer` (counted as a claim of `kind`) and, if it took nothing,
    /// ``waitForWork(_:signal:)`` on the same queues, in one hop to the database (see
    /// ``SimConnection/claimOrWaitForWork(_:limit:signal:)``): the rows taken, or none once it
    /// has waited. Nothing runs between the claim and the wait, as nothing did when the
    /// daemon hopped back between them: the database, the daemon and the claim share the
    /// run's one executor, so each hop ran at once (the same bytes on every shipped scenario).
    func claimOrWaitForWork(_ queues: [QueueName], limit: Int, by claimer: String, kind: RunRecorder.LoadKind,
                            signal: any WakeSignal) async throws -> [WorkItem] {
        let items = claim(queues, limit: limit, by: claimer)
        recorder.claims(1, empty: items.isEmpty ? 1 : 0, kind: kind)
        guard items.isEmpty else { return items }
        try await waitUntilWork(queues, signal: signal)
        return []
    }

    /// Ideal mode's woken daemon answered without running it
    /// (``SimConnection/answerClaim(_:limit:_:)``): if a claim of `queues` with `limit` (``claimOrWaitForWork(_:limit:by:kind:signal:)``)
    /// would take nothing and the wait after it would suspend, that wait's deadline (the
    /// earliest `scheduled_at` of their rows, nil for none); nil otherwise. Changes nothing:
    /// an empty claim changes no state of the claim rules (see `IdleClaims`), and the caller
    /// counts it. Only for `strict`, whose claim is empty exactly when no queue's first row is
    /// due, which is when the wait after it suspends.
    func waitAfterEmptyClaim(_ queues: [QueueName], limit: Int) -> Duration?? {
        guard let first = queues.first, case .strict = config.fairness.policy(draining: first),
              min(max(limit, 0), config.claimCap) > 0 else { return nil }
        return workWaitDeadline(queues)
    }

    /// The wait for work on `queues` (``waitUntilWork(_:signal:)``): nil if a row is due (no
    /// wait), else the wait's deadline, the earliest `scheduled_at` of their rows (nil for
    /// none).
    @inline(__always)
    private func workWaitDeadline(_ queues: [QueueName]) -> Duration?? {
        let earliest = earliestScheduled(queues)
        if let earliest, earliest <= now { return nil }
        return .some(earliest)
    }

    /// Ideal mode: returns at once if a row is due in `queues`; otherwise waits on `signal`
    /// until a row appears or the earliest deferred row becomes due.
    public func waitForWork(_ queues: [QueueName], signal: any WakeSignal) async throws {
        try await waitUntilWork(queues, signal: signal)
    }

    /// ``waitForWork(_:signal:)``'s body, inlined into it and into
    /// ``claimOrWaitForWork(_:limit:by:kind:signal:)`` (an async call of its own would
    /// allocate a frame on every woken round of ideal mode).
    @inline(__always)
    private func waitUntilWork(_ queues: [QueueName], signal: any WakeSignal) async throws {
        guard case .some(let deadline) = workWaitDeadline(queues) else { return }
        try await signal.wait(untilOffset: deadline)
    }
}
