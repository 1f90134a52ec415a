import DequeModule
import Sim
import Synchronization

/// A signal that counts its notifications, so a daemon can tell whether one came while it
/// was not waiting (a notification with nobody waiting is otherwise lost).
final class CountedSignal: WakeSignal {
    private let signal: any WakeSignal
    private let count = Atomic<UInt64>(0)

    init(_ signal: any WakeSignal) { self.signal = signal }

    /// Notifications so far.
    var notifications: UInt64 { count.load(ordering: .relaxed) }

    @discardableResult
    func waitForNotify(until deadline: Duration?, isolation: isolated (any Actor)?) async throws -> Bool {
        try await signal.waitForNotify(until: deadline, isolation: isolation)
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
/// empty whatever else happens, as long as no row is added: every insert and release on the
/// daemon's queues notifies its signal (``SimDatabase/subscribe(_:to:)``), and the daemon
/// then recomputes. An empty claim changes nothing (the claim policies keep state only when
/// they serve a row: `drr` finds no backlogged lane and breaks before touching its deficits,
/// a `reserved_slots` lottery draws only among lanes with a due row, `fair_key` and
/// `bounded_staleness` only drop dead heap tops), so skipping it loses nothing but its round
/// trip, which is drawn and counted here in the same order. A read taken early (its row
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
        /// The limit of each read's claim statement.
        let readLimit: Int
        /// The limit of the whole round (the singular `round` shape stops at it).
        let limit: Int
        let mode: DequeueMode
        let shape: SingularDequeueShape

        init(queues: [QueueName], limit: Int, mode: DequeueMode, shape: SingularDequeueShape) {
            self.limit = limit
            self.mode = mode
            self.shape = shape
            switch mode {
            case .batched:
                reads = [queues]
                readLimit = limit
            case .singular:
                reads = queues.map { [$0] }
                readLimit = 1
            }
        }
    }

    /// One round of the grid: when it starts (its idle sleep ends) and its reads' instants.
    struct Round {
        let start: Duration
        var reads: [Duration]
        /// The connection's stream once this round's round trips are drawn.
        var streamAfter: RandomStream
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
    let idle: IdlePolicy
    let signal: CountedSignal
    /// The rounds drawn ahead on a copy of the connection's stream, the first not yet taken.
    private var ahead = Deque<Round>()
    private var preview: RandomStream
    /// Idle rounds before the first of `ahead` (what the sleep after it depends on).
    private var idleRounds: Int
    /// When the round after the last of `ahead` starts (its sleep is still to be added).
    private var lastRead: Duration

    /// `idleRounds` counts the empty rounds so far, including the one that just ended at
    /// `now` (the sleep before the next round is `idle.sleep(afterIdleRounds: idleRounds - 1)`).
    init(connection: SimConnection, request: Request, idle: IdlePolicy, signal: CountedSignal,
         idleRounds: Int, now: Duration) {
        self.connection = connection
        self.request = request
        self.idle = idle
        self.signal = signal
        self.idleRounds = idleRounds - 1
        preview = connection.roundTripPreview.stream
        lastRead = now
    }

    /// Whether `config`'s daemons skip their idle claims on `connection`: only on the
    /// simulated database, polling (not ideal mode), with round trips drawn from a continuous
    /// distribution, unless naive polling was asked for.
    static func skipsIdleClaims(_ context: ClusterContext, on connection: any QueueConnection) -> SimConnection? {
        guard !context.naivePolling, let simulated = connection as? SimConnection else { return nil }
        if case .wakeOnEnqueue = context.config.idle { return nil }
        switch simulated.roundTrip {
        case .lognormal, .exponential: return simulated
        case .uniform(let low, let high): return low < high ? simulated : nil
        case .constant, .empirical, .quantiles: return nil
        }
    }

    /// Draws the next round of the grid on the preview stream.
    private mutating func drawRound() {
        let distribution = connection.roundTripPreview.distribution
        let start = lastRead + idle.sleep(afterIdleRounds: idleRounds + ahead.count)
        var at = start
        var reads: [Duration] = []
        reads.reserveCapacity(request.reads.count)
        for _ in request.reads {
            at += distribution.sample(&preview)
            reads.append(at)
        }
        ahead.append(Round(start: start, reads: reads, streamAfter: preview))
        lastRead = at
    }

    /// The first (round, read) whose instant is at or after its queues' first visible row, or
    /// nil if no queue holds a row. `visible[j]` is read `j`'s threshold.
    private mutating func firstSeeing(_ visible: [Duration?]) -> (round: Int, read: Int)? {
        guard visible.contains(where: { $0 != nil }) else { return nil }
        var index = 0
        while true {
            if index == ahead.count { drawRound() }
            for (read, at) in ahead[index].reads.enumerated() {
                if let threshold = visible[read], at >= threshold { return (index, read) }
            }
            index += 1
        }
    }

