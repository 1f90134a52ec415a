import Sim

/// One caller's connection to the simulated database. Every method is one round trip: the
/// caller sleeps for a round-trip time drawn from this connection's own random stream, then
/// the statement takes effect atomically (as the reply would arrive).
///
/// A connection belongs to one actor or task at a time; its methods run in the caller's
/// isolation, so a round trip costs one kernel job.
///
/// The statements of an item's path are `@inline(__always)`, as is ``pay()``: the compiler
/// does not inline an async function on its own, and every async call it leaves allocates the
/// callee's frame from the task's allocator and frees it again (about 140 instructions, a
/// quarter of them thread-local lookups). Inlined, a statement of ideal mode, whose round
/// trip is zero, makes no async call but the hop to the database actor.
public final class SimConnection: QueueConnection {
    let database: SimDatabase
    let clock: SimClock
    let roundTrip: Distribution
    /// The round trip when it is a constant (ideal mode's zero): sampling a constant draws
    /// nothing from the stream, so a statement takes it without the call into `sample`.
    private let fixedRoundTrip: Duration?
    /// The `claimed_by` value and the name of this connection's random stream.
    public let name: String
    /// Who this connection is for the database-load figures (``DatabaseLoad/kind(of:)``).
    let kind: RunRecorder.LoadKind
    /// Unchecked for exclusivity: a connection belongs to one actor or task at a time, and
    /// every access is a draw in one of its own methods, on the simulation's one thread (a
    /// class's `var` is otherwise checked at run time on every round trip).
    @exclusivity(unchecked) private var random: RandomStream
    /// Whether the recorder counts round trips by connection (``RunRecorder/roundTrips``, while
    /// tracing), known once: a round trip counts into ``kind`` and looks at the recorder only
    /// then (reaching it for the count was a retain and a release on every round trip).
    private let tracesRoundTrips: Bool

    init(database: SimDatabase, clock: SimClock, roundTrip: Distribution, name: String, kind: RunRecorder.LoadKind,
         random: RandomStream) {
        tracesRoundTrips = database.recorder.tracing
        self.database = database
        self.clock = clock
        self.roundTrip = roundTrip
        fixedRoundTrip = if case .constant(let value) = roundTrip { value } else { nil }
        self.name = name
        self.kind = kind
        self.random = random
    }

    /// Pays one round trip (nothing in ideal mode, where round trips are zero).
    @inline(__always)
    nonisolated(nonsending) private func pay() async throws {
        try await pay(countAndDrawRoundTrip())
    }

    /// `count` round trips of this connection, counted as ``RunRecorder/roundTrips(_:by:kind:)``
    /// counts them, into ``kind`` (and into the recorder only while it traces them).
    @inline(__always)
    private func countRoundTrips(_ count: Int) {
        kind.countRoundTrips(count)
        if tracesRoundTrips { database.recorder.roundTripTraced(count, by: name) }
    }

    /// A round trip counted and drawn: what ``pay()`` does before it sleeps for it (and what
    /// a ``WakeCheck`` does for a woken daemon's claim, which then sleeps for it if it is
    /// longer than zero, as the statement would).
    @inline(__always)
    func countAndDrawRoundTrip() -> Duration {
        countRoundTrips(1)
        return fixedRoundTrip ?? roundTrip.sample(&random)
    }

    @inline(__always)
    nonisolated(nonsending) private func pay(_ delay: Duration) async throws {
        // The attoseconds compared (inlined), not `Duration`'s `>` (a call on every statement).
        if delay.attoseconds > 0 { try await clock.sleep(for: delay) }
    }

    /// Step 5's lookup of a pending sibling (its own round trip, before any insert).
    nonisolated(nonsending) public func findPending(type: OperationType, task: TaskName, key: CoalescingKey, columns: [TargetColumn],
                            atLeastAsUrgentAs priority: Priority?) async throws -> OpID? {
        try await pay()
        return await database.findPending(type: type, task: task, key: key, columns: columns,
                                          atLeastAsUrgentAs: priority)
    }

