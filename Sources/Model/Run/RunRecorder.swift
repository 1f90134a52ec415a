import Sim
import Synchronization

/// Histograms broken down the way every report shows them.
public struct Breakdown: Sendable {
    public var all = WaitHistogram()
    public var byQueue: [String: WaitHistogram] = [:]
    public var byOpType: [String: WaitHistogram] = [:]
    public var byTask: [String: WaitHistogram] = [:]

    public init() {}

    mutating func record(_ value: Duration, queue: String, opType: String, task: String) {
        all.record(value)
        byQueue[queue, default: WaitHistogram()].record(value)
        byOpType[opType, default: WaitHistogram()].record(value)
        byTask[task, default: WaitHistogram()].record(value)
    }

    /// This breakdown with `other` merged in.
    func merged(with other: Breakdown) -> Breakdown {
        var copy = self
        copy.merge(other)
        return copy
    }

    public mutating func merge(_ other: Breakdown) {
        all.merge(other.all)
        for (key, value) in other.byQueue { byQueue[key, default: WaitHistogram()].merge(value) }
        for (key, value) in other.byOpType { byOpType[key, default: WaitHistogram()].merge(value) }
        for (key, value) in other.byTask { byTask[key, default: WaitHistogram()].merge(value) }
    }
}

/// What happened to ops, counted.
public struct OpCounts: Sendable, Equatable {
    public var created = 0
    /// Executions started (an op retried after a transient failure counts again).
    public var executed = 0
    /// Dependency defers.
    public var deferred = 0
    public var completed = 0
    public var errored = 0
    public var aborted = 0
    /// Items dropped at dispatch because their op was already terminal (including an op
    /// folded between its claim and its `executing` write).
    public var skippedTerminal = 0
    /// Items whose op no longer existed at dispatch.
    public var missing = 0
    /// Transient-failure retries.
    public var retried = 0
    /// Claims released by the reaper.
    public var reaped = 0
    /// Claims released by a daemon starting (`restart_work_queue`).
    public var releasedAtStartup = 0
    /// Step 4b fold transactions run, and ops completed by them.
    public var foldsRun = 0
    public var folded = 0
    /// Folds skipped because the claim returned a single item (phase 11).
    public var foldsSkipped = 0
    /// Step 5 lookups run, and enqueues answered with an existing pending op.
    public var enqueueLookups = 0
    public var deduplicated = 0
    /// Repeated tasks dropped inside one op (step 4a).
    public var tasksDropped = 0
    public var waitsCompleted = 0
    public var waitsTimedOut = 0
    /// Database reads by maintain passes (model file 8b).
    public var maintainReads = 0

    public init() {}
}

/// A wait that reached `API_ASYNC_WAIT`: who waited, for which op, and where that op sat.
public struct TimedOutWait: Sendable, Equatable, CustomStringConvertible {
    public var at: Duration
    public var waiter: String
    public var op: OpID
    /// The op's state and rows when the wait gave up (``SimDatabase/whereIs(_:)``).
    public var whereabouts: String
    public var after: Duration

    public var description: String {
        "\(waiter) gave up at \(at.instantDescription) after \(after.seconds.formatted6) s waiting for \(whereabouts)"
    }
}

/// One line of the optional trace: what happened to which op, when, where.
public struct TraceEvent: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case created, started, finished, deferred, skipped, retried, terminal, folded, deduplicated
        case dependencyFailed = "dependency_failed"
        case waitTimedOut = "wait_timed_out"
    }
    public var time: Duration
    public var kind: Kind
    public var op: OpID
    public var task: String
    public var queue: String
    /// The claimer (e.g. `node-1/sf-net`), when there is one.
    public var by: String
    public var detail: String
}

/// Collects every figure of a run. Recording is synchronous (a mutex, uncontended: the
/// simulation is single-threaded), so reports can be read after the run has ended.
public final class RunRecorder: Sendable {
    struct Store {
        var counts = OpCounts()
        var wait = CellBreakdown()
        var completion = CellBreakdown()
        /// `effect_seconds` of ops whose change their own execution made (or that ended in
        /// error or abort); the coalesced victims' are added when the run is read.
        var effect = CellBreakdown()
        var trace: [TraceEvent] = []
        /// Ops not yet terminal, with what they were last seen doing.
        var pending: [OpID: (spec: OpSpec, state: OpState)] = [:]
        /// Pending ops none of whose `depends_on` and `runs_after` ops is pending, by queue
        /// index (with the queue): the progress watch's quick test (such an op on a served
        /// queue is not dead, whatever else is). Kept as ops are created and end: a pending
        /// op with pending dependencies is in `blockers` (how many) and in `dependents` of
        /// each of them, so the op that ends last among them moves it here.
        var unblocked: [(queue: QueueName?, count: Int)] = []
        var blockers: [OpID: Int] = [:]
        var dependents: [OpID: [OpID]] = [:]

