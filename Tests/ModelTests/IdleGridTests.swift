@testable import Model
import Sim
import Testing

/// The polling grid a skipping daemon walks (``IdleGrid``) gives the rounds, reads, counts
/// and stream a plain walk gives: one that draws every round again from the first round not
/// yet taken, in `Duration` arithmetic (what ``IdleClaims`` did before its walks were kept
/// and drawn in nanoseconds). The driver replays what a daemon does: walks at later and later
/// instants with rows appearing (thresholds) and stops, rounds taken up to a target, rounds
/// another walk passed taken at once, a round claimed, and the count at the end of the run.
@Suite struct IdleGridTests {
    /// The plain walk: draws from `base` every time.
    struct PlainGrid {
        var base: IdleGrid.Position
        let distribution: Distribution
        let idle: IdlePolicy
        let readsPerRound: Int

        func next(_ position: inout IdleGrid.Position, _ read: (Int, Duration) -> Void = { _, _ in }) -> Duration {
            let start = position.lastRead + idle.sleep(afterIdleRounds: position.idleRounds)
            var at = start
            for index in 0..<readsPerRound {
                at += distribution.sample(&position.stream)
                read(index, at)
            }
            position.lastRead = at
            position.idleRounds += 1
            return start
        }

        /// The walk of `IdleClaims.plan` before: settled rounds, then the stop or target round.
        mutating func walk(visible: [Duration?], stop: Duration?, now: Duration,
                           settled: (Duration) -> Void) -> (found: IdleGrid.Found, settled: Int) {
            var found = IdleGrid.Found()
            guard visible.contains(where: { $0 != nil }) || stop != nil else { return (found, 0) }
            var position = base
            var index = 0
            var settledCount = 0
            var settling = true
            var starts: [Duration] = []
            while true {
                var hit: (Int, Duration)?
                let start = next(&position) { read, at in
                    if hit == nil, let threshold = visible[read], at >= threshold { hit = (read, at) }
                }
                if let stop, start >= stop {
                    found.stopRound = (index, start)
                    break
                }
                if let hit {
                    found.target = (index, hit.0, hit.1)
                    break
                }
                if settling && position.lastRead < now {
                    settledCount += 1
                    starts.append(start)
                } else {
                    settling = false
                }
                index += 1
            }
            // The settled rounds are drawn again to be taken (as `consume` did).
            for _ in 0..<settledCount { settled(next(&base)) }
            if let stopRound = found.stopRound { found.stopRound = (stopRound.index - settledCount, stopRound.start) }
            if let target = found.target { found.target = (target.round - settledCount, target.read, target.at) }
            return (found, settledCount)
        }

        func begun(by now: Duration) -> (claims: Int, ended: Int, stream: RandomStream) {
            var claims = 0
            var ended = 0
            var stream = base.stream
            var lastRead = base.lastRead
            var idleRounds = base.idleRounds
            while true {
                var begun = lastRead + idle.sleep(afterIdleRounds: idleRounds)
                guard begun <= now else { break }
                for _ in 0..<readsPerRound {
                    guard begun <= now else { break }
                    claims += 1
                    begun += distribution.sample(&stream)
                    if begun <= now { ended += 1 }
                }
                lastRead = begun
                idleRounds += 1
            }
            return (claims, ended, stream)
        }
    }

    static func sameStream(_ a: RandomStream, _ b: RandomStream) -> Bool {
        var a = a, b = b
        return (0..<4).allSatisfy { _ in a.next() == b.next() }
    }

    static func samePosition(_ a: IdleGrid.Position, _ b: IdleGrid.Position) -> Bool {
        a.lastRead == b.lastRead && a.idleRounds == b.idleRounds && sameStream(a.stream, b.stream)
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let distribution: Distribution
        let idle: IdlePolicy
        let readsPerRound: Int
        /// Sub-nanosecond attoseconds in the starting instant: the walk then keeps to
        /// `Duration` arithmetic (no walk in nanoseconds).
        let attoseconds: Int64
        var testDescription: String { "\(distribution), \(idle), \(readsPerRound) reads, +\(attoseconds) as" }
    }

