import Sim

/// What a daemon sleeping through its idle claims (``IdleClaims``) will read, published on its
/// wake-up signal so that the simulated database wakes, on an insert, only the daemon whose
/// read sees the row first (``SimDatabase``'s first reader), not every daemon that claims
/// from the queue (issue 12).
///
/// ## Why waking only the first reader is exact
///
/// Polling tick by tick, the first read of a queue at or after a row becomes visible claims
/// it; the later reads of the other daemons find it gone, and are empty claims, which is what
/// a skipped claim counts. So for each queue it is enough that the first reader of its
/// earliest unclaimed row (visible from `max(scheduled_at, now)`) is planned to take that
/// read; every other daemon sleeps on. The database keeps this true:
///
/// - on an insert or a release, it finds among the daemons with a plan the first read of the
///   queue at or after the row's visible instant, and wakes that daemon if it sleeps past it
///   (woken, a daemon plans again from every row it can see: ``IdleClaims``);
/// - a daemon that stops sleeping through its claims (it takes its planned read, its own
///   state changes, it is cancelled) withdraws its plan, and once its read is taken the
///   database repeats the choice for each of its queues that still holds a row (the read may
///   have left one: its limit, another queue first in its order, a fairness policy serving
///   another row).
///
/// A daemon that is planning again (woken, it has not yet chosen its next deadline) keeps its
/// plan and is woken again if it is the first reader of a row added meanwhile: its reads are
/// the same (its grid does not change while it sleeps), so the choice among the others is
/// unchanged and no chain of wake-ups follows. A daemon without a plan (not sleeping through
/// its claims, or the database told to wake every subscriber) is woken on every insert, as
/// before. `FirstReaderWakeTests` compares this with waking every subscriber and with polling
/// tick by tick (as `NaivePollingEquivalenceTests` does on every shipped scenario).
struct IdlePlan {
    let drawer: IdleGrid.Drawer
    /// The queues of each read of a round, in order.
    let reads: [[QueueName]]
    /// Rounds starting at or after this instant are not planned: the daemon's own state
    /// changes then and it runs that round whole (its request may differ).
    var stop: Duration?
    /// When the daemon wakes by itself (its target read, its stop, the instant its walk
    /// stopped short at, or far in the future); nil while it plans again.
    var deadline: Duration?
    /// A position between two rounds from which the database walks the grid. Every round
    /// before it was wholly past when the database moved it; it never moves behind the
    /// daemon's own `base`.
    private var cursor: IdleGrid.Position
    /// The starts the daemon acts on, followed up to `cursor` (nil if it acts on none).
    private var starts: PeriodicStarts?
    /// The round after `cursor`, once drawn: its start, the grid after it, and its reads'
    /// instants in `nextReads`.
    private var next: (start: Duration, after: IdleGrid.Position)?
    private var nextReads: [Duration] = []
    /// The reads that look at the queue last asked about (``firstRead``), by the queue's
    /// index (-1 for none yet): the database asks about one queue for every insert into it.
    private var looking: (queue: Int, looks: UInt64) = (-1, 0)
    /// The latest last read of any round drawn from this grid so far, by the daemon (the
    /// rounds it keeps ahead) or by the database (past its cursor, not kept). With approximate
    /// idle rounds a walk leaps (``IdleLeap``) only from a position after it, and only while
    /// the daemon sleeps: no round anyone has drawn, and acted on, is then replaced by a leap,
    /// so the daemon and the database still see one grid.
    private var drawnTo: Duration
    /// Where the cursor's last leap ended, and the starts there: rounds wholly past when the
    /// database leapt, which the daemon takes even when the rounds drawn after them are not
    /// (``passed(before:)``); its own walk could not draw the leap again.
    private var leapt: (position: IdleGrid.Position, starts: PeriodicStarts?)?

    /// The most reads a round of a plan can have (a bit each in ``firstRead``); a daemon
    /// with more publishes none and is woken on every insert.
    static let maxReads = 64

    /// `drawnTo`: the last read of the last round the daemon has drawn (``IdleGrid/drawnTo``).
    init(drawer: IdleGrid.Drawer, reads: [[QueueName]], base: IdleGrid.Position, starts: PeriodicStarts?,
         drawnTo: Duration) {
        self.drawer = drawer
        self.reads = reads
        cursor = base
        self.starts = starts
        self.drawnTo = drawnTo
    }

    /// Where the database's walks have left the grid, if its rounds all ended before `limit`:
    /// every round before the position was wholly past (its last read before the instant of
    /// that walk), and the starts have seen them. The daemon takes those rounds from here
    /// rather than drawing them again. When the cursor's rounds do not all end before `limit`,
    /// the end of its last leap, if they do there (approximate idle rounds).
    func passed(before limit: Duration) -> (position: IdleGrid.Position, starts: PeriodicStarts?)? {
        if cursor.lastRead < limit { return (cursor, starts) }
        if let leapt, leapt.position.lastRead < limit { return leapt }
        return nil
    }