        mutating func countUnblocked(_ queue: QueueName, _ delta: Int) {
            let index = queue.index
            while unblocked.count <= index { unblocked.append((nil, 0)) }
            unblocked[index].queue = queue
            unblocked[index].count += delta
        }

        /// `id` (just made pending) waits on those of its dependencies that are pending.
        mutating func track(_ id: OpID, _ spec: OpSpec) {
            guard !spec.dependsOn.isEmpty || !spec.runsAfter.isEmpty else { return countUnblocked(spec.queue, 1) }
            var waitsOn = 0
            for dependency in Set(spec.dependsOn + spec.runsAfter) where pending[dependency] != nil {
                dependents[dependency, default: []].append(id)
                waitsOn += 1
            }
            if waitsOn == 0 { countUnblocked(spec.queue, 1) } else { blockers[id] = waitsOn }
        }

        /// `id` (no longer pending, its spec `spec`) ended: it leaves the counts, and the ops
        /// that waited on it wait on one op fewer.
        mutating func untrack(_ id: OpID, _ spec: OpSpec) {
            // The tables are looked up only when an op waits on another (an empty table's
            // lookup still hashes, on every op that ends).
            if blockers.isEmpty || blockers.removeValue(forKey: id) == nil { countUnblocked(spec.queue, -1) }
            for dependent in dependents.isEmpty ? [] : dependents.removeValue(forKey: id) ?? [] {
                guard let left = blockers[dependent], let waiting = pending[dependent] else { continue }
                if left > 1 {
                    blockers[dependent] = left - 1
                } else {
                    blockers[dependent] = nil
                    countUnblocked(waiting.spec.queue, 1)
                }
            }
        }
        var peakBusy: [String: Int] = [:]
        var effects = EffectLedger()
        var roundTrips: [String: Int] = [:]
        /// The database load by ``LoadKind``: each kind's name and counters (a kind appears in
        /// the load once something was counted for it).
        var loadKinds: [String: LoadKind] = [:]
        var loadNames: [String] = []
        var loadCounters: [LoadCounters] = []
        var load: DatabaseLoad {
            var load = DatabaseLoad()
            for (name, counters) in zip(loadNames, loadCounters) {
                if let counts = counters.counts { load.byKind[name] = counts }
            }
            return load
        }
        var timedOutWaits: [TimedOutWait] = []
        var failures: [String] = []
        var incidents: [String] = []
        /// Kept only when figure settings were given.
        var fairness: FairnessFigures?
        /// Ops whose terminal instant the effect ledger needs: dependencies of some op, and
        /// ops that ran a task that can coalesce.
        var watched: Set<OpID> = []
    }

    let clock: any Runtime
    let tracing: Bool
    /// Where the eventlog events go (`--events`), if anywhere (see ``EventLogSink``).
    let eventLog: (any EventLogSink)?
    /// Whether to keep the effect ledger (only coalescing can lose work).
    let checkingEffects: Bool
    private let store: Mutex<Store>

    /// Ops created before this instant are left out of the wait, completion and effect
    /// histograms (the warm-up of a run).
    let statisticsFrom: Duration

    public init(clock: any Runtime, tracing: Bool, checkingEffects: Bool, warmup: Duration = .zero,
                figures: FigureSettings? = nil, eventLog: (any EventLogSink)? = nil) {
        self.eventLog = eventLog
        store = Mutex(Store(fairness: figures.map { FairnessFigures(settings: $0) }))
        self.clock = clock
        self.tracing = tracing
        self.checkingEffects = checkingEffects
        statisticsFrom = warmup
    }

