import DequeModule
import Sim
import Synchronization

/// A signal that counts its notifications, so a daemon can tell whether one came while it
/// was not waiting (a notification with nobody waiting is otherwise lost).
final class CountedSignal: WakeSignal {
    private let signal: any WakeSignal
    private let count = Atomic<UInt64>(0)
    /// While the daemon sleeps through its idle claims, what it will read (``IdlePlan``); nil
    /// otherwise. Set by the daemon, read and walked by the simulated database.
    let plan = Mutex<IdlePlan?>(nil)

    init(_ signal: any WakeSignal) { self.signal = signal }

    /// Notifications so far.
    var notifications: UInt64 { count.load(ordering: .relaxed) }

    /// The kernel's signal under this one, in a simulated run (nil in live mode).
    var kernelSignal: Signal? { signal as? Signal }

    @discardableResult
    nonisolated(nonsending)
    func waitForNotify(until deadline: Duration?) async throws -> Bool {
        try await signal.waitForNotify(until: deadline)
    }

    func notifyAll() {
        count.add(1, ordering: .relaxed)
        signal.notifyAll()
    }
}

/// A dispatcher's idle claims on the simulated database, skipped: after an empty claim the
/// daemon sleeps until the first claim, on the grid polling tick by tick would follow, that
/// can see a row, then counts and draws the round trips of the claims it slept through and
/// takes only that one (issue 12; the waiters do the same, see `OpWait.swift`).
///
/// ## Why it is exact
///
/// A round is the idle sleep (``IdlePolicy/sleep(afterIdleRounds:)``: the `later` era's
/// back-off grows with the empty rounds) and then its reads: one with the batched dequeue,
/// one per queue in request order with the singular one, each after its own round trip drawn
/// from the connection's stream. Read `j` of a round claims from its queues at its instant
/// `t`, and finds a row only if one of them holds an unclaimed row with `scheduled_at <= t`
/// inserted before `t`. For the rows there now, the first read that can find one is the
/// first with `t >= max(now, earliest scheduled_at of its queues)`; the claims before it are
/// empty whatever else happens, as long as no row is added: an insert or release on the
/// daemon's queues notifies its signal (``SimDatabase/subscribe(_:to:)``) if the daemon would
/// be the first to read the row (``IdlePlan``: a later reader finds it taken, an empty claim),
/// and the daemon then recomputes. An empty claim changes nothing (the claim policies keep
/// state only when they serve a row: `drr` finds no backlogged lane and breaks before touching
/// its deficits, a `reserved_slots` lottery draws only among lanes with a due row, `fair_key`
/// and `bounded_staleness` only drop dead heap tops), so skipping it loses nothing but its
/// round trip, which is drawn and counted here in the same order. A read taken early (its row
/// claimed meanwhile by another daemon) is just an empty claim, taken as polling would.
///
/// The instants are exact; the order among events of one instant is not reproduced (a
/// skipped daemon's timers are scheduled at other moments), which matters only for ties of
/// two events at the same nanosecond. Round trips drawn from a continuous distribution make
/// those a measure-zero event; with an atom (constant, empirical) every daemon's grid would
/// line up, so such runs poll tick by tick (``skipsIdleClaims(_:)``).
struct IdleClaims {
    /// What each round of the skipped stretch asks: fixed while the daemon sleeps.
    struct Request {
        /// The queues of each read of a round, in order.
        let reads: [[QueueName]]
        /// The limit of the whole round (the singular `round` shape stops at it), as the
        /// stretch began (``skip(idleRounds:stopAt:stateChanged:roundLimit:)`` may be given
        /// others).
        let limit: Int
        let mode: DequeueMode
        let shape: SingularDequeueShape

        init(queues: [QueueName], limit: Int, mode: DequeueMode, shape: SingularDequeueShape) {
            self.limit = limit
            self.mode = mode
            self.shape = shape
            switch mode {
            case .batched: reads = [queues]
            case .singular: reads = queues.map { [$0] }
            }
        }

        /// The limit of each read's claim statement in a round whose limit is `roundLimit`:
        /// all of it in the batched dequeue's one read, one row a read in the singular one.
        func readLimit(roundLimit: Int) -> Int {
            switch mode {
            case .batched: roundLimit
            case .singular: 1
            }
        }
    }

    /// How a skipped stretch ended.
    enum Outcome {
        /// The round that could see a row was taken; these are its items (maybe none, if the
        /// row was gone by then). The daemon's idle-round count includes every round before it.
        case claimed([WorkItem])
        /// The daemon's own state changed: its next round starts now and must be run whole
        /// (its request may differ). The idle-round count includes every round before it.
        case roundStartsNow
    }

