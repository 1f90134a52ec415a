import DequeModule
import Sim

/// The polling grid of a daemon that skips its idle claims (``IdleClaims``): how its rounds
/// are drawn, where it stands between two rounds, and the rounds already walked ahead of the
/// daemon, kept so that no round trip is drawn twice.
///
/// A round is the idle sleep and then one read per element of the request (each after a
/// round trip drawn from the connection's stream). Drawing a round trip (log, square root,
/// cosine and exponential for a log-normal) is most of what a skipped claim costs, so each is
/// drawn once: the rounds found wholly past are counted at once, and the rounds walked ahead
/// (up to the first read that can see a row) are kept for the next walk, the consumption of
/// the skipped rounds and the count at the end of a run.
struct IdleGrid {
    /// Where the grid stands between two rounds.
    struct Position {
        var stream: RandomStream
        /// The instant of the last read before the next round (its sleep starts there).
        var lastRead: Duration
        /// Empty rounds so far, which the next round's sleep depends on.
        var idleRounds: Int
    }

    /// How rounds are drawn: fixed while the daemon sleeps. A class: a grid's drawer is
    /// copied into its storage and into the plan the daemon publishes, and copying the
    /// struct it was (its distribution, its policy and two arrays) took about 200
    /// instructions of reference counting each time; a reference takes one.
    final class Drawer: Sendable {
        let distribution: Distribution
        let readsPerRound: Int
        /// The policy the sleeps come from (``Storage/drawer(distribution:idle:readsPerRound:)``
        /// compares it).
        let idle: IdlePolicy
        /// The idle sleeps: the sleep after `n` empty rounds is `sleeps[min(n, count - 1)]`,
        /// as ``IdlePolicy/sleep(afterIdleRounds:)`` gives (held as an array so drawing a
        /// round reads it without switching on the policy).
        private let sleeps: [Duration]
        /// When the grid can be walked in nanoseconds (every sleep and every round trip a
        /// whole number of them: see ``IdleGrid/settleInNanoseconds``), what the walks read.
        let inNanoseconds: NanosecondWalk?
        /// How long stretches are crossed when idle rounds are approximated
        /// (``IdleRounds/approximate``); nil otherwise (every round drawn).
        let leap: IdleLeap?
        /// Whether the drawer was made for approximate idle rounds (it leaps where it can).
        let approximate: Bool

        init(distribution: Distribution, idle: IdlePolicy, readsPerRound: Int, approximate: Bool = false) {
            self.distribution = distribution
            self.readsPerRound = readsPerRound
            self.idle = idle
            self.approximate = approximate
            switch idle {
            case .flat(let sleep): sleeps = [sleep]
            case .backoff(let steps): sleeps = steps
            case .wakeOnEnqueue: sleeps = [.zero]
            }
            let exact = sleeps.compactMap(\.exactNanoseconds)
            if let sampler = distribution.wholeNanosecondSampler, exact.count == sleeps.count, !exact.isEmpty {
                let copy = UnsafeMutableBufferPointer<Int64>.allocate(capacity: exact.count)
                _ = copy.initialize(from: exact)
                inNanoseconds = NanosecondWalk(sleeps: UnsafeBufferPointer(copy), sampler: sampler,
                                               normals: Distribution.normalLayers)
            } else {
                inNanoseconds = nil
            }
            leap = approximate ? IdleLeap(distribution: distribution, sleep: sleeps[sleeps.count - 1],
                                          stationaryFrom: sleeps.count - 1, readsPerRound: readsPerRound) : nil
        }

        deinit { inNanoseconds?.sleeps.deallocate() }

        func sleep(afterIdleRounds idleRounds: Int) -> Duration { sleeps[min(idleRounds, sleeps.count - 1)] }

        /// The next round's start from `position`, without drawing.
        func nextStart(_ position: Position) -> Duration {
            position.lastRead.adding(sleep(afterIdleRounds: position.idleRounds))
        }

        /// Draws the next round from `position`: returns its start and calls `read(j, instant)`
        /// for each of its reads.
        @inline(__always)
        func draw(_ position: inout Position, _ read: (Int, Duration) -> Void = { _, _ in }) -> Duration {
            let start = nextStart(position)
            var at = start
            for index in 0..<readsPerRound {
                at = at.adding(distribution.sample(&position.stream))
                read(index, at)
            }
            position.lastRead = at
            position.idleRounds += 1
            return start
        }

