@testable import Model
import Sim
import Testing

/// A leap (``IdleLeap``, approximate idle rounds) draws the end of `n` idle rounds from the law
/// of their sum: compared here with the same `n` rounds drawn one by one (``IdleGrid/Drawer``),
/// on 1,000 streams each, by the standardised difference of the means, the ratio of the
/// variances and the two-sample Kolmogorov-Smirnov distance. The exact rounds also check the
/// moments the leap is built from (``WholeNanosecondSampler/momentsInNanoseconds``).
///
/// Tolerances: means within 4 standard errors (a false alarm about 1 in 15,000); variances
/// within a ratio of 0.8 to 1.25 (the log of the ratio of two variances of 1,000 has a
/// standard deviation of about 0.065 for a sum this close to normal, so about 3.5 of them);
/// Kolmogorov-Smirnov below 1.95 * sqrt(2 / 1000) = 0.087, its critical value at 0.001. A
/// leap without its normal (the mean alone), or with the deviation of one round trip short
/// (a round's reads miscounted), fails the variance ratio; one without the sleep, the means.
@Suite struct IdleLeapTests {
    static let lognormal = Distribution.lognormal(median: .milliseconds(1), p99: .milliseconds(10))

    struct Case: CustomTestStringConvertible, Sendable {
        let distribution: Distribution
        let idle: IdlePolicy
        let readsPerRound: Int
        var testDescription: String { "\(distribution), \(idle), \(readsPerRound) reads" }
    }

    static let cases: [Case] = [
        Case(distribution: lognormal, idle: .flat(.milliseconds(200)), readsPerRound: 1),
        Case(distribution: lognormal, idle: .backoff([.milliseconds(200), .milliseconds(400), .seconds(2)]),
             readsPerRound: 3),
        Case(distribution: .exponential(mean: .milliseconds(5)), idle: .flat(.milliseconds(100)), readsPerRound: 2),
    ]

    static let samples = 1_000

    /// The largest distance between the empirical distribution functions of `a` and `b`.
    static func kolmogorovSmirnov(_ a: [Int64], _ b: [Int64]) -> Double {
        let a = a.sorted(), b = b.sorted()
        var i = 0, j = 0, distance = 0.0
        while i < a.count && j < b.count {
            let value = min(a[i], b[j])
            while i < a.count && a[i] == value { i += 1 }
            while j < b.count && b[j] == value { j += 1 }
            distance = max(distance, abs(Double(i) / Double(a.count) - Double(j) / Double(b.count)))
        }
        return distance
    }

    static func meanAndVariance(_ values: [Int64], around origin: Int64) -> (mean: Double, variance: Double) {
        let shifted = values.map { Double($0 - origin) }
        let mean = shifted.reduce(0, +) / Double(shifted.count)
        let variance = shifted.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(shifted.count - 1)
        return (mean, variance)
    }

    @Test(arguments: cases)
    func aLeapDrawsTheLawOfTheSumOfItsRounds(test: Case) throws {
        let drawer = IdleGrid.Drawer(distribution: test.distribution, idle: test.idle,
                                     readsPerRound: test.readsPerRound, approximate: true)
        let leap = try #require(drawer.leap)
        let start: Int64 = 5_000_000_000
        let stationary = leap.stationaryFrom
        // A limit about 3,000 rounds ahead: every leap crosses the same number of rounds.
        let limit = start + Int64(3_000 * leap.mean)
        var leapt: [Int64] = []
        var exact: [Int64] = []
        var crossed: Int?
        let root = RandomStream(seed: 77)
        for sample in 0..<Self.samples {
            var lastRead = start
            var idleRounds = stationary
            var stream = root.derived(UInt64(sample))
            let rounds = leap.leap(lastRead: &lastRead, idleRounds: &idleRounds, stream: &stream, before: limit)
            #expect(rounds > 0 && rounds == crossed ?? rounds)
            crossed = rounds
            #expect(idleRounds == stationary + rounds)
            // The end leaves the margin's rounds to the exact walk.
            #expect(Double(limit - lastRead) > IdleLeap.marginRounds * leap.mean / 2)
            leapt.append(lastRead)
            var position = IdleGrid.Position(stream: root.derived(UInt64(Self.samples + sample)),
                                             lastRead: .nanoseconds(start), idleRounds: stationary)
            for _ in 0..<rounds { _ = drawer.draw(&position) }
            exact.append(try #require(position.lastRead.exactNanoseconds))
        }
        let rounds = Double(try #require(crossed))
        let sumDeviation = leap.deviation * rounds.squareRoot()
        let standardError = sumDeviation / Double(Self.samples).squareRoot()
        let (exactMean, exactVariance) = Self.meanAndVariance(exact, around: start)
        let (leapMean, leapVariance) = Self.meanAndVariance(leapt, around: start)
        // The moments the leap is built from describe the exact rounds...
        #expect(abs(exactMean - rounds * leap.mean) < 4 * standardError,
                "exact mean \(exactMean), expected \(rounds * leap.mean) +- \(4 * standardError)")
        #expect((0.8...1.25).contains(exactVariance / (sumDeviation * sumDeviation)))
        // ...and the leaps are drawn as the exact rounds are.
        #expect(abs(leapMean - exactMean) < 4 * standardError * 2.0.squareRoot(),
                "leap mean \(leapMean), exact \(exactMean)")
        #expect((0.8...1.25).contains(leapVariance / exactVariance), "variance ratio \(leapVariance / exactVariance)")
        let distance = Self.kolmogorovSmirnov(leapt, exact)
        #expect(distance < 1.95 * (2.0 / Double(Self.samples)).squareRoot(), "Kolmogorov-Smirnov \(distance)")
    }

