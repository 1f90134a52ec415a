import Sim

/// sf-queues on one node (model file 5): claims cluster operations and runs each claimed item
/// on its own worker thread.
///
/// `max_workers = max(3, cpus / 2)`. Nothing is claimed while busy > max_workers; background
/// lanes are requested only while busy <= max_workers - 2; `*_high_io` background lanes are
/// skipped while the (30 s old) disk metric exceeds 800 ms/s; `limit = max(1, int(max) - busy)`
/// so the pool can reach int(max_workers) + 1. When its pool is full the daemon idles, so it
/// notices a freed slot up to one idle interval late.
actor QueueWorkerPool {
    nonisolated let context: ClusterContext
    /// The run's executor, kept: it is asked on every hop to this actor.
    nonisolated let unownedExecutor: UnownedSerialExecutor
    let node: NodeID
    let claimer: String
    /// The start of each worker's name, `<claimer>/row-` (``start(_:)``).
    private let workerNamePrefix: String
    private let connection: any QueueConnection
    private let memory: DeferMemory
    private let wake: CountedSignal
    private(set) var busy = 0
    /// The largest ``busy`` told to the recorder.
    private var peakReported = 0
    private var diskLoad = 0.0
    private var diskMetric = 0.0
    /// When the disk metric was last refreshed (at most every `disk_metric_refresh`, at a
    /// round's start): the same rule whether the round runs or is skipped (``IdleClaims``).
    private var diskRefresh: PeriodicStarts
    private var workers: [RowID: SimTask] = [:]
    /// The last skipped stretch's walk storage, for the next (taken while a stretch runs).
    private var idleStorage: IdleGrid.Storage?
    /// The database-load kind of every item worker's connection (`sf-queues worker`), looked
    /// up once: a worker's connection is made per item, and finding its kind from its name
    /// was 3 % of `ten-million-ops.yaml`.
    private let workerKind: RunRecorder.LoadKind
    /// Whether the idle claims are skipped (``IdleClaims``).
    private var skipsIdleClaims = false
    /// Ideal mode's batched claims on the simulated database, which ``answerWakeUp(_:)``
    /// makes for a woken daemon (set when the daemon starts).
    /// Unretained: the pool's own `connection` holds it for the pool's life (bound to a
    /// constant, a strong reference was a retain and a release on every answer).
    private var answeringClaims: Unmanaged<SimConnection>?
    /// A round that a wake-up check began (its disk-metric refresh and its round trip are
    /// done) and whose claim is still to be made, with its request and limit: by the next
    /// check, or by the task (``round(ideal:skipping:idealClaims:idleRounds:)``) if it runs
    /// first.
    /// The request is kept as its shape (``requestShape()``), not its list: the list, kept,
    /// was a retain and a release more on every answered round.
    private var pendingClaim: (shape: Int, limit: Int)?

    init(context: ClusterContext, node: NodeID) {
        unownedExecutor = context.runtime.actorExecutor
        self.context = context
        self.node = node
        claimer = "\(node)/sf-queues"
        connection = context.connect(claimer)
        workerKind = context.recorder.loadKind(of: "\(claimer)/worker")
        workerNamePrefix = "\(claimer)/" + RowID.prefix
        memory = DeferMemory(policy: context.config.queuesDefer, source: .persisted)
        wake = CountedSignal(context.runtime.makeSignal())
        diskRefresh = PeriodicStarts(every: context.config.diskMetricRefresh, last: nil)
        maxWorkers = context.config.maxWorkers(cpus: context.topology.cpus(of: node))
        reservedUserSlots = context.config.reservedUserSlots
        diskBusyThreshold = context.config.diskBusyThresholdMillisecondsPerSecond
    }

    /// `max_workers` of this node's pool, and what its request list reads of the config:
    /// read once (the config is a large value, copied with its references retained when read
    /// through the context, on every round).
    private let maxWorkers: Double
    private let reservedUserSlots: Int
    private let diskBusyThreshold: Double

    private static let userLanes = Priority.allCases.filter(\.isUserLane)
    private static let backgroundLanes = Priority.allCases.filter { !$0.isUserLane }

    /// Every queue this pool may ever claim from.
    var allQueues: [QueueName] {
        [QueueTarget.node(node), .any].flatMap { QueueName.lanes($0, .clusterOperation) }
    }

    /// The request list for the current pool state, in priority order.
    func requestedQueues() -> [QueueName] {
        requestList(requestShape())
    }

    /// Which of the three request lists the current pool state asks for (see ``requestLists``).
    func requestShape() -> Int {
        requestShape(busy: busy)
    }

    /// ``requestShape()`` with `busy` workers and the disk metric `diskMetric` (by default,
    /// as it is).
    private func requestShape(busy: Int, diskMetric: Double? = nil) -> Int {
        let background = Double(busy) <= maxWorkers - Double(reservedUserSlots)
        let diskBusy = background && (diskMetric ?? self.diskMetric) > diskBusyThreshold
        return background ? (diskBusy ? 2 : 1) : 0
    }

    /// The request list of `shape` (``requestShape()``).
    func requestList(_ shape: Int) -> [QueueName] {
        // One of three lists; built once each (a queue name renders its string when made).
        let background = shape > 0, diskBusy = shape == 2
        if let cached = requestLists[shape] { return cached }
        var queues = [QueueTarget.node(node), .any].flatMap { target in
            Self.userLanes.map { QueueName(target, .clusterOperation, $0) }
        }
        if background {
            for target in [QueueTarget.node(node), .any] {
                for lane in Self.backgroundLanes where !(lane.isHighIO && diskBusy) {
                    queues.append(QueueName(target, .clusterOperation, lane))
                }
            }
        }
        requestLists[shape] = queues
        return queues
    }

    /// The request lists already built: user lanes only; with the background lanes; with
    /// them but not the high-I/O ones (disk busy).
    /// Unchecked for exclusivity, as the actor's other per-round state: a checked access is
    /// a call into the runtime on every round.
    @exclusivity(unchecked) private var requestLists: [[QueueName]?] = [nil, nil, nil]

    /// The daemon loop; returns when the task is cancelled.
    func run() async {
        let config = context.config
        let ideal = config.idle == .wakeOnEnqueue
        let skipping = IdleClaims.skipsIdleClaims(context, on: connection)
        skipsIdleClaims = skipping != nil
        if ideal || skipping != nil { await context.store.subscribe(wake, to: allQueues) }
        // Ideal mode's batched claims on the simulated database claim and wait in one hop.
        let idealClaims = ideal && context.steps.queuesDequeue == .batched ? connection as? SimConnection : nil
        // A wake-up whose round would claim nothing is answered where it stands in the
        // executor's queue, without running this task (``answerWakeUp(_:)``).
        let checked = idealClaims == nil || context.runsEveryWakeUp ? nil : wake.kernelSignal
        if let checked {
            answeringClaims = idealClaims.map { Unmanaged.passUnretained($0) }
            // The pool unretained (this task holds it while the check is set), and entered
            // without a retain: an unowned reference is retained for the call.
            let pool = Unmanaged.passUnretained(self)
            checked.wakeCheck = { isolation in
                pool._withUnsafeGuaranteedRef { pool in
                    isolation.enter(pool, with: isolation) { pool, isolation in pool.answerWakeUp(isolation) }
                }
            }
        }
        defer { checked?.wakeCheck = nil }
        var idleRounds = 0
        do {
            if config.startupReleasesClaims {
                let released = try await connection.releaseClaims(on: allQueues, claimedByPrefix: "\(node)/")
                context.recorder.releasedAtStartup(released)
            }
            while true {
                do {
                    try await round(ideal: ideal, skipping: skipping, idealClaims: idealClaims, idleRounds: &idleRounds)
                } catch let error as DatabaseError where error.isUnavailable {
                    // DatabaseUnavailable: sleep and go round again (the claimed items run on).
                    context.recorder.databaseUnavailable(claimer, error)
                    try await context.runtime.sleep(for: DatabaseFailurePolicy.shakenFist.unavailableBackoff)
                }
            }
        } catch is CancellationError {
            // The node stopped or the run ended.
        } catch {
            context.recorder.daemonFailed(claimer, error)
        }
    }

    /// One round of the loop: claim what the pool has room for and start it, or idle. Inlined
    /// into the loop, as is the skip below (one async frame less each: see ``SimConnection``).
    @inline(__always)
    private func round(ideal: Bool, skipping: SimConnection?, idealClaims: SimConnection?,
                       idleRounds: inout Int) async throws {
        let config = context.config
        if let pending = pendingClaim, let idealClaims {
            // A wake-up check began this round (``answerWakeUp(_:)``): the task takes it up at
            // its claim, as the round below goes on after its round trip.
            pendingClaim = nil
            let items = try await idealClaims.claimOrWaitForWork(paid: requestList(pending.shape), limit: pending.limit,
                                                                 signal: wake)
            if items.isEmpty { return }
            idleRounds = 0
            for item in items { start(item) }
            return
        }
        refreshDiskMetric()
        let limit: Int
        switch roundStart {
        case .waitForWorker:
            try await wake.wait()
            return
        case .idle:
            try await idle(rounds: idleRounds)
            idleRounds += 1
            return
        case .claim(let room):
            limit = room
        }
        let queues = requestedQueues()
        let stateAtStart = (busy: busy, diskLoad: diskLoad)
        var items: [WorkItem]
        if let idealClaims {
            // Ideal mode: an empty claim has waited for work; the next round claims again.
            items = try await idealClaims.claimOrWaitForWork(queues, limit: limit, signal: wake)
            if items.isEmpty { return }
        } else {
            items = try await connection.claim(queues, limit: limit, mode: context.steps.queuesDequeue,
                                               shape: config.queuesSingularDequeue)
        }
        if items.isEmpty {
            if ideal {
                try await context.store.waitForWork(queues, signal: wake)
                return
            }
            guard let skipping else {
                try await idle(rounds: idleRounds)
                idleRounds += 1
                return
            }
            idleRounds += 1
            guard let found = try await skipIdleClaims(queues, limit: limit, requestedWith: stateAtStart, on: skipping,
                                                       idleRounds: &idleRounds) else {
                return
            }
            items = found
        }
        idleRounds = 0
        for item in items { start(item) }
    }

    /// What a round does after its disk-metric refresh, by the pool's state: wait for a worker
    /// to end (ideal mode's exact pool, full: never more than `int(max_workers)` at once),
    /// sleep its idle interval (a pool over `max_workers`), or claim up to `limit` rows. Read
    /// by the round and by the check that answers a woken round (``answerWakeUp(_:)``).
    private enum RoundStart: Equatable {
        case waitForWorker
        case idle
        case claim(limit: Int)
    }

    private var roundStart: RoundStart {
        if context.config.ideal {
            let limit = Int(maxWorkers) - busy
            return limit <= 0 ? .waitForWorker : .claim(limit: limit)
        }
        return Double(busy) > maxWorkers ? .idle : .claim(limit: max(1, Int(maxWorkers) - busy))
    }

    /// Ideal mode: what this daemon, woken on `wake` (an insert into one of its queues, a
    /// worker ending), would do up to its next wait, answered without running it when that
    /// is an empty claim (the ``WakeCheck`` set in ``run()``, with ``answeringClaims``; on
    /// `cluster-day.yaml`'s `ideal-plan` an insert into an `any` queue wakes some 50
    /// daemons, and all but the first find the row taken). The woken task would return from
    /// its wait (in ``SimDatabase/claimOrWaitForWork(_:limit:by:kind:signal:)`` or in the
    /// round, whose next steps are the same: the loop's next round) and run the round
    /// (``round(ideal:skipping:idealClaims:idleRounds:)``): this is the round's ideal-mode
    /// path, statement for statement. The disk metric's refresh comes first, as the round's;
    /// it is idempotent at one instant, so a round the task then runs itself
    /// (``WakeVerdict/resume``) refreshes to the same.
    private func answerWakeUp(_ isolation: WakeCheckIsolation) -> WakeVerdict {
        guard let claims = answeringClaims else { return .resume }
        // The round trip of a round the check began ended: its claim.
        if pendingClaim != nil { return answerPendingClaim(on: claims, isolation) }
        let now = isolation.now
        refreshDiskMetric(at: now)
        let limit: Int
        switch roundStart {
        case .waitForWorker:
            // The round waits for a worker to end, claiming nothing.
            return .waitAgain(until: nil)
        case .idle:
            return .resume
        case .claim(let room):
            limit = room
        }
        // The claim's round trip, as `claimOrWaitForWork` pays it: counted and drawn, then
        // slept if longer than zero.
        let roundTrip = claims.countAndDrawRoundTrip()
        pendingClaim = (requestShape(), limit)
        if roundTrip.attoseconds > 0 { return .sleep(until: now.adding(roundTrip)) }
        return answerPendingClaim(on: claims, isolation)
    }

    /// The claim of a round a wake-up check began (``pendingClaim``): answered if it takes
    /// nothing; otherwise the task runs and makes it (``round(ideal:skipping:idealClaims:idleRounds:)``).
    private func answerPendingClaim(on claims: Unmanaged<SimConnection>, _ isolation: WakeCheckIsolation) -> WakeVerdict {
        guard let pending = pendingClaim else { return .resume }
        let verdict = claims.answerClaim(requestList(pending.shape), limit: pending.limit, isolation)
        if verdict != .resume { pendingClaim = nil }
        return verdict
    }

    /// The idle claims after an empty one, skipped up to the one that can see a row
    /// (``IdleClaims``): the items it found, or nil when a round must run whole now (a worker
    /// ended or started, or the disk metric's refresh, changes the lanes it reads or whether
    /// it claims).
    ///
    /// `busy` and the disk load change only when a worker ends or reports load, which
    /// notifies `wake`; the skip then asks what the change does to the rounds from that
    /// instant on. A round reads its request list (``requestShape()``: the background lanes
    /// while the pool has room beyond the reserved user slots, the high-I/O ones while the
    /// disk metric is under its threshold) with a limit of the pool's room; when the list
    /// and the claiming stay the same, only the limit changes, and the stretch goes on with
    /// it (each round's claim made with the limit of the instant it starts, as a round run
    /// whole reads the pool at its start). Each skipped round's start refreshes the disk
    /// metric as the round would have (``PeriodicStarts``, one refresh per
    /// `disk_metric_refresh`), to the load of that instant (kept through the stretch for
    /// the last refresh's metric). A load that would change the list at a refresh to come
    /// ends the stretch (at that refresh, `stopAt`, when the stretch begins with it; at the
    /// next round's start when it comes later), as does a change of `busy` that changes the
    /// list or stops the claiming (a pool over `max_workers`): that round runs whole. Before
    /// session 42 any change ended the stretch (and woke the daemon), and so did any refresh
    /// to another value: the same results, with 677,000 stretches of a `cluster-day` day
    /// ended for a round run whole instead of 12,500 (docs/performance.md, "Session 42").
    @inline(__always)
    private func skipIdleClaims(_ queues: [QueueName], limit: Int, requestedWith state: (busy: Int, diskLoad: Double),
                                on connection: SimConnection, idleRounds: inout Int) async throws -> [WorkItem]? {
        let config = context.config
        let request = IdleClaims.Request(queues: queues, limit: limit, mode: context.steps.queuesDequeue,
                                         shape: config.queuesSingularDequeue)
        var idle = IdleClaims(connection: connection, request: request, idle: config.idle, signal: wake,
                              idleRounds: idleRounds, now: context.runtime.now,
                              publishesPlan: !context.wakesEveryPoller,
                              starts: diskRefresh, storage: idleStorage.take(),
                              approximate: config.leapsIdleRounds)
        defer { idleStorage = idle.handOverStorage() }
        // The request was made at the round's start, with `state`: the stretch goes on
        // through the changes that leave its rounds' request list alone (``Stretch``).
        let shape = requestShape(busy: state.busy)
        // A refresh to come that would change the request: a round run whole there.
        let stopAt = requestShape(busy: state.busy, diskMetric: state.diskLoad) != shape
            ? diskRefresh.last.map { $0 + diskRefresh.every } : nil
        stretch = Stretch(shape: shape, busy: state.busy, diskLoad: state.diskLoad)
        // The skipped rounds' refreshes, however the skip ends: the metric is the load at the
        // last one.
        defer {
            if let refreshed = idle.starts, refreshed != diskRefresh {
                diskMetric = stretch?.load(at: refreshed.last) ?? state.diskLoad
                diskRefresh = refreshed
            }
            stretch = nil
        }
        let outcome = try await idle.skip(idleRounds: &idleRounds, stopAt: stopAt,
                                          stateChanged: { !goesOnThroughChange() },
                                          roundLimit: { start in stretch?.limit(at: start) })
        switch outcome {
        case .claimed(let items): return items
        case .roundStartsNow: return nil
        }
    }

    /// A stretch of skipped idle claims (``skipIdleClaims(_:limit:requestedWith:on:idleRounds:)``)
    /// and the changes of the pool it went on through. A round reads its request list
    /// (``requestShape()``) with a limit of the pool's room, both as its start finds the
    /// pool; a change that leaves the list alone, now and at the refreshes to come, and the
    /// pool claiming, changes only the limit of the rounds from then on, and the refreshes'
    /// metric: the stretch goes on, and the daemon is not even woken (``goesOnThroughChange()``).
    private struct Stretch {
        /// The request list of its rounds.
        let shape: Int
        /// The pool as its rounds know it.
        var busy: Int
        var diskLoad: Double
        /// The disk load from each change on, and the round limit from each change of room
        /// on, in order.
        var loads: [(from: Duration, load: Double)] = []
        var limits: [(from: Duration, limit: Int)] = []
        /// A change it cannot go on through came: the next round runs whole.
        var ended = false

        init(shape: Int, busy: Int, diskLoad: Double) {
            self.shape = shape
            self.busy = busy
            self.diskLoad = diskLoad
        }

        /// The limit of a round starting at `start` (nil: the stretch's first).
        func limit(at start: Duration) -> Int? { limits.last { $0.from <= start }?.limit }

        /// The disk load at `instant` (nil: the stretch's first).
        func load(at instant: Duration?) -> Double? {
            guard let instant else { return nil }
            return loads.last { $0.from <= instant }?.load
        }
    }

    /// The stretch in progress, if the daemon sleeps through its idle claims.
    private var stretch: Stretch?

    /// Whether the stretch in progress goes on through the pool's changes since its rounds
    /// last saw it (recorded for its rounds if so); false with no stretch, or once one
    /// ended it. Asked where the pool changes (a worker ending, disk load reported), which
    /// then wakes the daemon only if it is false, and by the daemon at each wake-up of the
    /// stretch (a change made before the stretch began).
    private func goesOnThroughChange() -> Bool {
        guard var current = stretch, !current.ended else { return false }
        guard busy != current.busy || diskLoad != current.diskLoad else { return true }
        defer { stretch = current }
        guard requestShape(busy: busy) == current.shape, requestShape(busy: busy, diskMetric: diskLoad) == current.shape,
              case .claim(let limit) = roundStart else {
            current.ended = true
            return false
        }
        let now = context.runtime.now
        if diskLoad != current.diskLoad { current.loads.append((now, diskLoad)) }
        if busy != current.busy { current.limits.append((now, limit)) }
        current.busy = busy
        current.diskLoad = diskLoad
        return true
    }

    private func idle(rounds: Int) async throws {
        try await context.runtime.sleep(for: context.config.idle.sleep(afterIdleRounds: rounds))
    }

    private func refreshDiskMetric() {
        refreshDiskMetric(at: context.runtime.now)
    }

    private func refreshDiskMetric(at now: Duration) {
        if diskRefresh.see(now) { diskMetric = diskLoad }
    }

    private func start(_ item: WorkItem) {
        busy += 1
        // The recorder keeps each pool's peak: told only of a new one, not on every item's
        // start (a lock and two lookups by the pool's name, hashed as a string).
        if busy > peakReported {
            peakReported = busy
            context.recorder.busy(claimer, busy)
        }
        // `<claimer>/<row id>`: the prefix made once with ``RowID/prefix``, the row's number
        // appended as its description does (an interpolation of the whole was three appends
        // and a growth of the string, about 1,400 instructions a worker).
        let name = workerNamePrefix + String(item.rowID.value)
        workers[item.rowID] = context.runtime.spawn(name, role: .daemon) { [self] in
            await work(item, name: name)
        }
    }

    private func work(_ item: WorkItem, name: String) async {
        let connection = context.connect(name, kind: workerKind)
        var processor = ItemProcessor(context: context, node: node, claimer: claimer, requireQueuedAfterDependencies: true,
                                      memory: memory)
        processor.diskLoad = { [self] load in self.addDiskLoad(load) }
        do {
            _ = try await processor.process(item, on: connection)
        } catch is CancellationError {
            // The node stopped (its claim stays, as a crash leaves it) or the run ended.
        } catch let error as DatabaseError where error.isUnavailable {
            // The worker gives the item up: its row stays claimed until the reaper frees it.
            context.recorder.itemLeftToReaper(name, item, error)
        } catch {
            context.recorder.daemonFailed(name, error)
        }
        busy -= 1
        workers[item.rowID] = nil
        if !goesOnThroughChange() { wake.notifyAll() }
    }

    private func addDiskLoad(_ load: Double) {
        diskLoad += load
        // A pool skipping its idle claims is woken when the load ends its stretch (or comes
        // outside one): its next round may read other lanes (``goesOnThroughChange()``).
        if load != 0 && skipsIdleClaims && !goesOnThroughChange() { wake.notifyAll() }
    }

    /// Cancels every running worker (the node stops).
    func stopWorkers() {
        for key in workers.keys.sorted() { workers[key]?.cancel() }
    }
}
