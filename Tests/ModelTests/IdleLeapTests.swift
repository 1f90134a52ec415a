import Foundation
@testable import Model
import Sim
import Testing

/// A leap (``IdleLeap``, approximate idle rounds) draws the end of `n` idle rounds from the law
/// of their sum: compared here with the same `n` rounds drawn one by one (``IdleGrid/Drawer``),
/// on 1,000 streams each, for five kinds of round (log-normal, exponential, `quantiles` and
/// `uniform` round trips; one to three reads; a flat sleep and a back-off), by the standardised difference of the means, the ratio of the
/// variances and the two-sample Kolmogorov-Smirnov distance. The exact rounds also check the
/// moments the leap is built from (``Distribution/momentsInNanoseconds``).
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
        // Walked in `Duration` arithmetic, not whole nanoseconds.
        Case(distribution: .quantiles([.init(0, .microseconds(500)), .init(0.5, .milliseconds(1)),
                                       .init(0.99, .milliseconds(10)), .init(1, .milliseconds(20))]),
             idle: .flat(.milliseconds(200)), readsPerRound: 1),
        Case(distribution: .uniform(.microseconds(500), .microseconds(1500)), idle: .flat(.milliseconds(200)),
             readsPerRound: 2),
    ]

    static let samples = 1_000

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
            var durationRead = Duration.nanoseconds(start)
            var durationRounds = stationary
            var durationStream = stream
            let rounds = leap.leap(lastRead: &lastRead, idleRounds: &idleRounds, stream: &stream, before: limit)
            #expect(rounds > 0 && rounds == crossed ?? rounds)
            // The leap in `Duration` arithmetic (grids not walked in nanoseconds) is the same.
            #expect(leap.leap(lastRead: &durationRead, idleRounds: &durationRounds, stream: &durationStream,
                              before: .nanoseconds(limit)) == rounds)
            #expect(durationRead == .nanoseconds(lastRead) && durationRounds == idleRounds)
            #expect(IdleGridTests.sameStream(durationStream, stream))
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
        let distance = kolmogorovSmirnovDistance(sorted: leapt.sorted().map(Double.init), exact.sorted().map(Double.init))
        #expect(distance < 1.95 * (2.0 / Double(Self.samples)).squareRoot(), "Kolmogorov-Smirnov \(distance)")
    }

    /// The moments a leap is built from, by hand: `uniform` on [0.5 ms, 1.5 ms] has mean 1 ms,
    /// variance (1 ms)^2 / 12 and no skew; `quantiles` {p0: 0, p50: 1 ms, p100: 3 ms} is
    /// uniform on [0, 1 ms] and on [1 ms, 3 ms] with weight 1/2 each: mean 1.25 ms, E[X^2] =
    /// (1/2)(1/3) + (1/2)(13/3) = 7/3 ms^2, variance 7/3 - 1.5625 = 0.770833 ms^2, E[X^3] =
    /// (1/2)(1/4) + (1/2)(40/4) = 5.125 ms^3, third central moment 5.125 - 3 (1.25)(7/3) +
    /// 2 (1.25)^3 = 0.28125 ms^3, skewness 0.28125 / 0.770833^1.5 = 0.415577; a log-normal of sigma
    /// 1 has skewness (e + 2) sqrt(e - 1) = 6.18488; an exponential 2.
    @Test func theMomentsOfEachDistributionByHand() throws {
        let uniform = Distribution.uniform(.microseconds(500), .microseconds(1500)).momentsInNanoseconds
        #expect(abs(uniform.mean - 1e6) < 1e-6 && abs(uniform.variance - 1e12 / 12) < 1 && abs(uniform.skewness) < 1e-9)
        let quantiles = Distribution.quantiles([.init(0, .zero), .init(0.5, .milliseconds(1)),
                                                .init(1, .milliseconds(3))]).momentsInNanoseconds
        #expect(abs(quantiles.mean - 1.25e6) < 1e-3)
        #expect(abs(quantiles.variance - 0.770833333e12) < 1e3)
        #expect(abs(quantiles.skewness - 0.415577) < 1e-5, "\(quantiles.skewness)")
        // A narrow law's moments do not cancel against its mean: [999.9 us, 1000.1 us]
        // has variance (200 ns)^2 / 12 and no skew.
        let narrow = Distribution.uniform(.nanoseconds(999_900), .nanoseconds(1_000_100)).momentsInNanoseconds
        #expect(abs(narrow.variance - 40_000.0 / 12) < 1e-6 && abs(narrow.skewness) < 1e-9)
        let lognormal = Distribution.lognormal(mu: 0, sigma: 1).momentsInNanoseconds
        #expect(abs(lognormal.skewness - 6.184877) < 1e-5)
        #expect(abs(lognormal.mean - exp(0.5) * 1e9) < 1)
        #expect(Distribution.exponential(mean: .milliseconds(3)).momentsInNanoseconds.skewness == 2)
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