    /// No leap (nothing drawn) while the back-off still grows, or when fewer than its fewest
    /// rounds fit before the limit; an exact drawer has none.
    @Test func aLeapNeedsTheBackOffPastAndRoomEnough() throws {
        let idle = IdlePolicy.backoff([.milliseconds(200), .seconds(2)])
        #expect(IdleGrid.Drawer(distribution: Self.lognormal, idle: idle, readsPerRound: 1).leap == nil)
        let leap = try #require(IdleGrid.Drawer(distribution: Self.lognormal, idle: idle, readsPerRound: 1,
                                                approximate: true).leap)
        #expect(leap.stationaryFrom == 1)
        #expect(leap.minimumRounds == 2048)
        let far = Int64(10_000 * leap.mean)
        let near = Int64((leap.minimumRounds - 1) * leap.mean)
        for (idleRounds, limit) in [(0, far), (1, near)] {
            var lastRead: Int64 = 0
            var rounds = idleRounds
            var stream = RandomStream(seed: 3)
            #expect(leap.leap(lastRead: &lastRead, idleRounds: &rounds, stream: &stream, before: limit) == 0)
            #expect(lastRead == 0 && rounds == idleRounds)
            #expect(IdleGridTests.sameStream(stream, RandomStream(seed: 3)))
        }
    }

    /// A heavy-tailed round trip needs more rounds before its sum is near normal: with
    /// p99 / median = 100 (sigma 1.98, skewness 367.6) the fewest rounds are
    /// (367.6 / 0.2)^2, about 3.4 million.
    @Test func aHeavierTailNeedsLongerLeaps() throws {
        let heavy = Distribution.lognormal(median: .milliseconds(1), p99: .milliseconds(100))
        let leap = try #require(IdleGrid.Drawer(distribution: heavy, idle: .flat(.milliseconds(200)), readsPerRound: 1,
                                                approximate: true).leap)
        #expect(abs(leap.skewness - 367.6) < 0.1)
        #expect(abs(leap.minimumRounds - 3_378_152) < 1_000)
    }

    /// The starts acted on through a leap, by hand: rounds of mean 201.6321 ms (the 200 ms
    /// sleep and a log-normal round trip of median 1 ms, p99 10 ms: sigma = ln 10 / 2.3263,
    /// mean exp(sigma^2 / 2) = 1.6321 ms) and starts acted on at most every 30 s repeat every
    /// ceil(30 / 0.2016321) = 149 rounds, 30.0432 s; from a last one at 10 s to 1,000 s that
    /// is 32 repeats, 971.38 s.
    @Test func theStartsActedOnRepeatEveryWholeNumberOfRounds() throws {
        let leap = try #require(IdleGrid.Drawer(distribution: Self.lognormal, idle: .flat(.milliseconds(200)),
                                                readsPerRound: 1, approximate: true).leap)
        #expect(abs(leap.mean - 201_632_051) < 1_000)
        let period = 149 * leap.mean
        let last = leap.lastActed(every: 30_000_000_000, last: 10_000_000_000, from: 9_000_000_000,
                                  to: 1_000_000_000_000)
        #expect(abs(Double(last) - (10e9 + 32 * period)) < 1)
        #expect(abs(Double(last) - 971.38e9) < 0.01e9)
        // None before: the first start (about `from`) is acted on.
        #expect(leap.lastActed(every: 30_000_000_000, last: -1, from: 9_000_000_000, to: 20_000_000_000)
                == 9_000_000_000)
    }
}