    public var counts: OpCounts { store.withLock { $0.counts } }
    public var wait: Breakdown { store.withLock { $0.wait.breakdown } }
    public var completion: Breakdown { store.withLock { $0.completion.breakdown } }
    /// Waits by lane and key (step 7).
    public var fairness: FairnessFigures { store.withLock { $0.fairness ?? FairnessFigures(settings: FigureSettings()) } }
    public var trace: [TraceEvent] { store.withLock { $0.trace } }
    /// Highest number of concurrently busy workers seen, per pool.
    public var peakBusy: [String: Int] { store.withLock { $0.peakBusy } }
    /// Database round trips paid per connection name (e.g. `node-1/sf-net`). Counted only
    /// while tracing, like the trace: sf-queues names one connection per item, so the table
    /// grows with the run.
    public var roundTrips: [String: Int] { store.withLock { $0.roundTrips } }
    /// Round trips and claims per kind of connection (always counted).
    public var load: DatabaseLoad { store.withLock { $0.load } }
    public var timedOutWaits: [TimedOutWait] { store.withLock { $0.timedOutWaits } }
    /// Errors that ended a daemon or a producer other than by cancellation (none expected).
    public var failures: [String] { store.withLock { $0.failures } }

    /// `effect_seconds` of every request, and the work coalescing lost (empty unless steps 4
    /// or 5 ran). Resolving the victims walks the ledger, so read it once, after the run.
    public var effects: (seconds: Breakdown, violations: [EffectViolation]) {
        store.withLock { store in
            guard checkingEffects else { return (store.effect.breakdown.merged(with: store.completion.breakdown), []) }
            var seconds = store.effect.breakdown
            let (served, violations) = store.effects.resolve(from: statisticsFrom)
            for (work, value) in served {
                seconds.record(value, queue: work.queue, opType: work.opType, task: work.taskLabel)
            }
            return (seconds, violations)
        }
    }

    /// The work coalescing lost (see ``effects``).
    public var effectViolations: [EffectViolation] { effects.violations }

    /// Whether some pending op none of whose dependencies is pending sits on a queue `served`
    /// accepts (such an op is not dead: the progress watch asks this before it copies the
    /// pending ops).
    func hasUnblockedPending(on served: (QueueName) -> Bool) -> Bool {
        store.withLock { store in
            store.unblocked.contains { entry in entry.count > 0 && entry.queue.map(served) == true }
        }
    }

    /// Ops that never reached a terminal state, oldest first.
    public var pendingOps: [(id: OpID, spec: OpSpec, state: OpState)] {
        store.withLock { store in
            store.pending.keys.sorted().compactMap { id in
                store.pending[id].map { (id, $0.spec, $0.state) }
            }
        }
    }

    /// Appends a trace event; the detail is only rendered when tracing is on.
    private func log(_ store: inout Store, _ kind: TraceEvent.Kind, _ op: OpID, _ spec: OpSpec,
                     by: String = "", detail: @autoclosure () -> String = "") {
        guard tracing else { return }
        store.trace.append(TraceEvent(time: clock.now, kind: kind, op: op, task: spec.taskLabel,
                                      queue: spec.queue.description, by: by, detail: detail()))
    }

    public func created(_ id: OpID, _ spec: OpSpec) {
        store.withLock { store in
            store.counts.created += 1
            if checkingEffects { store.watched.formUnion(spec.dependsOn) }
            store.pending[id] = (spec, .queued)
            store.track(id, spec)
            log(&store, .created, id, spec)
        }
        emit(.created, op: id, spec: spec, node: nil)
    }

    /// The `started executing` point, at pickup (step 1's event): the trace line, with
    /// `wait_seconds` (creation to now, defers included) and `defer_count`.
    func pickedUp(_ op: OpRecord, item: WorkItem, by claimer: String) {
        guard tracing else { return }
        let waited = clock.now - op.createdAt
        store.withLock { store in
            log(&store, .started, op.id, op.spec, by: claimer,
                detail: "wait_seconds=\(waited.seconds.formatted6) defer_count=\(item.deferCount)")
        }
    }

    /// The `executing` write took: the op executes, and its `wait_seconds` (creation to
    /// `pickup`) is recorded. (An op whose write was refused never executed and is not counted.)
    func started(_ op: OpRecord, item: WorkItem, pickup: Duration) {
        let waited = pickup - op.createdAt
        store.withLock { store in
            store.counts.executed += 1
            store.pending[op.id]?.state = .executing
            if op.createdAt >= statisticsFrom {
                store.wait.record(waited, queue: .queue(item.queue), opType: op.spec.type, task: op.spec.taskLabel)
                store.fairness?.record(waited, op.spec)
            }
        }
    }