        /// ``draw(_:_:)`` in whole nanoseconds, for a drawer whose ``inNanoseconds`` is `walk`:
        /// the round after a last read at `lastRead`, `idleRounds` empty rounds in.
        /// Returns its start and its last read's instant (its start if it has no read) and
        /// writes its reads' instants to `reads` (the same draws and instants), or nil if an
        /// instant would pass the range of `Int64` (`stream` has then drawn part of the round).
        /// Static, the drawer's `walk` and `readsPerRound` given by the walk, which reads them
        /// once: read from the drawer (a class) in the walk's loop, they were loaded again at
        /// every round, writes through `reads` being possible writes to the drawer.
        @inline(__always)
        static func drawInNanoseconds(after lastRead: Int64, idleRounds: Int, walk: NanosecondWalk,
                                      readsPerRound: Int, stream: inout RandomStream,
                                      into reads: UnsafeMutableBufferPointer<Int64>)
            -> (start: Int64, last: Int64)? {
            let (start, late) = lastRead.addingReportingOverflow(walk.sleep(afterIdleRounds: idleRounds))
            if late { return nil }
            var at = start
            for j in 0..<readsPerRound {
                let (next, overflow) = at.addingReportingOverflow(walk.sampler.sample(&stream, normals: walk.normals))
                if overflow { return nil }
                at = next
                reads[j] = at
            }
            return (start, at)
        }
    }

    /// What a walk in whole nanoseconds reads (``Drawer/inNanoseconds``): the idle sleeps in
    /// nanoseconds, the round trips as plain numbers and the normal table
    /// (``Distribution/normalLayers``). Plain values, copied out of the drawer by every walk
    /// without reference counting: the sleeps were an array, retained and released by each
    /// of the database's walks of a plan (several hundred thousand an hour of `cluster-day`);
    /// they are the drawer's own copy, made once and freed with it, and never written.
    struct NanosecondWalk: @unchecked Sendable {
        let sleeps: UnsafeBufferPointer<Int64>
        let sampler: WholeNanosecondSampler
        let normals: NormalLayers

        /// The sleep after `idleRounds` empty rounds (``Drawer/sleep(afterIdleRounds:)``).
        @inline(__always)
        func sleep(afterIdleRounds idleRounds: Int) -> Int64 { sleeps[min(idleRounds, sleeps.count - 1)] }
    }

    /// A round walked ahead of the first round not yet taken.
    struct Walked {
        let start: Duration
        /// The instant its last read begins: its start, or the end of the read before.
        let lastBegins: Duration
        /// The grid after it.
        let after: Position
    }

    /// At most this many rounds are kept ahead (with a 0.2 s sleep, about 3 s), and a walk
    /// goes no further (``Found/wakeAt``): the daemon wakes at the earliest instant its target
    /// could be and walks again from there. Kept small: a daemon is most often woken (and
    /// re-walks) before its target, near the start of its walk, and after a claim the rounds
    /// kept are dropped, so keeping a long walk costs more than it saves (measured on
    /// `cluster-day.yaml`). Walking on past them to a far stop drew each round again at every
    /// re-walk: on the 4-hour slice of `cluster-day.yaml` that was 3.8 M of the 15.2 M draws.
    static let keptAhead = 16

    let drawer: Drawer
    /// The first round not yet taken starts after this position.
    private(set) var base: Position
    /// The rounds after `base` already walked, in order, and their reads' instants
    /// (`readsPerRound` each, in order).
    private var ahead: Deque<Walked>
    private var aheadReads: Deque<Duration>

