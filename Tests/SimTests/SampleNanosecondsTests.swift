import Foundation
@testable import Sim
import Testing

/// ``Distribution/sampleNanoseconds(_:)`` (what a skipping daemon's grid walk draws) gives
/// the value and the draws of ``Distribution/sample(_:)``, including samples capped at
/// ``Duration/longest`` and rounded to zero.
@Suite struct SampleNanosecondsTests {
    static let kinds: [Distribution] = [
        .lognormal(median: .milliseconds(1), p99: .milliseconds(10)),
        .lognormal(mu: 0, sigma: 40),      // many samples capped, many rounded to zero
        .exponential(mean: .milliseconds(3)),
        .exponential(mean: .seconds(1_000_000_000)),
    ]

    @Test(arguments: kinds)
    func sameValuesAndDrawsAsSample(_ distribution: Distribution) {
        #expect(distribution.samplesWholeNanoseconds)
        var a = RandomStream(seed: 9).derived("a")
        var b = a
        var capped = 0
        for _ in 0..<50_000 {
            let fast = distribution.sampleNanoseconds(&a)
            let plain = distribution.sample(&b)
            #expect(Duration.nanoseconds(fast) == plain)
            if plain == .longest { capped += 1 }
        }
        #expect(a.next() == b.next())
        if case .lognormal(_, let sigma) = distribution, sigma > 10 { #expect(capped > 0) }
    }

    /// With the ziggurat's layers read once (``Distribution/normalLayers``, what a walk of
    /// many draws uses) the normal is drawn inline: the same values and draws as the call.
    @Test(arguments: kinds)
    func theLayersReadOnceGiveTheSameValuesAndDraws(_ distribution: Distribution) throws {
        let normals = Distribution.normalLayers
        let sampler = try #require(distribution.wholeNanosecondSampler)
        var a = RandomStream(seed: 11).derived("layers")
        var b = a
        // Enough draws for the ziggurat's rare paths (about 1.2 % of draws: tail and wedges).
        var differing = 0
        for _ in 0..<200_000 where sampler.sample(&a, normals: normals) != distribution.sampleNanoseconds(&b) {
            differing += 1
        }
        #expect(differing == 0)
        #expect(a.next() == b.next())
    }

    /// A walk's ``WholeNanosecondSampler`` (the distribution as plain numbers) draws what the
    /// formula drawn by hand gives: `exp(mu + sigma Z)` seconds with the ziggurat's normal,
    /// or `-log(U) mean` seconds, rounded to the nanosecond (``Duration/seconds(double:)``).
    @Test(arguments: kinds)
    func theSamplerDrawsTheFormula(_ distribution: Distribution) throws {
        let sampler = try #require(distribution.wholeNanosecondSampler)
        let normals = Distribution.normalLayers
        var a = RandomStream(seed: 12).derived("sampler")
        var b = a
        var differing = 0
        for _ in 0..<20_000 {
            let drawn = sampler.sample(&a, normals: normals)
            let seconds: Double = switch distribution {
            case .lognormal(let mu, let sigma): exp(mu + sigma * NormalZiggurat.next(&b, layers: normals.x))
            case .exponential(let mean): -log(b.nextOpenUnit()) * mean.seconds
            default: .nan
            }
            if Duration.nanoseconds(drawn) != Duration.seconds(double: seconds) { differing += 1 }
        }
        #expect(differing == 0)
        #expect(a.next() == b.next())
    }

    @Test func onlyRoundedSecondsAreWholeNanoseconds() {
        #expect(!Distribution.constant(.milliseconds(1)).samplesWholeNanoseconds)
        #expect(!Distribution.uniform(.milliseconds(1), .milliseconds(2)).samplesWholeNanoseconds)
        #expect(Distribution.constant(.milliseconds(1)).wholeNanosecondSampler == nil)
        #expect(Distribution.empirical([.milliseconds(1)]).wholeNanosecondSampler == nil)
        #expect(Distribution.exponential(mean: .milliseconds(4)).wholeNanosecondSampler == .exponential(meanSeconds: 0.004))
        #expect(Duration.nanoseconds(12).exactNanoseconds == 12)
        #expect(Duration(secondsComponent: 1, attosecondsComponent: 5).exactNanoseconds == nil)
        #expect(Duration.seconds(Int64(1) << 40).exactNanoseconds == nil)
    }

    /// `Duration.seconds(double:)` rounds to the nanosecond half away from zero (truncating and
    /// comparing the rest, not through libm): the same as `rounded()` with the clamps, on
    /// halves (ties both ways), either side of them, negatives, values near and past 2^63 ns,
    /// subnormals, NaN and the infinities.
    @Test func roundingToTheNanosecondIsRoundedHalfAwayFromZero() {
        func expected(_ seconds: Double) -> Duration {
            let nanoseconds = (seconds * 1e9).rounded()
            if nanoseconds.isNaN { return .zero }
            if nanoseconds >= 0x1p63 { return .nanoseconds(Int64.max) }
            if nanoseconds <= -0x1p63 { return .nanoseconds(Int64.min) }
            return .nanoseconds(Int64(nanoseconds))
        }
        var random = RandomStream(seed: 17)
        var values: [Double] = [0, -0.0, 0.5e-9, -0.5e-9, 1.5e-9, -2.5e-9, 0x1p63 / 1e9, -0x1p63 / 1e9,
                                0x1p63.nextDown / 1e9, 0x1p53 / 1e9, (0x1p53 + 2) / 1e9, .leastNonzeroMagnitude,
                                .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .infinity, -.infinity, .nan]
        var ties = 0
        for _ in 0..<100_000 {
            let whole = Double(Int64(bitPattern: random.next()) >> Int(random.next() % 64))
            let half = (whole + 0.5) / 1e9
            if half * 1e9 == whole + 0.5 { ties += 1 }
            values += [half, half.nextUp, half.nextDown, whole / 1e9,
                       Double(bitPattern: random.next() & ~(UInt64(0x7FF) << 52) | (UInt64(random.next() % 1100) << 52))]
        }
        #expect(ties > 10_000)
        for value in values {
            #expect(Duration.seconds(double: value) == expected(value), "\(value)")
        }
    }
}