    /// A task of `op` ran to its end on `node`, having started at `startedAt`. The ledger
    /// keeps the change it made (by its `scope`) when coalescing is checked and the task is
    /// one that can coalesce (`scope` nil: not kept).
    func finishedTask(_ op: OpRecord, task: TaskName, by claimer: String, on node: NodeID,
                      startedAt: Duration, scope: TaskScope?) {
        store.withLock { store in
            if checkingEffects, let scope {
                store.watched.insert(op.id)
                store.effects.produced[Effect.produced(by: op.spec, task: task, on: node, scope: scope), default: []]
                    .append(EffectLedger.Execution(startedAt: startedAt, finishedAt: clock.now, op: op.id))
            }
            log(&store, .finished, op.id, op.spec, by: claimer, detail: task.name)
        }
    }

    /// Step 4b: `victims` were completed by `survivor`'s fold.
    func folded(_ victims: [OpRecord], into survivor: OpRecord, scope: (TaskName) -> TaskScope, by claimer: String) {
        store.withLock { store in
            store.counts.folded += victims.count
            for victim in victims {
                store.effects.foldedInto[victim.id] = survivor.id
                if checkingEffects {
                    let task = victim.spec.tasks[0]
                    store.effects.coalesced.append(CoalescedWork(
                        kind: .folded, victim: victim.id.description,
                        effect: Effect.intended(by: victim.spec, task: task, scope: scope(task)),
                        requestedAt: victim.createdAt, survivor: survivor.id, dependsOn: victim.spec.dependsOn,
                        queue: victim.spec.queue.description, opType: victim.spec.type.rawValue,
                        taskLabel: victim.spec.taskLabel))
                }
                log(&store, .folded, victim.id, victim.spec, by: claimer, detail: "coalesced into sibling op \(survivor.id)")
            }
        }
        emit(.coalesced(siblings: victims.map(\.id)), op: survivor.id, spec: survivor.spec,
             node: EventLogEvent.node(of: claimer))
    }

    func foldRan() {
        store.withLock { $0.counts.foldsRun += 1 }
    }

    func foldSkippedForBatchOfOne() {
        store.withLock { $0.counts.foldsSkipped += 1 }
    }

    func enqueueLookupRan() {
        store.withLock { $0.counts.enqueueLookups += 1 }
    }

    /// Step 4a: `count` repeated tasks were dropped from `op`.
    func droppedTasks(_ count: Int, from op: OpRecord) {
        store.withLock { $0.counts.tasksDropped += count }
    }

    /// Step 5: `caller`'s enqueue of `spec` was answered with the pending `survivor`.
    func deduplicated(_ spec: OpSpec, scope: TaskScope, caller: String, into survivor: OpID) {
        store.withLock { store in
            store.counts.deduplicated += 1
            if checkingEffects {
                store.effects.coalesced.append(CoalescedWork(
                    kind: .deduplicated, victim: caller,
                    effect: Effect.intended(by: spec, task: spec.tasks[0], scope: scope),
                    requestedAt: clock.now, survivor: survivor, dependsOn: spec.dependsOn,
                    queue: spec.queue.description, opType: spec.type.rawValue, taskLabel: spec.taskLabel))
            }
            log(&store, .deduplicated, survivor, spec, detail: "enqueue by \(caller) returned \(survivor)")
        }
        if eventLog != nil { emit(.deduplicated(caller: caller), op: survivor, spec: spec, node: nil) }
    }

    func deferred(_ op: OpRecord, delay: Duration, item: WorkItem, by claimer: String) {
        emit(.deferred(delay: delay, deferCount: item.deferCount + 1), op: op.id, spec: op.spec,
             node: EventLogEvent.node(of: claimer), queue: item.queue.description)
        store.withLock { store in
            store.counts.deferred += 1
            store.pending[op.id]?.state = .queued
            log(&store, .deferred, op.id, op.spec, by: claimer,
                detail: "Execution deferred for \(delay.seconds.formatted6) seconds")
        }
    }

    func skipped(_ op: OpRecord?, opID: OpID, by claimer: String, reason: String) {
        store.withLock { store in
            if let op {
                store.counts.skippedTerminal += 1
                log(&store, .skipped, opID, op.spec, by: claimer, detail: reason)
            } else {
                store.counts.missing += 1
            }
        }
    }