    /// The storage of the rounds kept ahead, handed from a daemon's grid to its next one
    /// (``handOver()``): a grid lives for one skipped stretch, and allocating and freeing the
    /// two deques every stretch (the rounds' over a kilobyte, past malloc's per-thread cache)
    /// was 1.8 % of a `cluster-day` hour's instructions. It is handed over empty, with its
    /// capacity.
    struct Storage {
        fileprivate var rounds = Deque<Walked>()
        fileprivate var reads = Deque<Duration>()
        /// The last grid's drawer: a daemon's round trips and idle policy do not change, and
        /// its request rarely does, so its next grid most often draws alike. Making a drawer
        /// (its sleeps, and each checked for whole nanoseconds) for every stretch was about
        /// 0.8 % of an hour of `cluster-day`.
        fileprivate var drawer: Drawer?
        /// The list a daemon's walks read the earliest visible rows into (``IdleClaims``),
        /// kept with its storage.
        var visible: [Duration?] = []

        init() {}

        /// A drawer of `distribution`, `idle` and `readsPerRound` (leaping if `approximate`):
        /// the last grid's if it is one, else a new one.
        func drawer(distribution: Distribution, idle: IdlePolicy, readsPerRound: Int, approximate: Bool = false) -> Drawer {
            if let drawer, drawer.readsPerRound == readsPerRound, drawer.distribution == distribution,
               drawer.idle == idle, drawer.approximate == approximate {
                return drawer
            }
            return Drawer(distribution: distribution, idle: idle, readsPerRound: readsPerRound, approximate: approximate)
        }
    }

    init(drawer: Drawer, base: Position, storage: Storage = Storage()) {
        self.drawer = drawer
        self.base = base
        // Empty (``handOver()`` empties it), and not mutated here: while the argument lives
        // the deques are shared, and a mutation now would copy them.
        ahead = storage.rounds
        aheadReads = storage.reads
    }

    /// Gives up the storage of the rounds kept ahead, emptied, for the daemon's next grid;
    /// this grid is left with none (its stretch is over).
    mutating func handOver() -> Storage {
        var storage = Storage()
        swap(&storage.rounds, &ahead)
        swap(&storage.reads, &aheadReads)
        storage.rounds.removeAll(keepingCapacity: true)
        storage.reads.removeAll(keepingCapacity: true)
        storage.drawer = drawer
        return storage
    }

    /// Rounds kept ahead of `base`.
    var walkedAhead: Int { ahead.count }

    /// The last read of the last round this grid has drawn and keeps (`base`'s if none): a
    /// leap of the database's walk starts after it (``IdlePlan``).
    var drawnTo: Duration { ahead.last?.after.lastRead ?? base.lastRead }

    /// What a walk found, in rounds after `base` (once the rounds wholly past are taken).
    struct Found {
        /// The first round starting at or after `stop`, if it comes no later than the target.
        var stopRound: (index: Int, start: Duration)?
        /// The first read at or after its threshold.
        var target: (round: Int, read: Int, at: Duration)?
        /// Neither was found within the rounds kept ahead: the walk stopped there rather than
        /// draw on to a stop or threshold further off (each round drawn past those kept is
        /// drawn again by the next walk). Nothing can happen before this instant (the earliest
        /// threshold or stop, later than the walk's `now`), so the daemon sleeps until it and
        /// walks again from there, where the rounds wholly past settle, each drawn once.
        var wakeAt: Duration?
    }