    /// Sleeps through the empty rounds, then takes the one that can see a row, or returns at
    /// the start of the first round starting at or after `stopAt` (the daemon's own state
    /// changes then), or at the start of the first round after a notification for which
    /// `stateChanged` answers true. `idleRounds` ends counting the rounds skipped.
    mutating func skip(idleRounds count: inout Int, stopAt: Duration? = nil, stateChanged: () -> Bool = { false },
                       started: (Duration) -> Void = { _ in },
                       isolation: isolated (any Actor)? = #isolation) async throws -> Outcome {
        let database = connection.database
        let clock = connection.clock
        var changedAt: Duration?
        while true {
            let seen = signal.notifications
            if changedAt == nil && stateChanged() { changedAt = clock.now.offset }
            let stop = [stopAt, changedAt].compactMap { $0 }.min()
            let now = clock.now.offset
            let visible = await database.earliestScheduled(request.reads).map { $0.map { max($0, now) } }
            // A row added (or the daemon's state changed) while the database answered.
            if signal.notifications != seen { continue }
            let target = firstSeeing(visible)
            // The first round starting at or after `stop`, if it is not after the target's round.
            var stopRound: Int?
            if let stop {
                var index = 0
                while index <= (target?.round ?? Int.max - 1) {
                    if index == ahead.count { drawRound() }
                    if ahead[index].start >= stop { stopRound = index; break }
                    index += 1
                }
            }
            let deadline: Duration?
            if let stopRound {
                deadline = ahead[stopRound].start
            } else if let target {
                deadline = ahead[target.round].reads[target.read]
            } else {
                // Nothing to see: sleep until notified; the far deadline lets a time limit end
                // the run where polling would have ended it.
                deadline = Self.farFuture
            }
            let notified: Bool
            do {
                notified = try await signal.wait(untilOffset: deadline)
            } catch {
                // The run ended: count the claims begun by now, as polling would have.
                countBegun(by: clock.now.offset)
                throw error
            }
            if notified { continue }
            if deadline == Self.farFuture { return .roundStartsNow }
            if let stopRound {
                consume(rounds: stopRound, idleRounds: &count, started: started)
                return .roundStartsNow
            }
            guard let target else { return .roundStartsNow }
            consume(rounds: target.round, idleRounds: &count, started: started)
            started(ahead[0].start)
            let items = try await take(read: target.read)
            if !items.isEmpty { return .claimed(items) }
            // An empty round after all: the next round's sleep follows it.
            count += 1
            idleRounds += 1
            ahead.removeFirst()
        }
    }

    /// Beyond any time limit a scenario states, below `Duration.longest` so arithmetic on it
    /// cannot overflow.
    static let farFuture = Duration.seconds(Int64(1) << 40)

    /// Counts the first `rounds` rounds of `ahead` as skipped (all their claims empty), moves
    /// the connection's stream past their round trips and drops them; `started` sees each
    /// round's start in order.
    private mutating func consume(rounds: Int, idleRounds count: inout Int, started: (Duration) -> Void) {
        guard rounds > 0 else { return }
        var claims = 0
        var stream = connection.roundTripPreview.stream
        for _ in 0..<rounds {
            let round = ahead.removeFirst()
            started(round.start)
            claims += round.reads.count
            stream = round.streamAfter
        }
        connection.skipClaims(claims, drawnTo: stream)
        count += rounds
        idleRounds += rounds
    }

    /// The run ended at `now`: counts the reads whose round trip had begun by then.
    private mutating func countBegun(by now: Duration) {
        var index = 0
        var claims = 0
        while true {
            if index == ahead.count { drawRound() }
            let round = ahead[index]
            guard round.start <= now else { break }
            var begun = round.start
            for read in round.reads {
                guard begun <= now else { break }
                claims += 1
                begun = read
            }
            index += 1
        }
        // Draw on the real stream exactly the claims counted.
        var stream = connection.roundTripPreview.stream
        let distribution = connection.roundTripPreview.distribution
        for _ in 0..<claims { _ = distribution.sample(&stream) }
        connection.skipClaims(claims, drawnTo: stream)
    }

    /// Round 0 of `ahead` reaches its read `read` now: the reads before it were empty (skipped),
    /// this one claims now, and the rest of the round runs as
    /// ``SimConnection/claim(_:limit:mode:shape:)`` would (each read paying its round trip).
    private mutating func take(read: Int, isolation: isolated (any Actor)? = #isolation) async throws -> [WorkItem] {
        var stream = connection.roundTripPreview.stream
        let distribution = connection.roundTripPreview.distribution
        for _ in 0..<read { _ = distribution.sample(&stream) }
        connection.skipClaims(read, drawnTo: stream)
        var items = await connection.claimNow(request.reads[read], limit: request.readLimit)
        for next in (read + 1)..<request.reads.count {
            switch (request.mode, request.shape) {
            case (.batched, _):
                break
            case (.singular, .round):
                if items.count < request.limit {
                    items += try await connection.claim(request.reads[next], limit: request.readLimit)
                }
            case (.singular, .restart), (.singular, .threadPerQueue):
                if items.isEmpty {
                    items = try await connection.claim(request.reads[next], limit: request.readLimit)
                }
            }
        }
        for index in items.indices { items[index].claimBatch = items.count }
        return items
    }
}