    /// Writes one eventlog event of `kind` on this caller's path (model file 4). Its cost is
    /// drawn from `random`, a stream of the op the event is about, so variants that write
    /// the same events see the same costs (common random numbers). A database write counts as
    /// a round trip of this connection.
    @inline(__always)
    nonisolated(nonsending) public func writeEvent(_ kind: EventKind, costs: EventCosts, random: inout RandomStream) async throws {
        guard !costs.isFree(kind) else { return }
        if costs.isRoundTrip(kind) { countRoundTrips(1) }
        try await pay(costs.sample(kind, roundTrip: roundTrip, &random))
    }

    /// Step 4's fold transaction, which takes `cost` (measured separately from a plain round
    /// trip; counted as one round trip).
    nonisolated(nonsending) public func fold(into survivor: OpID, type: OperationType, tasks: [TaskName], key: CoalescingKey,
                     columns: [TargetColumn], cost: Duration) async throws -> [OpRecord] {
        countRoundTrips(1)
        try await pay(cost)
        return await database.fold(into: survivor, type: type, tasks: tasks, key: key, columns: columns)
    }

    @inline(__always)
    nonisolated(nonsending) public func createOp(_ spec: OpSpec) async throws -> OpID {
        try await pay()
        return await database.createOp(spec)
    }

    @inline(__always)
    nonisolated(nonsending) public func loadOp(_ id: OpID) async throws -> OpRecord? {
        try await pay()
        return await database.loadOp(id)
    }

    // MARK: Polls

    /// A poll's read of an op: the round trip is an observer sleep (ordering contract, rule
    /// 3), so the read sees every ordinary event of its instant whenever it was scheduled.
    nonisolated(nonsending) func pollOp(_ id: OpID) async throws -> OpRecord? {
        countRoundTrips(1)
        let delay = roundTrip.sample(&random)
        if delay > .zero { try await clock.sleep(until: clock.now.advanced(by: delay), observing: true) }
        return await database.loadOp(id)
    }

    /// A poll that is not simulated: its round trip is drawn, exactly as
    /// ``pollOp(_:)`` would, and returned so the caller can place the read. The
    /// caller counts it with ``countSkippedPolls(_:)`` (once for a stretch of polls: a lock
    /// per poll was 5 % of a long backlog's run).
    func drawSkippedPoll() -> Duration {
        roundTrip.sample(&random)
    }

    /// The polls of a skipped wait walked in whole nanoseconds: from `start` (when the next
    /// poll's round trip begins), `poll` after each read, each read a round trip after its
    /// begin, until the first read at or after `endedAt` (`ended` true) or, failing that, at
    /// or after `deadline`; with how many polls that took. The same draws, on this
    /// connection's stream, and the same instants and checks as drawing the polls one by one
    /// with ``drawSkippedPoll()`` in `Duration` arithmetic (whose additions and comparisons
    /// are calls into the standard library: about a tenth of a 10,000-start backlog's run).
    /// Nil, having drawn nothing, unless every instant is a whole number of nanoseconds
    /// within the range of `Int64` and each round trip is (``Distribution/samplesWholeNanoseconds``).
    func walkSkippedPolls(from start: SimClock.Instant, every poll: Duration, endedAt: SimClock.Instant?,
                          deadline: SimClock.Instant?) -> (read: SimClock.Instant, polls: Int, ended: Bool)? {
        guard endedAt != nil || deadline != nil, roundTrip.samplesWholeNanoseconds,
              var next = start.offset.exactNanoseconds, let every = poll.exactNanoseconds else { return nil }
        var endNs = Int64.max, deadlineNs = Int64.max
        if let endedAt {
            guard let exact = endedAt.offset.exactNanoseconds else { return nil }
            endNs = exact
        }
        if let deadline {
            guard let exact = deadline.offset.exactNanoseconds else { return nil }
            deadlineNs = exact
        }
        var stream = random
        var polls = 0
        while true {
            let (read, late) = next.addingReportingOverflow(roundTrip.sampleNanoseconds(&stream))
            if late { return nil }
            polls += 1
            if endedAt != nil && read >= endNs {
                random = stream
                return (SimClock.Instant(offset: .nanoseconds(read)), polls, true)
            }
            if deadline != nil && read >= deadlineNs {
                random = stream
                return (SimClock.Instant(offset: .nanoseconds(read)), polls, false)
            }
            let (after, beyond) = read.addingReportingOverflow(every)
            if beyond { return nil }
            next = after
        }
    }