    let connection: SimConnection
    let request: Request
    let signal: CountedSignal
    /// Whether the daemon publishes its plan on `signal` while it sleeps, so that an insert
    /// wakes only the first reader (``IdlePlan``); without it every insert wakes it.
    let publishesPlan: Bool
    /// The grid from the first round not yet taken (its stream is the connection's), and the
    /// rounds walked ahead of it.
    private var grid: IdleGrid
    /// The round starts the daemon acts on, followed through every round taken (skipped or
    /// claimed); nil if it acts on none.
    private(set) var starts: PeriodicStarts?
    /// For each read, when its earliest row is visible (``SimDatabase/earliestVisible(_:from:into:)``),
    /// asked again on every wake-up into the same storage.
    private var visible: [Duration?] = []

    /// `idleRounds` counts the empty rounds so far, including the one that just ended at
    /// `now` (the sleep before the next round is `idle.sleep(afterIdleRounds: idleRounds - 1)`).
    /// `storage` is a previous stretch's (``handOverStorage()``), to walk without allocating.
    /// `approximate`: the idle rounds are approximated (``IdleRounds/approximate``), long
    /// stretches crossed by ``IdleLeap``.
    init(connection: SimConnection, request: Request, idle: IdlePolicy, signal: CountedSignal,
         idleRounds: Int, now: Duration, publishesPlan: Bool, starts: PeriodicStarts? = nil,
         storage: IdleGrid.Storage? = nil, approximate: Bool = false) {
        self.connection = connection
        self.request = request
        self.signal = signal
        self.publishesPlan = publishesPlan
        self.starts = starts
        let preview = connection.roundTripPreview
        var storage = storage ?? IdleGrid.Storage()
        // Taken out, not shared: a list the storage still held would be copied when written.
        swap(&visible, &storage.visible)
        grid = IdleGrid(drawer: storage.drawer(distribution: preview.distribution, idle: idle,
                                               readsPerRound: request.reads.count, approximate: approximate),
                        base: IdleGrid.Position(stream: preview.stream, lastRead: now, idleRounds: idleRounds - 1),
                        storage: storage)
    }

    /// The grid's storage, for the daemon's next stretch; this one is over.
    mutating func handOverStorage() -> IdleGrid.Storage {
        var storage = grid.handOver()
        swap(&storage.visible, &visible)
        return storage
    }

    /// Whether `context`'s daemons skip their idle claims on `connection`: only on the
    /// simulated database, when the configuration allows it
    /// (``ModelConfig/idleClaimsCanBeSkipped``), unless naive polling was asked for.
    static func skipsIdleClaims(_ context: ClusterContext, on connection: any QueueConnection) -> SimConnection? {
        guard !context.naivePolling, context.config.idleClaimsCanBeSkipped,
              let simulated = connection as? SimConnection else { return nil }
        return simulated
    }