    /// Walks the grid from `base` to the first read that can see a row (`visible[j]` is read
    /// `j`'s threshold, at or after `now`) or the first round starting at or after `stop`,
    /// whichever comes first, through the rounds kept ahead and then drawing new ones (kept
    /// for the next walk), up to ``keptAhead`` rounds past those wholly before `now`: a walk
    /// that finds neither by then returns ``Found/wakeAt`` instead. The leading rounds wholly
    /// before `now` (and before both) are empty whatever happens next: `base` moves past them
    /// and `settled` sees each one's start. Returns what was found and how many rounds were
    /// settled.
    mutating func walk(visible: [Duration?], stop: Duration?, now: Duration,
                       settled: (Duration) -> Void) -> (found: Found, settled: Int) {
        var found = Found()
        guard visible.contains(where: { $0 != nil }) || stop != nil else { return (found, 0) }
        let perRound = drawer.readsPerRound
        var settledCount = 0
        // The rounds kept and wholly past (before `stop`, no read at its threshold): taken.
        // Instants here are compared by attoseconds (inlined), not through `Duration`'s `<`
        // (a call into the standard library, 430,000 an hour in this walk).
        while let first = ahead.first, first.after.lastRead.attoseconds < now.attoseconds,
              !(stop.map { first.start.attoseconds >= $0.attoseconds } ?? false),
              !(0..<perRound).contains(where: { j in
                  visible[j].map { aheadReads[j].attoseconds >= $0.attoseconds } ?? false
              }) {
            ahead.removeFirst()
            aheadReads.removeFirst(perRound)
            base = first.after
            settled(first.start)
            settledCount += 1
        }
        // The first round kept that starts at or after `stop` or has a read at or after its
        // threshold: starts and each read's instants grow from round to round, so it is the
        // first of the partition points.
        var first = ahead.count
        if let stop { first = partitionPoint(first) { ahead[$0].start >= stop } }
        for j in 0..<perRound {
            guard let threshold = visible[j] else { continue }
            first = partitionPoint(first) { aheadReads[$0 * perRound + j] >= threshold }
        }
        if first < ahead.count {
            let walked = ahead[first]
            if let stop, walked.start >= stop {
                found.stopRound = (first, walked.start)
            } else if let j = (0..<perRound).first(where: { j in
                visible[j].map { aheadReads[first * perRound + j] >= $0 } ?? false
            }) {
                found.target = (first, j, aheadReads[first * perRound + j])
            }
            return (found, settledCount)
        }
        // Past the rounds kept: draw (and keep) the next ones, up to `keptAhead` of them.
        // The earliest instant a target or stop round can have: no read before its threshold
        // sees a row, no round before `stop` is the stop round.
        var earliest = stop
        for case let threshold? in visible where earliest.map({ threshold < $0 }) ?? true { earliest = threshold }
        withUnsafeTemporaryAllocation(of: Duration.self, capacity: perRound) { reads in
            var index = ahead.count
            var position = ahead.last?.after ?? base
            var settling = ahead.isEmpty
            var triedNanoseconds = false
            while true {
                var hit: (read: Int, at: Duration)?
                let start: Duration
                if settling && !triedNanoseconds,
                   let first = settleInNanoseconds(visible: visible, stop: stop, now: now, reads: reads,
                                                   settled: settled, count: &settledCount) {
                    // The rounds wholly past were taken; this one, drawn, is not wholly past.
                    triedNanoseconds = true
                    start = first.start
                    position = first.after
                    for j in 0..<perRound where hit == nil {
                        if let threshold = visible[j], reads[j].attoseconds >= threshold.attoseconds { hit = (j, reads[j]) }
                    }
                } else {
                    // (The walk in nanoseconds does not apply, or stopped short of an overflow
                    // with `base` after the last round it took.)
                    if settling && !triedNanoseconds { position = base }
                    triedNanoseconds = true
                    start = drawer.draw(&position) { j, at in
                        reads[j] = at
                        if hit == nil, let threshold = visible[j], at.attoseconds >= threshold.attoseconds { hit = (j, at) }
                    }
                }
                if let stop, start.attoseconds >= stop.attoseconds {
                    keep(index, start: start, reads: reads, after: position)
                    found.stopRound = (index, start)
                    return
                }
                if let hit {
                    keep(index, start: start, reads: reads, after: position)
                    found.target = (index, hit.read, hit.at)
                    return
                }
                if settling && position.lastRead.attoseconds < now.attoseconds {
                    base = position
                    settled(start)
                    settledCount += 1
                } else {
                    settling = false
                    keep(index, start: start, reads: reads, after: position)
                    index += 1
                    if index >= Self.keptAhead, let bound = earliest, bound > now {
                        found.wakeAt = bound
                        return
                    }
                }
            }
        }
        return (found, settledCount)
    }

    /// The first index in `0..<end` where `isPast` holds, given that it holds from there on.
    private func partitionPoint(_ end: Int, _ isPast: (Int) -> Bool) -> Int {
        var low = 0, high = end
        while low < high {
            let middle = (low + high) / 2
            if isPast(middle) { high = middle } else { low = middle + 1 }
        }
        return low
    }

