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
    /// Items dropped at dispatch because their op was already terminal.
    public var skippedTerminal = 0
    /// Items whose op no longer existed at dispatch.
    public var missing = 0
    /// Transient-failure retries.
    public var retried = 0
    /// Claims released by the reaper.
    public var reaped = 0
    /// Ops completed by another op's fold (step 4b).
    public var folded = 0
    /// Enqueues answered with an existing pending op (step 5).
    public var deduplicated = 0
    /// Repeated tasks dropped inside one op (step 4a).
    public var tasksDropped = 0
    public var waitsCompleted = 0
    public var waitsTimedOut = 0

    public init() {}
}

/// One line of the optional trace: what happened to which op, when, where.
public struct TraceEvent: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case created, started, finished, deferred, skipped, retried, terminal, folded, deduplicated
        case dependencyFailed = "dependency_failed"
        case waitTimedOut = "wait_timed_out"
    }
    public var time: SimClock.Instant
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
        var wait = Breakdown()
        var completion = Breakdown()
        var trace: [TraceEvent] = []
        /// Ops not yet terminal, with what they were last seen doing.
        var pending: [OpID: (spec: OpSpec, state: OpState)] = [:]
        var peakBusy: [String: Int] = [:]
        var effects = EffectLedger()
        var roundTrips: [String: Int] = [:]
    }

    let clock: SimClock
    let tracing: Bool
    /// Whether to keep the effect ledger (only coalescing can lose work).
    let checkingEffects: Bool
    private let store = Mutex(Store())

    /// Ops created before this instant are left out of the wait and completion histograms
    /// (the warm-up of a run).
    let statisticsFrom: SimClock.Instant

    init(clock: SimClock, tracing: Bool, checkingEffects: Bool, warmup: Duration = .zero) {
        self.clock = clock
        self.tracing = tracing
        self.checkingEffects = checkingEffects
        statisticsFrom = SimClock.Instant(offset: warmup)
    }

    /// Work lost by coalescing (empty unless steps 4 or 5 ran).
    public var effectViolations: [EffectViolation] { store.withLock { $0.effects.violations() } }

    public var counts: OpCounts { store.withLock { $0.counts } }
    public var wait: Breakdown { store.withLock { $0.wait } }
    public var completion: Breakdown { store.withLock { $0.completion } }
    public var trace: [TraceEvent] { store.withLock { $0.trace } }
    /// Highest number of concurrently busy workers seen, per pool.
    public var peakBusy: [String: Int] { store.withLock { $0.peakBusy } }
    /// Database round trips paid per connection name (e.g. `node-1/sf-net`). Counted only
    /// while tracing, like the trace: sf-queues names one connection per item, so the table
    /// grows with the run.
    public var roundTrips: [String: Int] { store.withLock { $0.roundTrips } }

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

    func created(_ id: OpID, _ spec: OpSpec) {
        store.withLock { store in
            store.counts.created += 1
            store.pending[id] = (spec, .queued)
            log(&store, .created, id, spec)
        }
    }

    /// The `started executing` point: records `wait_seconds` (creation to now, defers included).
    func started(_ op: OpRecord, item: WorkItem, by claimer: String) {
        let waited = op.createdAt.duration(to: clock.now)
        store.withLock { store in
            store.counts.executed += 1
            store.pending[op.id]?.state = .executing
            if op.createdAt >= statisticsFrom {
                store.wait.record(waited, queue: item.queue.description, opType: op.spec.type.rawValue,
                                  task: op.spec.taskLabel)
            }
            log(&store, .started, op.id, op.spec, by: claimer,
                detail: "wait_seconds=\(waited.seconds.formatted6) defer_count=\(item.deferCount)")
        }
    }

    /// A task of `op` ran to its end on `node`, having started at `startedAt`. Only a task
    /// that can coalesce can make a change on behalf of another op, so only those are kept.
    func finishedTask(_ op: OpRecord, task: TaskName, by claimer: String, on node: NodeID,
                      startedAt: SimClock.Instant, coalescible: Bool) {
        store.withLock { store in
            if checkingEffects && coalescible {
                store.effects.produced[op.id, default: []].append(
                    (Effect.produced(by: op.spec, task: task, on: node), startedAt))
            }
            log(&store, .finished, op.id, op.spec, by: claimer, detail: task.name)
        }
    }

    /// Step 4b: `victims` were completed by `survivor`'s fold.
    func folded(_ victims: [OpRecord], into survivor: OpRecord, by claimer: String) {
        store.withLock { store in
            store.counts.folded += victims.count
            for victim in victims {
                store.effects.foldedInto[victim.id] = survivor.id
                if checkingEffects {
                    store.effects.coalesced.append(CoalescedWork(
                        kind: .folded, victim: victim.id.description,
                        effect: Effect.intended(by: victim.spec, task: victim.spec.tasks[0]),
                        requestedAt: victim.createdAt, survivor: survivor.id))
                }
                log(&store, .folded, victim.id, victim.spec, by: claimer, detail: "coalesced into sibling op \(survivor.id)")
            }
        }
    }

    /// Step 4a: `count` repeated tasks were dropped from `op`.
    func droppedTasks(_ count: Int, from op: OpRecord) {
        store.withLock { $0.counts.tasksDropped += count }
    }

    /// Step 5: `caller`'s enqueue of `spec` was answered with the pending `survivor`.
    func deduplicated(_ spec: OpSpec, caller: String, into survivor: OpID) {
        store.withLock { store in
            store.counts.deduplicated += 1
            if checkingEffects {
                store.effects.coalesced.append(CoalescedWork(
                    kind: .deduplicated, victim: caller, effect: Effect.intended(by: spec, task: spec.tasks[0]),
                    requestedAt: clock.now, survivor: survivor))
            }
            log(&store, .deduplicated, survivor, spec, detail: "enqueue by \(caller) returned \(survivor)")
        }
    }

    func deferred(_ op: OpRecord, delay: Duration, by claimer: String) {
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
    }

    func retried(_ op: OpRecord, by claimer: String) {
        store.withLock { store in
            store.counts.retried += 1
            store.pending[op.id]?.state = .queued
            log(&store, .retried, op.id, op.spec, by: claimer)
        }
    }

    func terminal(_ op: OpRecord, at time: SimClock.Instant) {
        store.withLock { store in
            switch op.state {
            case .complete: store.counts.completed += 1
            case .error: store.counts.errored += 1
            case .abort, .deleted: store.counts.aborted += 1
            case .queued, .executing: return
            }
            store.pending[op.id] = nil
            if op.createdAt >= statisticsFrom {
                store.completion.record(op.createdAt.duration(to: time), queue: op.spec.queue.description,
                                        opType: op.spec.type.rawValue, task: op.spec.taskLabel)
            }
            log(&store, .terminal, op.id, op.spec, detail: op.state.rawValue)
        }
    }

    /// `inline` era: network work began in its caller after waiting `waited` for the lock.
    func inlineStarted(_ spec: OpSpec, waited: Duration) {
        store.withLock { store in
            store.counts.created += 1
            store.counts.executed += 1
            if clock.now.advanced(by: .zero - waited) >= statisticsFrom {
                store.wait.record(waited, queue: Self.inlineQueue, opType: spec.type.rawValue, task: spec.taskLabel)
            }
        }
    }

    /// `inline` era: the network work finished `elapsed` after it was asked for.
    func inlineFinished(_ spec: OpSpec, after elapsed: Duration) {
        store.withLock { store in
            store.counts.completed += 1
            if clock.now.advanced(by: .zero - elapsed) >= statisticsFrom {
                store.completion.record(elapsed, queue: Self.inlineQueue, opType: spec.type.rawValue, task: spec.taskLabel)
            }
        }
    }

    /// The `by_queue` label of inline network work.
    public static let inlineQueue = "inline-network-lock"

    func reaped(released: Int) {
        store.withLock { $0.counts.reaped += released }
    }

    func waitEnded(_ op: OpID, timedOut: Bool) {
        store.withLock { store in
            if timedOut {
                store.counts.waitsTimedOut += 1
                if let pending = store.pending[op] { log(&store, .waitTimedOut, op, pending.spec) }
            } else {
                store.counts.waitsCompleted += 1
            }
        }
    }

    func roundTrip(by connection: String) {
        guard tracing else { return }
        store.withLock { $0.roundTrips[connection, default: 0] += 1 }
    }

    func busy(_ pool: String, _ busy: Int) {
        store.withLock { $0.peakBusy[pool] = max($0.peakBusy[pool] ?? 0, busy) }
    }
}