    /// Sleeps through the empty rounds, then takes the one that can see a row, or returns at
    /// the start of the first round starting at or after `stopAt` (the daemon's own state
    /// changes then), or at the start of the first round after `stateChanged` first answers
    /// true. The round taken claims with the limit `roundLimit` gives for its start (nil:
    /// the request's; a pool whose room changed while its rounds went on). ``starts`` sees
    /// each skipped or taken round's start, in order. `count` (the daemon's idle rounds) ends
    /// counting the rounds skipped.
    nonisolated(nonsending)
    mutating func skip(idleRounds count: inout Int, stopAt: Duration? = nil, stateChanged: () -> Bool = { false },
                       roundLimit: (_ start: Duration) -> Int? = { _ in nil }) async throws -> Outcome {
        let database = connection.database
        let clock = connection.clock
        var changedAt: Duration?
        while true {
            let seen = signal.notifications
            if changedAt == nil && stateChanged() { changedAt = clock.now.offset }
            // The earlier of the two (no array: this loop runs on every wake-up).
            let stop = switch (stopAt, changedAt) {
            case let (at?, changed?): min(at, changed)
            case let (at, changed): at ?? changed
            }
            let now = clock.now.offset
            let passed = planAgain(stop: stop, passedBefore: stop.map { min($0, now) } ?? now)
            await database.earliestVisible(request.reads, from: now, into: &visible)
            // A row added (or the daemon's state changed) while the database answered.
            if signal.notifications != seen { continue }
            // Rounds wholly past are empty: they are counted now, those the database's walks
            // passed without drawing them again, and the rounds walked ahead are kept (the
            // database still draws its own copies of rounds ahead of its cursor).
            takePassed(passed, idleRounds: &count)
            var starts = self.starts
            let (plan, settled) = grid.walk(visible: visible, stop: stop, now: now, settled: { starts?.see($0) })
            self.starts = starts
            if settled > 0 { skipped(rounds: settled, idleRounds: &count) }
            // Sleep until the round found (its stop or its target read), or until the instant
            // the walk stopped short at; with nothing to see, until notified (the far deadline
            // lets a time limit end the run where polling would have ended it).
            let deadline = plan.stopRound?.start ?? plan.target?.at ?? plan.wakeAt ?? Self.farFuture
            // (What the daemon has drawn matters only to a plan that leaps.)
            let drawnTo = grid.drawer.leap == nil ? Duration.zero : grid.drawnTo
            signal.plan.withLock { published in
                published?.deadline = deadline
                published?.follow(base: grid.base, starts: starts, drawnTo: drawnTo)
            }
            let notified: Bool
            do {
                notified = try await signal.wait(untilOffset: deadline)
            } catch {
                // The run ended or the node stopped: count the claims begun by now, as polling
                // would have, and let another daemon read this one's rows.
                let now = clock.now.offset
                takePassed(signal.plan.withLock { $0?.passed(before: now) }, idleRounds: &count)
                countBegun(by: now)
                await withdrawAndReestablish()
                throw error
            }
            // Woken by a notification, or where the walk stopped short of its target: walk again.
            if notified || plan.wakeAt != nil { continue }
            if let stopRound = plan.stopRound {
                consume(rounds: stopRound.index, idleRounds: &count)
                await withdrawAndReestablish()
                return .roundStartsNow
            }
            // Past any time limit (none was set): poll tick by tick from here.
            guard let target = plan.target else {
                await withdrawAndReestablish()
                return .roundStartsNow
            }
            consume(rounds: target.round, idleRounds: &count)
            let items = try await take(read: target.read, roundLimit: roundLimit)
            if !items.isEmpty { return .claimed(items) }
            // An empty round after all: the next round's sleep follows it.
            count += 1
        }
    }

    /// Publishes the plan (once) and marks it as being made again: the deadline is unknown
    /// until the walk that follows, and rounds from `stop` on are not planned. Returns how far
    /// the database's walks of the plan have passed, with rounds all ended before `limit`
    /// (``IdlePlan/passed(before:)``).
    private func planAgain(stop: Duration?, passedBefore limit: Duration)
        -> (position: IdleGrid.Position, starts: PeriodicStarts?)? {
        guard publishesPlan, request.reads.count <= IdlePlan.maxReads else { return nil }
        return signal.plan.withLock { published in
            if published == nil {
                published = IdlePlan(drawer: grid.drawer, reads: request.reads, base: grid.base, starts: starts,
                                     drawnTo: grid.drawnTo)
            }
            published?.stop = stop
            published?.deadline = nil
            return published?.passed(before: limit)
        }
    }

    /// Takes as skipped the rounds the database's walks passed (`passed`, from the plan, all
    /// ended before now, or the stop if earlier): their reads came before any row they could
    /// see and their starts before the stop, so they were empty, as this daemon's own walk
    /// would find them; only they are not drawn again.
    private mutating func takePassed(_ passed: (position: IdleGrid.Position, starts: PeriodicStarts?)?,
                                     idleRounds count: inout Int) {
        guard let passed else { return }
        let rounds = grid.take(upTo: passed.position)
        guard rounds > 0 else { return }
        starts = passed.starts
        skipped(rounds: rounds, idleRounds: &count)
    }

    /// Withdraws the published plan: the daemon no longer sleeps through its claims. Returns
    /// the queues whose first readers the database must choose again (the plan's reads, each
    /// read's queues in order), or nil if none was published. The reads as the plan holds
    /// them, not flattened into a new list: a daemon withdraws on most of its wake-ups
    /// (38,000 lists an hour of `cluster-day`).
    private func withdraw() -> [[QueueName]]? {
        signal.plan.withLock { published in
            defer { published = nil }
            return published?.reads
        }
    }

    /// Withdraws the published plan, if any, and has the database choose again the first
    /// readers of its queues (the daemon wakes other than by taking its planned read).
    nonisolated(nonsending)
    private func withdrawAndReestablish() async {
        guard let withdrawn = withdraw() else { return }
        await connection.database.reestablish(withdrawn)
    }