    /// Counts the round trips of `count` polls drawn with ``drawSkippedPoll()``.
    func countSkippedPolls(_ count: Int) {
        guard count > 0 else { return }
        countRoundTrips(count)
    }

    /// A copy of this connection's stream and its distribution, to preview draws.
    var roundTripPreview: (stream: RandomStream, distribution: Distribution) { (random, roundTrip) }

    // MARK: Idle claims skipped (`IdleClaims`)

    /// `count` claims not simulated, all empty: counted as round trips and, the first
    /// `claimed` of them (all by default: a read still in flight at the end of the run made
    /// none), as empty claims. Their round trips were drawn on a copy of this connection's
    /// stream, which is now `stream`.
    func skipClaims(_ count: Int, claimed: Int? = nil, drawnTo stream: RandomStream) {
        guard count > 0 else { return }
        let claims = min(claimed ?? count, count)
        countRoundTrips(count)
        if claims > 0 { kind.countClaims(claims, empty: claims) }
        random = stream
    }

    /// A claim whose round trip ends now (the caller slept until then): the round trip is
    /// drawn and counted here, then the statement runs.
    /// `reestablishing`: the reads (each a list of queues) of a plan the claimer withdrew (see
    /// ``IdlePlan``).
    nonisolated(nonsending) func claimNow(_ queues: [QueueName], limit: Int, reestablishing: [[QueueName]] = [])
        async -> [WorkItem] {
        countRoundTrips(1)
        _ = roundTrip.sample(&random)
        let items = await database.claim(queues, limit: limit, by: name, reestablishing: reestablishing)
        kind.countClaims(1, empty: items.isEmpty ? 1 : 0)
        return items
    }

    @discardableResult
    @inline(__always)
    nonisolated(nonsending) public func setState(_ id: OpID, _ state: OpState) async throws -> Bool {
        try await pay()
        return await database.setState(id, state)
    }

    /// A claim in the dispatcher's style: batched, one round trip for all queues and at most
    /// `limit` rows; or singular, one round trip per queue in list order, each yielding at
    /// most one row, shaped as a round (every queue asked once, at most `limit` rows in all)
    /// or a restart walk (stop at the first queue that yields a row). Every item returned
    /// carries the size of the claim it came in (phase 11 skips the fold for a claim of one).
    @inline(__always)
    nonisolated(nonsending) public func claim(_ queues: [QueueName], limit: Int, mode: DequeueMode, shape: SingularDequeueShape) async throws -> [WorkItem] {
        var items: [WorkItem]
        switch (mode, shape) {
        case (.batched, _):
            items = try await claim(queues, limit: limit)
        case (.singular, .round):
            items = []
            for queue in queues where items.count < limit {
                items += try await claim([queue], limit: 1)
            }
        case (.singular, .restart), (.singular, .threadPerQueue):
            items = []
            for queue in queues {
                items = try await claim([queue], limit: 1)
                if !items.isEmpty { break }
            }
        }
        for index in items.indices { items[index].claimBatch = items.count }
        return items
    }

    /// `restart_work_queue` at daemon start: releases the rows of `queues` that this node's
    /// daemons had claimed (one statement).
    nonisolated(nonsending) public func releaseClaims(on queues: [QueueName], claimedByPrefix prefix: String) async throws -> Int {
        try await pay()
        return await database.releaseClaims(on: queues, claimedByPrefix: prefix)
    }

    /// Taking or releasing a lock held in the database (a write whose content the model keeps
    /// elsewhere).
    nonisolated(nonsending) public func writeLock() async throws {
        try await pay()
    }

    /// A read whose content the model keeps elsewhere (e.g. a network object maintain loads).
    nonisolated(nonsending) public func read() async throws {
        try await pay()
    }

    /// An error report row (a write whose content the model does not need).
    nonisolated(nonsending) public func writeErrorReport(_ id: OpID) async throws {
        try await pay()
    }