    /// The daemon's grid now starts after `base`, where its starts are `starts`, and it has
    /// drawn rounds up to `drawnTo` (``IdleGrid/drawnTo``): the cursor moves there if it is
    /// behind.
    mutating func follow(base: IdleGrid.Position, starts: PeriodicStarts?, drawnTo: Duration) {
        if drawnTo.attoseconds > self.drawnTo.attoseconds { self.drawnTo = drawnTo }
        guard base.idleRounds > cursor.idleRounds else { return }
        cursor = base
        self.starts = starts
        next = nil
    }

    /// The instant of the daemon's first read of `queue` at or after `visible` (itself at or
    /// after `now`) in a planned round, or nil if it has none, or none before `bound` (the
    /// first read found so far among the other daemons: a later one cannot be the first).
    /// A daemon subscribed to a queue its request leaves out (sf-queues' background lanes
    /// while its pool is busy) has none: it reads the queue only once its state changes, and
    /// then it withdraws its plan. Draws on copies of the daemon's stream: its draws are
    /// unchanged.
    mutating func firstRead(of queue: QueueName, atOrAfter visible: Duration, now: Duration,
                            before bound: Duration?) -> Duration? {
        // Which reads look at `queue` (a bit each).
        if looking.queue != queue.index {
            var looks: UInt64 = 0
            for (index, queues) in reads.enumerated() where queues.contains(queue) {
                looks |= 1 << UInt64(index)
            }
            looking = (queue.index, looks)
        }
        let looks = looking.looks
        guard looks != 0 else { return nil }
        // Instants are compared by their attoseconds (inlined), not through `Duration`'s `<`
        // (a call into the standard library, millions of them on a long run).
        let nowCount = now.attoseconds
        // Approximate rounds walked in `Duration` arithmetic (those in nanoseconds leap in
        // ``passInNanoseconds``): one leap, as there.
        var leaping = deadline != nil && drawer.leap != nil && drawer.inNanoseconds == nil
        // The rounds wholly before `now` cannot see the row: the cursor moves past them (in
        // whole nanoseconds where it can, else round by round).
        while true {
            if next == nil {
                // Every read from here is at or after the next round's start, known without a
                // draw: at or after the bound (or the stop), the answer is none, and the rounds
                // wholly past stay undrawn for a later walk (the database's or the daemon's
                // own: each round is still drawn once). Most of the daemons asked after the
                // first are answered so, sleeping when the row becomes visible.
                if holdsNoAnswer(from: cursor, before: bound) { return nil }
                passInNanoseconds(now: now)
            }
            if next == nil, leaping, cursor.lastRead.attoseconds >= drawnTo.attoseconds,
               cursor.idleRounds >= drawer.leap?.stationaryFrom ?? 0 {
                leaping = false
                leapCursor(before: stop.map { min($0, now) } ?? now)
            }
            if next == nil { drawNext() }
            // The round's fields read in place: copying the whole round (its start and the
            // grid after it, 80 bytes) at each step was a sixth of this function's instructions.
            guard let start = next?.start else { return nil }
            if let stop, start.attoseconds >= stop.attoseconds { return nil }
            guard let last = nextReads.last, last.attoseconds < nowCount else { break }
            if let after = next?.after { cursor = after }
            starts?.see(start)
            next = nil
        }
        guard let start = next?.start else { return nil }
        if let bound, start.attoseconds >= bound.attoseconds { return nil }
        let visibleCount = visible.attoseconds
        for (index, at) in nextReads.enumerated()
        where looks & (1 << UInt64(index)) != 0 && at.attoseconds >= visibleCount {
            return at
        }
        // Further rounds are drawn and not kept (a later insert starts again from `next`).
        guard var position = next?.after else { return nil }
        while true {
            if holdsNoAnswer(from: position, before: bound) { return nil }
            var found: Duration?
            _ = drawer.draw(&position) { index, at in
                if found == nil && looks & (1 << UInt64(index)) != 0 && at.attoseconds >= visibleCount { found = at }
            }
            if position.lastRead.attoseconds > drawnTo.attoseconds { drawnTo = position.lastRead }
            if let found { return found }
        }
    }

    /// Whether the rounds after `position` hold no answer: the next one (and so every later
    /// one) starts at or after the stop (not planned) or the bound (not first). Known without
    /// a draw.
    @inline(__always)
    private func holdsNoAnswer(from position: IdleGrid.Position, before bound: Duration?) -> Bool {
        let start = drawer.nextStart(position).attoseconds
        if let stop, start >= stop.attoseconds { return true }
        if let bound, start >= bound.attoseconds { return true }
        return false
    }

    /// ``firstRead(of:atOrAfter:now:before:)``, and the plan's ``deadline`` after it.
    mutating func firstReadAndDeadline(of queue: QueueName, atOrAfter visible: Duration, now: Duration,
                                       before bound: Duration?) -> (read: Duration?, deadline: Duration?) {
        (firstRead(of: queue, atOrAfter: visible, now: now, before: bound), deadline)
    }