    /// Beyond any time limit a scenario states, below `Duration.longest` so arithmetic on it
    /// cannot overflow.
    static let farFuture = Duration.seconds(Int64(1) << 40)

    /// Counts the next `rounds` rounds as skipped (all their claims empty) and moves the
    /// connection's stream past their round trips; ``starts`` sees each round's start.
    private mutating func consume(rounds: Int, idleRounds count: inout Int) {
        guard rounds > 0 else { return }
        for _ in 0..<rounds {
            let start = grid.advance()
            starts?.see(start)
        }
        skipped(rounds: rounds, idleRounds: &count)
    }

    /// `rounds` rounds were taken as skipped (`grid.base` is past them): counts their claims,
    /// empty, and moves the connection's stream past their round trips.
    private func skipped(rounds: Int, idleRounds count: inout Int) {
        connection.skipClaims(rounds * request.reads.count, drawnTo: grid.base.stream)
        count += rounds
    }

    /// The run ended at `now`: counts the round trips begun by then, and the claims of those
    /// that had ended (polling, a read in flight at the end has paid its round trip and made
    /// no claim).
    private func countBegun(by now: Duration) {
        let (begun, ended, stream) = grid.begun(by: now)
        connection.skipClaims(begun, claimed: ended, drawnTo: stream)
    }

    /// The next round reaches its read `read` now: the reads before it were empty (skipped),
    /// this one claims now, and the rest of the round runs as
    /// ``SimConnection/claim(_:limit:mode:shape:)`` would (each read paying its round trip).
    nonisolated(nonsending)
    private mutating func take(read: Int, roundLimit: (Duration) -> Int?) async throws -> [WorkItem] {
        let base = grid.base
        let start = grid.drawer.nextStart(base)
        starts?.see(start)
        // The round's limits, as its start found the pool.
        let limit = roundLimit(start) ?? request.limit
        let readLimit = request.readLimit(roundLimit: limit)
        var stream = base.stream
        for _ in 0..<read { _ = grid.drawer.distribution.sample(&stream) }
        connection.skipClaims(read, drawnTo: stream)
        // The plan is withdrawn and, once this read is taken, the first readers of what it
        // leaves on the daemon's queues are chosen again (``IdlePlan``).
        var items = await connection.claimNow(request.reads[read], limit: readLimit,
                                              reestablishing: withdraw() ?? [])
        for next in (read + 1)..<request.reads.count {
            switch (request.mode, request.shape) {
            case (.batched, _):
                break
            case (.singular, .round):
                if items.count < limit {
                    items += try await connection.claim(request.reads[next], limit: readLimit)
                }
            case (.singular, .restart), (.singular, .threadPerQueue):
                if items.isEmpty {
                    items = try await connection.claim(request.reads[next], limit: readLimit)
                }
            }
        }
        // The round is over: the next one starts after its last read, now.
        grid.restart(at: IdleGrid.Position(stream: connection.roundTripPreview.stream,
                                           lastRead: connection.clock.now.offset, idleRounds: base.idleRounds + 1))
        for index in items.indices { items[index].claimBatch = items.count }
        return items
    }
}

extension ModelConfig {
    /// Whether the daemons' skipped idle rounds are approximated (``IdleLeap``): asked for
    /// (``idleRounds``) and skipped at all (``idleClaimsCanBeSkipped``: round trips with an
    /// atom are polled tick by tick, exact, whatever ``idleRounds`` says).
    public var leapsIdleRounds: Bool {
        idleRounds == .approximate && idleClaimsCanBeSkipped
    }

    /// Whether the daemons' idle claims are skipped on the simulated database (unless naive
    /// polling is asked for): polling daemons (not ideal mode) whose round trips come from a
    /// continuous distribution (see ``IdleClaims``). Measured `quantiles` are one when their
    /// value grows over every stretch of probability; a value held over one (`p50: 2ms, p90:
    /// 2ms`) is an atom, as every value of `empirical` and `constant` is.
    public var idleClaimsCanBeSkipped: Bool {
        if case .wakeOnEnqueue = idle { return false }
        switch roundTrip {
        case .lognormal, .exponential: return true
        case .uniform(let low, let high): return low < high
        case .quantiles(let points):
            return zip(points, points.dropFirst()).allSatisfy { low, high in
                high.probability == low.probability || high.value > low.value
            }
        case .constant, .empirical: return false
        }
    }
}