    static let lognormal = Distribution.lognormal(median: .milliseconds(1), p99: .milliseconds(10))
    static let cases: [Case] = [
        Case(distribution: lognormal, idle: .flat(.milliseconds(200)), readsPerRound: 1, attoseconds: 0),
        Case(distribution: lognormal, idle: .flat(.milliseconds(200)), readsPerRound: 7, attoseconds: 0),
        Case(distribution: lognormal, idle: .backoff([.milliseconds(200), .milliseconds(400), .seconds(1), .seconds(2)]),
             readsPerRound: 1, attoseconds: 0),
        Case(distribution: .exponential(mean: .milliseconds(3)), idle: .backoff([.milliseconds(200), .seconds(2)]),
             readsPerRound: 5, attoseconds: 0),
        Case(distribution: .uniform(.milliseconds(1), .milliseconds(5)), idle: .flat(.milliseconds(200)),
             readsPerRound: 3, attoseconds: 0),
        Case(distribution: lognormal, idle: .flat(.milliseconds(200)), readsPerRound: 4, attoseconds: 7),
    ]

    /// Walks at later and later instants (seconds to minutes apart, thresholds and stops up
    /// to a few seconds ahead, every fifth walk's up to a minute), taking rounds up to half the targets and stops found and
    /// claiming there, then counts the reads begun at the end: every walk's result, every
    /// round taken and the final count and stream match the plain walk's.
    @Test(arguments: cases)
    func theKeptWalkGivesThePlainWalksRounds(_ test: Case) {
        let start = IdleGrid.Position(stream: RandomStream(seed: 21).derived("connection"),
                                      lastRead: Duration(secondsComponent: 3, attosecondsComponent: test.attoseconds),
                                      idleRounds: 0)
        var grid = IdleGrid(drawer: IdleGrid.Drawer(distribution: test.distribution, idle: test.idle,
                                                    readsPerRound: test.readsPerRound), base: start)
        var plain = PlainGrid(base: start, distribution: test.distribution, idle: test.idle,
                              readsPerRound: test.readsPerRound)
        var driver = RandomStream(seed: 5).derived("driver")
        var now = start.lastRead
        var walksWithTargets = 0
        var roundsKeptAhead = 0
        var roundsTakenPastKept = 0
        var walksStoppedShort = 0
        for step in 0..<400 {
            now += .milliseconds(Int64(driver.next() % (step % 10 == 0 ? 600_000 : 4_000)))
            // Every fifth walk's thresholds and stop may be far enough ahead (up to a minute)
            // for the walk to stop short.
            let far = step % 5 == 1
            let visible: [Duration?] = (0..<test.readsPerRound).map { _ in
                driver.next() % 3 == 0 ? now + .milliseconds(Int64(driver.next() % (far ? 60_000 : 3_000))) : nil
            }
            let stopRange: UInt64 = far ? 60_000 : 5_000
            let stop: Duration? = driver.next() % 4 == 0 ? now + .milliseconds(Int64(driver.next() % stopRange)) - .seconds(1)
                                                         : nil
            var keptStarts: [Duration] = [], plainStarts: [Duration] = []
            let kept = grid.walk(visible: visible, stop: stop, now: now) { keptStarts.append($0) }
            let expected = plain.walk(visible: visible, stop: stop, now: now) { plainStarts.append($0) }
            #expect(kept.settled == expected.settled, "step \(step)")
            #expect(keptStarts == plainStarts, "step \(step)")
            if let wakeAt = kept.found.wakeAt {
                // Stopped short: the plain walk's stop round or target lies more rounds ahead
                // than are kept, at or after the instant the daemon wakes to walk again, which
                // is later than now.
                #expect(kept.found.stopRound == nil && kept.found.target == nil, "step \(step)")
                #expect(wakeAt > now, "step \(step)")
                let round = expected.found.stopRound?.index ?? expected.found.target?.round ?? -1
                let at = expected.found.stopRound?.start ?? expected.found.target?.at ?? .zero
                #expect(round >= IdleGrid.keptAhead && at >= wakeAt, "step \(step): round \(round) at \(at), wake \(wakeAt)")
                walksStoppedShort += 1
            } else {
                #expect(kept.found.stopRound?.index == expected.found.stopRound?.index, "step \(step)")
                #expect(kept.found.stopRound?.start == expected.found.stopRound?.start, "step \(step)")
                #expect(kept.found.target?.round == expected.found.target?.round, "step \(step)")
                #expect(kept.found.target?.read == expected.found.target?.read, "step \(step)")
                #expect(kept.found.target?.at == expected.found.target?.at, "step \(step)")
            }
            #expect(Self.samePosition(grid.base, plain.base), "step \(step)")
            roundsKeptAhead = max(roundsKeptAhead, grid.walkedAhead)
            if kept.found.target != nil { walksWithTargets += 1 }
            // Now and then another walk of the grid (the database's, `IdlePlan`) has passed
            // some rounds: they are taken without drawing, kept rounds up to there dropped.
            if step % 7 == 3 {
                var passed = plain.base
                let rounds = Int(driver.next() % 40)
                for _ in 0..<rounds { _ = plain.next(&passed) }
                let ahead = grid.walkedAhead
                #expect(grid.take(upTo: passed) == rounds, "step \(step)")
                #expect(grid.walkedAhead == max(0, ahead - rounds), "step \(step)")
                #expect(grid.take(upTo: plain.base) == 0, "step \(step)")
                if rounds > 0 && ahead > rounds { roundsTakenPastKept += 1 }
                plain.base = passed
                now = max(now, passed.lastRead)
                #expect(Self.samePosition(grid.base, plain.base), "step \(step)")
                continue
            }
            // Half the time the deadline comes: the rounds before the found one are taken.
            guard driver.next() % 2 == 0 else { continue }
            let rounds = kept.found.stopRound?.index ?? kept.found.target?.round ?? 0
            for _ in 0..<rounds {
                let taken = grid.advance()
                #expect(taken == plain.next(&plain.base), "step \(step)")
            }
            #expect(Self.samePosition(grid.base, plain.base), "step \(step)")
            if let target = kept.found.target {
                // The round is claimed: the daemon goes on from its last read.
                var stream = grid.base.stream
                for _ in 0...target.read { _ = test.distribution.sample(&stream) }
                let after = IdleGrid.Position(stream: stream, lastRead: target.at + .milliseconds(2),
                                              idleRounds: grid.base.idleRounds + 1)
                grid.restart(at: after)
                plain.base = after
                now = max(now, after.lastRead)
            }
        }
        // The test walked ahead and found targets (else it would check little).
        #expect(walksWithTargets > 50)
        #expect(roundsKeptAhead > 0)
        #expect(roundsTakenPastKept > 0)
        #expect(walksStoppedShort > 0)
        for ahead in [Duration.zero, .milliseconds(1), .seconds(3), .seconds(700)] {
            let kept = grid.begun(by: now + ahead)
            let expected = plain.begun(by: now + ahead)
            #expect(kept.claims == expected.claims)
            #expect(kept.ended == expected.ended)
            #expect(Self.sameStream(kept.stream, expected.stream))
        }
    }