    /// A `depends_on` check ended the op (`reason` as the real audit event words it).
    func dependencyFailed(_ op: OpRecord, reason: String, by claimer: String) {
        store.withLock { log(&$0, .dependencyFailed, op.id, op.spec, by: claimer, detail: reason) }
        emit(.dependencyFailed(reason: reason), op: op.id, spec: op.spec, node: EventLogEvent.node(of: claimer))
    }

    func retried(_ op: OpRecord, by claimer: String) {
        store.withLock { store in
            store.counts.retried += 1
            store.pending[op.id]?.state = .queued
            log(&store, .retried, op.id, op.spec, by: claimer)
        }
    }

    /// `op` reached its terminal state at `time`; `byFold` when a sibling's fold completed it
    /// (its `effect_seconds` then comes from the execution that made its change).
    public func terminal(_ op: OpRecord, at time: Duration, byFold: Bool) {
        store.withLock { store in
            switch op.state {
            case .complete: store.counts.completed += 1
            case .error: store.counts.errored += 1
            case .abort, .deleted: store.counts.aborted += 1
            case .queued, .executing: return
            }
            if let ended = store.pending.removeValue(forKey: op.id) { store.untrack(op.id, ended.spec) }
            if checkingEffects && store.watched.contains(op.id) { store.effects.ended[op.id] = (op.state, time) }
            if op.createdAt >= statisticsFrom {
                let elapsed = time - op.createdAt
                store.completion.record(elapsed, queue: .queue(op.spec.queue), opType: op.spec.type, task: op.spec.taskLabel)
                // Without coalescing every request's effect is its own terminal state, so
                // `effect` is `completion` (see ``effects``) and is not recorded twice.
                if checkingEffects && !byFold {
                    store.effect.record(elapsed, queue: .queue(op.spec.queue), opType: op.spec.type, task: op.spec.taskLabel)
                }
            }
            log(&store, .terminal, op.id, op.spec, detail: op.state.rawValue)
        }
    }

    /// `inline` era: network work began in its caller after waiting `waited` for the lock.
    func inlineStarted(_ spec: OpSpec, waited: Duration) {
        store.withLock { store in
            store.counts.created += 1
            store.counts.executed += 1
            if clock.now - waited >= statisticsFrom {
                store.wait.record(waited, queue: .inline, opType: spec.type, task: spec.taskLabel)
            }
        }
    }

    /// `inline` era: the network work finished `elapsed` after it was asked for.
    func inlineFinished(_ spec: OpSpec, after elapsed: Duration) {
        store.withLock { store in
            store.counts.completed += 1
            if clock.now - elapsed >= statisticsFrom {
                store.completion.record(elapsed, queue: .inline, opType: spec.type, task: spec.taskLabel)
                if checkingEffects {
                    store.effect.record(elapsed, queue: .inline, opType: spec.type, task: spec.taskLabel)
                }
            }
        }
    }

    /// The `by_queue` label of inline network work.
    public static let inlineQueue = "inline-network-lock"

    func reaped(released: Int) {
        store.withLock { $0.counts.reaped += released }
    }

    func releasedAtStartup(_ released: Int) {
        store.withLock { $0.counts.releasedAtStartup += released }
    }

    func maintainRead() {
        store.withLock { $0.counts.maintainReads += 1 }
    }

    func waitEnded(_ op: OpID, timedOut: Bool) {
        store.withLock { store in
            if timedOut { store.counts.waitsTimedOut += 1 } else { store.counts.waitsCompleted += 1 }
        }
    }

    /// An API-style wait gave up at `API_ASYNC_WAIT`: `waiter` names who waited, and
    /// `whereabouts` where the op sat at that moment.
    func waitTimedOut(_ op: OpID, waiter: String, after: Duration, whereabouts: String) {
        store.withLock { store in
            store.counts.waitsTimedOut += 1
            store.timedOutWaits.append(TimedOutWait(at: clock.now, waiter: waiter, op: op, whereabouts: whereabouts,
                                                    after: after))
            if let pending = store.pending[op] {
                log(&store, .waitTimedOut, op, pending.spec, detail: "\(waiter): \(whereabouts)")
            }
        }
    }

    /// A daemon or producer ended with an error other than cancellation.
    public func daemonFailed(_ name: String, _ error: any Error) {
        store.withLock { $0.failures.append("\(name): \(error)") }
    }