    /// The leading rounds wholly past, from `base` with nothing kept ahead, drawn and checked
    /// in whole nanoseconds (no `Duration` arithmetic): the same draws, instants and checks as
    /// ``walk(visible:stop:now:settled:)``'s, in the same order. `base` moves past each round
    /// taken (`settled` sees its start, `count` counts it). Returns the first round that is not
    /// wholly past (or that starts at or after `stop`, or whose read reaches its threshold):
    /// its start, the position after it, and its reads' instants in `reads`. Returns nil when
    /// the grid is not walked in nanoseconds (a duration not whole, or an instant past the
    /// range of `Int64`): `base` is then after the last round taken.
    private mutating func settleInNanoseconds(visible: [Duration?], stop: Duration?, now: Duration,
                                              reads: UnsafeMutableBufferPointer<Duration>,
                                              settled: (Duration) -> Void, count: inout Int)
        -> (start: Duration, after: Position)? {
        guard ahead.isEmpty, let walk = drawer.inNanoseconds, let nowNs = now.exactNanoseconds,
              var lastRead = base.lastRead.exactNanoseconds else { return nil }
        var stopNs = Int64.max
        var stops = false
        if let stop {
            guard let exact = stop.exactNanoseconds else { return nil }
            stopNs = exact
            stops = true
        }
        let perRound = drawer.readsPerRound
        // Which reads look (a bit each), and their thresholds.
        guard perRound <= 64 else { return nil }
        var looks: UInt64 = 0
        for j in 0..<perRound where visible[j] != nil { looks |= 1 << UInt64(j) }
        var stream = base.stream
        var idleRounds = base.idleRounds
        return withUnsafeTemporaryAllocation(of: Int64.self, capacity: 2 * perRound) { buffer in
            let thresholds = UnsafeMutableBufferPointer(rebasing: buffer[0..<perRound])
            let instants = UnsafeMutableBufferPointer(rebasing: buffer[perRound...])
            for j in 0..<perRound {
                thresholds[j] = 0
                guard let threshold = visible[j] else { continue }
                guard let exact = threshold.exactNanoseconds else { return nil }
                thresholds[j] = exact
            }
            while true {
                guard let (start, at) = Drawer.drawInNanoseconds(after: lastRead, idleRounds: idleRounds, walk: walk,
                                                                 readsPerRound: perRound, stream: &stream,
                                                                 into: instants)
                else { return nil }
                let hit = (0..<perRound).contains { j in looks & (1 << UInt64(j)) != 0 && instants[j] >= thresholds[j] }
                let after = Position(stream: stream, lastRead: .nanoseconds(at), idleRounds: idleRounds + 1)
                if (stops && start >= stopNs) || hit || at >= nowNs {
                    for j in 0..<perRound { reads[j] = .nanoseconds(instants[j]) }
                    return (.nanoseconds(start), after)
                }
                base = after
                settled(.nanoseconds(start))
                count += 1
                lastRead = at
                idleRounds += 1
            }
        }
    }

    /// Keeps round `index`, just drawn, if it follows the rounds kept and there is room.
    private mutating func keep(_ index: Int, start: Duration, reads: UnsafeMutableBufferPointer<Duration>,
                               after position: Position) {
        guard index == ahead.count && ahead.count < Self.keptAhead else { return }
        let perRound = drawer.readsPerRound
        if ahead.isEmpty {
            // Room for all at once: no growth while a walk keeps its rounds.
            ahead.reserveCapacity(Self.keptAhead)
            aheadReads.reserveCapacity(Self.keptAhead * perRound)
        }
        // One by one: a round has a few reads, and appending them as a collection copied
        // them with a call to `memcpy` (about 270,000 an hour of `cluster-day`).
        for j in 0..<perRound { aheadReads.append(reads[j]) }
        ahead.append(Walked(start: start, lastBegins: perRound == 1 ? start : reads[perRound - 2], after: position))
    }

    /// Takes the first round after `base` (already walked or not) as skipped: `base` moves
    /// past it. Returns its start.
    mutating func advance() -> Duration {
        if let walked = ahead.popFirst() {
            aheadReads.removeFirst(drawer.readsPerRound)
            base = walked.after
            return walked.start
        }
        return drawer.draw(&base)
    }