    /// Ideal mode's batched claim and, when it finds nothing, the wait for work after it
    /// (``SimDatabase/claimOrWaitForWork(_:limit:by:kind:signal:)``): the same statement and the
    /// same wait as ``claim(_:limit:mode:shape:)`` and then ``SimDatabase/waitForWork(_:signal:)``,
    /// in one hop to the database where they made two and a hop back between them. Empty when
    /// it waited (the caller goes round again).
    @inline(__always)
    nonisolated(nonsending) func claimOrWaitForWork(_ queues: [QueueName], limit: Int, signal: any WakeSignal)
        async throws -> [WorkItem] {
        try await pay()
        return try await claimOrWaitForWork(paid: queues, limit: limit, signal: signal)
    }

    /// ``claimOrWaitForWork(_:limit:signal:)`` once its round trip is paid.
    @inline(__always)
    nonisolated(nonsending) func claimOrWaitForWork(paid queues: [QueueName], limit: Int, signal: any WakeSignal)
        async throws -> [WorkItem] {
        var items = try await database.claimOrWaitForWork(queues, limit: limit, by: name, kind: kind, signal: signal)
        for index in items.indices { items[index].claimBatch = items.count }
        return items
    }

    /// The claim of a ``claimOrWaitForWork(_:limit:signal:)`` whose round trip is paid, made
    /// by a ``WakeCheck`` for a woken daemon: when it would take nothing and the wait after it
    /// would suspend, it is counted as the statement counts it, and the daemon waits as the
    /// statement would; otherwise nothing is done and the daemon must run (and claim).
    /// Inlined into the daemon's answer (called, the connection and the recorder were
    /// retained and released around it on every answer).
    @inline(__always)
    func answerClaim(_ queues: [QueueName], limit: Int, _ isolation: WakeCheckIsolation) -> WakeVerdict {
        guard case .some(let until) = isolation.enter(database, with: (queues, limit), { database, request in
            database.waitAfterEmptyClaim(request.0, limit: request.1)
        }) else {
            return .resume
        }
        kind.countClaims(1, empty: 1)
        return .waitAgain(until: until)
    }

    @inline(__always)
    nonisolated(nonsending) public func claim(_ queues: [QueueName], limit: Int) async throws -> [WorkItem] {
        try await pay()
        let items = await database.claim(queues, limit: limit, by: name)
        kind.countClaims(1, empty: items.isEmpty ? 1 : 0)
        return items
    }

    @inline(__always)
    nonisolated(nonsending) public func deleteRow(_ id: RowID) async throws {
        try await pay()
        await database.deleteRow(id)
    }

    nonisolated(nonsending) public func reschedule(_ item: WorkItem, after delay: Duration, isDefer: Bool) async throws {
        try await pay()
        await database.reschedule(item, after: delay, isDefer: isDefer)
    }

    nonisolated(nonsending) public func reap() async throws -> (released: Int, errored: Int) {
        try await pay()
        return await database.reap()
    }

    nonisolated(nonsending) public func depth(of queues: [QueueName]) async throws -> Int {
        try await pay()
        return await database.depth(of: queues)
    }

    nonisolated(nonsending) public func hasPendingOp(network: NetworkID) async throws -> Bool {
        try await pay()
        return await database.hasPendingOp(network: network)
    }

    nonisolated(nonsending) public func recentOutcomes(network: NetworkID) async throws
        -> [(at: Duration, state: OpState)] {
        try await pay()
        return await database.recentOutcomes(network: network)
    }
}

/// A connection held unretained (a daemon's answering connection, which its own reference
/// keeps alive): its calls made through the reference without a retain and a release. In
/// this nonisolated extension, not in the daemon's actor: a closure there is isolated to the
/// actor, and `_withUnsafeGuaranteedRef` calling it checked at run time that it runs on the
/// actor's executor, on every call (14 % more instructions on an `ideal-plan` hour).
extension Unmanaged where Instance == SimConnection {
    @inline(__always)
    func countAndDrawRoundTrip() -> Duration {
        _withUnsafeGuaranteedRef { $0.countAndDrawRoundTrip() }
    }

    @inline(__always)
    func answerClaim(_ queues: [QueueName], limit: Int, _ isolation: WakeCheckIsolation) -> WakeVerdict {
        _withUnsafeGuaranteedRef { $0.answerClaim(queues, limit: limit, isolation) }
    }
}
