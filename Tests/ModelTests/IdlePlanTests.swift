@testable import Model
import Sim
import Testing

/// A published plan (``IdlePlan``) answers the database's question, the daemon's first read of
/// a queue at or after a row's visible instant (or none, when it has none before the bound),
/// as a plain walk of the same grid does (every round drawn from the start, in `Duration`
/// arithmetic: `IdleGridTests.PlainGrid`), and moves its cursor only past rounds wholly
/// before `now`: whatever bounds cut its walks short, later answers and the rounds it has
/// passed stay those of the plain walk.
@Suite struct IdlePlanTests {
    static let watched = QueueName(.node(.n1), .network, .background)
    static let other = QueueName(.node(.n1), .network, .userFacing)

    /// The grid's rounds in order, drawn from `base` by the plain walk of `IdleGridTests`:
    /// (start, reads' instants).
    static func plainRounds(_ plain: IdleGridTests.PlainGrid, until end: Duration) -> [(start: Duration, reads: [Duration])] {
        var position = plain.base
        var rounds: [(start: Duration, reads: [Duration])] = []
        while position.lastRead < end {
            var reads: [Duration] = []
            let start = plain.next(&position) { _, at in reads.append(at) }
            rounds.append((start, reads))
        }
        return rounds
    }

    /// Queries at instants 5-80 ms apart, each asked as the database may ask (no bound, a
    /// bound 1 ns after the answer, a bound at the answer) on three plans of the same grid,
    /// and on a fourth with a bound 1 us after the row's visible instant; each plan's answers
    /// are compared with the plain walk's. A bound at or before the next round's start
    /// answers none without drawing: the test fails if that shortcut ever answers none where
    /// the plain walk reads before the bound, or if skipping the draws changes a later answer.
    @Test(arguments: [
        (IdlePolicy.flat(.milliseconds(200)), [[watched]]),
        (IdlePolicy.backoff([.milliseconds(200), .milliseconds(500), .seconds(2)]), [[other], [watched, other]]),
    ])
    func answersAsThePlainWalkWhateverTheBound(idle: IdlePolicy, reads: [[QueueName]]) throws {
        let drawer = IdleGrid.Drawer(distribution: IdleGridTests.lognormal, idle: idle, readsPerRound: reads.count)
        let base = IdleGrid.Position(stream: RandomStream(seed: 11), lastRead: .seconds(1), idleRounds: 0)
        let plain = IdleGridTests.PlainGrid(base: base, distribution: IdleGridTests.lognormal, idle: idle,
                                            readsPerRound: reads.count)
        let rounds = Self.plainRounds(plain, until: .seconds(40))
        let looks = reads.map { $0.contains(Self.watched) }
        /// The plain answer: the first read of the watched queue at or after `visible`.
        func plainFirst(atOrAfter visible: Duration) -> Duration? {
            for round in rounds {
                for (index, at) in round.reads.enumerated() where looks[index] && at >= visible { return at }
            }
            return nil
        }
        var plans = (0..<3).map { _ in IdlePlan(drawer: drawer, reads: reads, base: base, starts: nil, drawnTo: base.lastRead) }
        var tight = plans[0]
        var random = RandomStream(seed: 3)
        var now = Duration.seconds(1)
        var asked = 0
        var none = 0
        while now < .seconds(30) {
            now += .milliseconds(5 + Int64(random.next() % 76))
            let visible = now + .milliseconds(Int64(random.next() % 3))
            let expected = plainFirst(atOrAfter: visible)
            #expect(plans[0].firstRead(of: Self.watched, atOrAfter: visible, now: now, before: nil) == expected)
            if let expected {
                // Just after the answer: the answer; at it, the answer or none (a read at or
                // after the bound cannot be the first: the database compares it again).
                #expect(plans[1].firstRead(of: Self.watched, atOrAfter: visible, now: now,
                                           before: expected + .nanoseconds(1)) == expected)
                let atBound = plans[2].firstRead(of: Self.watched, atOrAfter: visible, now: now, before: expected)
                #expect(atBound == nil || atBound == expected)
            }
            // A bound just after `visible`: the answer if it comes before it, else the answer
            // or none (most often none, the walk cut short where the next round starts after
            // the bound).
            let bound = visible + .microseconds(1)
            let answer = tight.firstRead(of: Self.watched, atOrAfter: visible, now: now, before: bound)
            if let expected, expected < bound {
                #expect(answer == expected)
            } else {
                #expect(answer == nil || answer == expected)
            }
            if answer == nil { none += 1 }
            asked += 1
        }
        // The walks a bound cut short left their rounds undrawn, not skipped: every plan has
        // passed only rounds wholly before the last `now`, in the plain walk's order and stream.
        plans.append(tight)
        for plan in plans {
            let passed = try #require(plan.passed(before: .seconds(1 << 40))).position
            let index = passed.idleRounds
            #expect(index <= rounds.count)
            if index > 0 { #expect(rounds[index - 1].reads.last! < now) }
            var replay = base
            for _ in 0..<index { _ = plain.next(&replay) }
            #expect(replay.lastRead == passed.lastRead)
            #expect(IdleGridTests.sameStream(replay.stream, passed.stream))
        }
        #expect(asked > 300)
        #expect(none > asked / 2)
    }
}