    /// A daemon met an unavailable database and carried on (it sleeps, or leaves its item to
    /// the reaper). Never happens in the simulator.
    func databaseUnavailable(_ name: String, _ error: DatabaseError) {
        store.withLock { $0.incidents.append("\(name): \(error); retrying") }
    }

    func itemLeftToReaper(_ name: String, _ item: WorkItem, _ error: DatabaseError) {
        store.withLock { $0.incidents.append("\(name): \(error); \(item.opID) left claimed for the reaper") }
    }

    /// Database failures the daemons met and handled, in order (live mode).
    public var incidents: [String] { store.withLock { $0.incidents } }

    /// A kind of connection of the database load (``DatabaseLoad/kind(of:)``), made on first
    /// use with its counters: counting a statement then adds to them, instead of hashing the
    /// kind's name (a connection looks its kind up once; ops make several statements each).
    public struct LoadKind: Sendable {
        let counters: LoadCounters

        /// `count` round trips of this kind (``RunRecorder/roundTrips(_:by:kind:)`` counts
        /// them so, and traces them by connection while tracing).
        @inline(__always)
        func countRoundTrips(_ count: Int) {
            counters.roundTrips.wrappingAdd(count, ordering: .relaxed)
            counters.counted.store(true, ordering: .relaxed)
        }

        /// `count` claim statements of this kind, `empty` of which found no row.
        @inline(__always)
        func countClaims(_ count: Int, empty: Int) {
            counters.claims.wrappingAdd(count, ordering: .relaxed)
            counters.emptyClaims.wrappingAdd(empty, ordering: .relaxed)
            counters.counted.store(true, ordering: .relaxed)
        }
    }

    /// The load counters of one kind, atomic: a count takes no lock (counting under the
    /// recorder's lock was 2.9 % of the instructions of an hour of `cluster-day`'s
    /// `ideal-plan`, where each woken daemon counts its round trip and its empty claim).
    /// Relaxed: the figures are read once the run is over, or as a snapshot (live mode's
    /// connections count from several threads).
    final class LoadCounters: Sendable {
        let roundTrips = Atomic<Int>(0)
        let claims = Atomic<Int>(0)
        let emptyClaims = Atomic<Int>(0)
        /// Whether anything was counted (even zero), so the kind appears in the load.
        let counted = Atomic<Bool>(false)

        /// The figures, or nil if nothing was counted.
        var counts: DatabaseLoad.Counts? {
            guard counted.load(ordering: .relaxed) else { return nil }
            return DatabaseLoad.Counts(roundTrips: roundTrips.load(ordering: .relaxed),
                                       claims: claims.load(ordering: .relaxed),
                                       emptyClaims: emptyClaims.load(ordering: .relaxed))
        }
    }

    /// The kind of the connection named `connection`.
    public func loadKind(of connection: String) -> LoadKind {
        let name = DatabaseLoad.kind(of: connection)
        return store.withLock { store in
            if let kind = store.loadKinds[name] { return kind }
            let kind = LoadKind(counters: LoadCounters())
            store.loadKinds[name] = kind
            store.loadNames.append(name)
            store.loadCounters.append(kind.counters)
            return kind
        }
    }

    /// One round trip of `connection`, whose kind is `kind`.
    public func roundTrip(by connection: String, kind: LoadKind) {
        roundTrips(1, by: connection, kind: kind)
    }

    /// `count` round trips of `connection` (skipped polls are counted in bulk).
    func roundTrips(_ count: Int, by connection: String, kind: LoadKind) {
        kind.countRoundTrips(count)
        if tracing { roundTripTraced(count, by: connection) }
    }

    /// The by-connection part of ``roundTrips(_:by:kind:)``, while tracing (a connection that
    /// counts into its kind itself calls it then).
    func roundTripTraced(_ count: Int, by connection: String) {
        store.withLock { $0.roundTrips[connection, default: 0] += count }
    }

    /// `count` claim statements of `kind`, `empty` of which found no row.
    func claims(_ count: Int, empty: Int, kind: LoadKind) {
        kind.countClaims(count, empty: empty)
    }

    func busy(_ pool: String, _ busy: Int) {
        store.withLock { $0.peakBusy[pool] = max($0.peakBusy[pool] ?? 0, busy) }
    }
}