    /// Takes as skipped, without drawing them, the rounds from `base` up to `position`, a
    /// later position of the same grid (another walk's, ``IdlePlan/passed``); the rounds
    /// kept ahead up to there are dropped, the rest stay. Returns how many rounds were taken
    /// (none if `position` is not past `base`). The caller checks that they were all empty.
    mutating func take(upTo position: Position) -> Int {
        let rounds = position.idleRounds - base.idleRounds
        guard rounds > 0 else { return 0 }
        let dropped = min(rounds, ahead.count)
        ahead.removeFirst(dropped)
        aheadReads.removeFirst(dropped * drawer.readsPerRound)
        base = position
        return rounds
    }

    /// Forgets the rounds walked ahead and moves `base` to `position` (a round was taken).
    mutating func restart(at position: Position) {
        ahead.removeAll(keepingCapacity: true)
        aheadReads.removeAll(keepingCapacity: true)
        base = position
    }

    /// The number of reads whose round trip had begun by `now`, counting from `base`; how
    /// many of them had also ended by then (their statement ran: a read still in flight when
    /// the run ends has paid its round trip but made no claim); and the stream once those
    /// round trips are drawn.
    func begun(by now: Duration) -> (claims: Int, ended: Int, stream: RandomStream) {
        let perRound = drawer.readsPerRound
        var claims = 0
        var ended = 0
        var position = base
        // Rounds walked ahead and wholly begun: their reads are counted without drawing.
        for (index, walked) in ahead.enumerated() {
            guard walked.lastBegins <= now else { break }
            claims += perRound
            for read in 0..<perRound where aheadReads[index * perRound + read] <= now { ended += 1 }
            position = walked.after
        }
        if let rest = begunInNanoseconds(from: position, by: now) {
            return (claims + rest.claims, ended + rest.ended, rest.stream)
        }
        var stream = position.stream
        var lastRead = position.lastRead
        var idleRounds = position.idleRounds
        var leap = drawer.leap
        while true {
            // Approximate rounds, as in ``begunInNanoseconds``.
            if let leaping = leap, idleRounds >= leaping.stationaryFrom {
                leap = nil
                let rounds = leaping.leap(lastRead: &lastRead, idleRounds: &idleRounds, stream: &stream, before: now)
                claims += rounds * perRound
                ended += rounds * perRound
            }
            var begun = lastRead + drawer.sleep(afterIdleRounds: idleRounds)
            guard begun <= now else { break }
            for _ in 0..<perRound {
                guard begun <= now else { break }
                claims += 1
                begun += drawer.distribution.sample(&stream)
                if begun <= now { ended += 1 }
            }
            lastRead = begun
            idleRounds += 1
        }
        // `stream` has drawn exactly the round trips counted.
        return (claims, ended, stream)
    }

    /// ``begun(by:)`` from `position`, in whole nanoseconds (the same draws and instants), or
    /// nil when the grid is not walked in nanoseconds (see ``settleInNanoseconds``).
    private func begunInNanoseconds(from position: Position, by now: Duration)
        -> (claims: Int, ended: Int, stream: RandomStream)? {
        guard let walk = drawer.inNanoseconds, let nowNs = now.exactNanoseconds,
              var lastRead = position.lastRead.exactNanoseconds else { return nil }
        let perRound = drawer.readsPerRound
        var stream = position.stream
        var idleRounds = position.idleRounds
        var claims = 0
        var ended = 0
        // Approximate rounds: the stretch up to near `now` in one step once past the back-off
        // (its reads all ended before `now`); the run is over, so no other walk follows this one.
        var leap = drawer.leap
        while true {
            if let leaping = leap, idleRounds >= leaping.stationaryFrom {
                leap = nil
                let rounds = leaping.leap(lastRead: &lastRead, idleRounds: &idleRounds, stream: &stream, before: nowNs)
                claims += rounds * perRound
                ended += rounds * perRound
            }
            var (begun, late) = lastRead.addingReportingOverflow(walk.sleep(afterIdleRounds: idleRounds))
            if late { return nil }
            guard begun <= nowNs else { break }
            for _ in 0..<perRound {
                guard begun <= nowNs else { break }
                claims += 1
                let (next, overflow) = begun.addingReportingOverflow(walk.sampler.sample(&stream, normals: walk.normals))
                if overflow { return nil }
                begun = next
                if begun <= nowNs { ended += 1 }
            }
            lastRead = begun
            idleRounds += 1
        }
        return (claims, ended, stream)
    }
}