    /// The cursor's walk past the rounds wholly before `now` (their last read before it), in
    /// whole nanoseconds: the same draws, instants and checks as ``firstRead``'s walk round by
    /// round (``Distribution/sampleNanoseconds(_:)``), without `Duration` arithmetic, as
    /// ``IdleGrid``'s settling walk does. The first round that is not wholly past, or that
    /// starts at or after `stop`, is left drawn in `next`. Does nothing, or stops after the
    /// last whole round it passed, where the grid is not walked in nanoseconds (a duration not
    /// whole, an instant past the range of `Int64`); the walk round by round goes on from
    /// there.
    private mutating func passInNanoseconds(now: Duration) {
        let perRound = drawer.readsPerRound
        guard perRound > 0, let walk = drawer.inNanoseconds, let nowNs = now.exactNanoseconds,
              var lastRead = cursor.lastRead.exactNanoseconds else { return }
        var stopNs = Int64.max
        var stops = false
        if let stop {
            guard let exact = stop.exactNanoseconds else { return }
            stopNs = exact
            stops = true
        }
        // The starts followed, in nanoseconds (`every` 0 when there are none).
        var (every, lastStart): (Int64, Int64) = (0, -1)
        if let starts {
            guard let exact = starts.inNanoseconds else { return }
            (every, lastStart) = exact
        }
        var stream = cursor.stream
        var idleRounds = cursor.idleRounds
        var passed = 0
        // Approximate idle rounds: one leap, once past every round drawn so far and the
        // back-off, while the daemon sleeps (``drawnTo``).
        var leap = deadline == nil ? nil : drawer.leap
        let leapsFrom = leap == nil ? .max : drawnTo.exactNanoseconds ?? .max
        // The cursor moves once, past the last round passed.
        defer {
            if passed > 0 {
                cursor = IdleGrid.Position(stream: stream, lastRead: .nanoseconds(lastRead), idleRounds: idleRounds)
                if every > 0 { starts?.last = .nanoseconds(lastStart) }
            }
        }
        withUnsafeTemporaryAllocation(of: Int64.self, capacity: perRound) { reads in
            while true {
                if let leaping = leap, lastRead >= leapsFrom, idleRounds >= leaping.stationaryFrom {
                    leap = nil
                    let from = lastRead
                    let rounds = leaping.leap(lastRead: &lastRead, idleRounds: &idleRounds, stream: &stream,
                                              before: min(nowNs, stopNs))
                    if rounds > 0 {
                        passed += rounds
                        if every > 0 { lastStart = leaping.lastActed(every: every, last: lastStart, from: from, to: lastRead) }
                        let position = IdleGrid.Position(stream: stream, lastRead: .nanoseconds(lastRead),
                                                         idleRounds: idleRounds)
                        var leaptStarts = starts
                        if every > 0 { leaptStarts?.last = .nanoseconds(lastStart) }
                        leapt = (position, leaptStarts)
                    }
                }
                // Each round is drawn on `stream` itself, the stream before it kept for the
                // cursor if the round is not passed (one copy a round, not two).
                let before = stream
                guard let (start, at) = IdleGrid.Drawer.drawInNanoseconds(
                    after: lastRead, idleRounds: idleRounds, walk: walk, readsPerRound: perRound,
                    stream: &stream, into: reads)
                else {
                    stream = before
                    return
                }
                if (stops && start >= stopNs) || at >= nowNs {
                    if nextReads.count == perRound {
                        for j in 0..<perRound { nextReads[j] = .nanoseconds(reads[j]) }
                    } else {
                        nextReads = (0..<perRound).map { .nanoseconds(reads[$0]) }
                    }
                    next = (.nanoseconds(start),
                            IdleGrid.Position(stream: stream, lastRead: .nanoseconds(at), idleRounds: idleRounds + 1))
                    let drawn = Duration.nanoseconds(at)
                    if drawn.attoseconds > drawnTo.attoseconds { drawnTo = drawn }
                    stream = before
                    return
                }
                lastRead = at
                idleRounds += 1
                passed += 1
                if every > 0 { PeriodicStarts.see(start, every: every, last: &lastStart) }
            }
        }
    }

    /// The cursor leaps (``IdleLeap``) over the rounds that surely end before `limit`, if there
    /// are enough of them; the starts followed are approximated through it, and its end is
    /// kept for the daemon (``passed(before:)``). For grids walked in `Duration` arithmetic.
    private mutating func leapCursor(before limit: Duration) {
        guard let leap = drawer.leap else { return }
        var position = cursor
        let from = position.lastRead
        guard leap.leap(lastRead: &position.lastRead, idleRounds: &position.idleRounds, stream: &position.stream,
                        before: limit) > 0 else { return }
        if let followed = starts { starts?.last = leap.lastActed(followed, from: from, to: position.lastRead) }
        cursor = position
        leapt = (position, starts)
    }

    /// Draws the round after `cursor` into `next` and `nextReads`.
    private mutating func drawNext() {
        var after = cursor
        nextReads.removeAll(keepingCapacity: true)
        let start = drawer.draw(&after) { _, at in nextReads.append(at) }
        next = (start, after)
        if after.lastRead.attoseconds > drawnTo.attoseconds { drawnTo = after.lastRead }
    }
}