    /// A grid's storage hands its drawer to the next grid when the next draws alike (the
    /// same round trips, idle policy and reads a round), and makes a new one when any of the
    /// three differs: a stale drawer would draw another daemon's sleeps or reads.
    @Test func theStorageKeepsTheDrawerOnlyForTheSameRounds() {
        let idle = IdlePolicy.backoff([.milliseconds(200), .seconds(2)])
        let position = IdleGrid.Position(stream: RandomStream(seed: 4), lastRead: .seconds(1), idleRounds: 0)
        let first = IdleGrid.Storage().drawer(distribution: Self.lognormal, idle: idle, readsPerRound: 2)
        var grid = IdleGrid(drawer: first, base: position)
        let storage = grid.handOver()
        #expect(storage.drawer(distribution: Self.lognormal, idle: idle, readsPerRound: 2) === first)
        let others = [
            storage.drawer(distribution: Self.lognormal, idle: idle, readsPerRound: 3),
            storage.drawer(distribution: .exponential(mean: .milliseconds(1)), idle: idle, readsPerRound: 2),
            storage.drawer(distribution: Self.lognormal, idle: .flat(.milliseconds(200)), readsPerRound: 2),
        ]
        for other in others { #expect(other !== first) }
        #expect(others.map(\.readsPerRound) == [3, 2, 2])
        #expect(others[1].distribution == .exponential(mean: .milliseconds(1)))
        #expect(others[2].idle == .flat(.milliseconds(200)))
    }
}
