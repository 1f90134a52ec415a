import Foundation
@testable import Sim
import Testing

/// ``ExpNanoseconds``: exp(x) seconds in whole nanoseconds without calling `exp` gives the
/// library's rounding (`Duration.nanosecondsRounded(seconds: exp(x))`) for every x, leaving
/// to the library the x whose value lies too near a half nanosecond to decide.
@Suite struct ExpNanosecondsTests {
    /// What the library gives, the reference.
    static func library(_ x: Double) -> Int64 { Duration.nanosecondsRounded(seconds: exp(x)) }

    /// The table's literals are 2^(j/128) 10^9 to within an ulp of the library's `exp2` times
    /// 10^9 (they are the correctly rounded values, computed to 60 digits; the error bound
    /// of ``ExpNanoseconds`` counts half an ulp for them, its margin 18 times its bound).
    @Test func theTableIsTwoToTheJOver128TimesABillion() {
        #expect(ExpNanoseconds.table.count == 128)
        var far = 0
        for j in 0..<128 {
            let expected = exp2(Double(j) / 128) * 1e9
            if abs(ExpNanoseconds.table[j] - expected) > expected.ulp { far += 1 }
            if ExpNanoseconds.table[j] != ExpNanoseconds.powers[j] { far += 1 }
        }
        #expect(far == 0)
        #expect(ExpNanoseconds.table[0] == 1e9)
    }

    /// Two million exponents spread over the whole range the approximation takes (-40 < x <
    /// 10), and a million drawn as the scenarios' log-normals draw them (a round trip of
    /// median 1 ms and p99 10 ms, a blob fetch of 6.1 s and 30 s): every one rounds as the
    /// library's does. The library is asked when the value's fraction falls within 2^-46 of
    /// it from a half: with the fraction spread evenly, with probability 2^-45 of the value
    /// (in nanoseconds; a large share near x = 10, where it reaches 0.6, about 2e-8 for a
    /// round trip). The count asked stays within twice its expectation, plus 20.
    @Test func everyExponentRoundsAsTheLibrarysDoes() {
        var random = RandomStream(seed: 34).derived("exp")
        var differing = 0
        var leftToLibrary = 0
        var expectedLeft = 0.0
        var checked = 0
        func check(_ x: Double) {
            checked += 1
            if ExpNanoseconds.approximated(x, powers: ExpNanoseconds.powers) == nil { leftToLibrary += 1 }
            expectedLeft += min(1, exp(x) * 1e9 * 0x1p-45)
            if nanosecondsOfExp(x) != Self.library(x) { differing += 1 }
            if nanosecondsOfExp(x, powers: Distribution.normalLayers.powers) != Self.library(x) { differing += 1 }
        }
        for _ in 0..<2_000_000 { check(-40 + 50 * random.nextUnit()) }
        for (median, p99) in [(Duration.milliseconds(1), Duration.milliseconds(10)), (.milliseconds(6100), .seconds(30))] {
            guard case .lognormal(let mu, let sigma) = Distribution.lognormal(median: median, p99: p99) else {
                Issue.record("not a log-normal")
                return
            }
            for _ in 0..<500_000 { check(mu + sigma * NormalZiggurat.next(&random)) }
        }
        #expect(checked == 3_000_000)
        #expect(differing == 0)
        #expect(Double(leftToLibrary) <= 2 * expectedLeft + 20)
        // Most exponents are decided without the library.
        #expect(leftToLibrary * 50 < checked)
    }

    /// Exponents whose value lies on a half nanosecond (or within an ulp of one): too near
    /// for the approximation, the library decides, and the answers are still the library's.
    @Test func valuesOnAHalfNanosecondAreLeftToTheLibrary() {
        var differing = 0
        var leftToLibrary = 0
        var tried = 0
        for k in stride(from: 0, to: 50_000_000, by: 9_973) {
            let half = (Double(k) + 0.5) / 1e9
            for x in [log(half), log(half).nextUp, log(half).nextDown] {
                tried += 1
                if ExpNanoseconds.approximated(x, powers: ExpNanoseconds.powers) == nil { leftToLibrary += 1 }
                if nanosecondsOfExp(x) != Self.library(x) { differing += 1 }
            }
        }
        #expect(differing == 0)
        // Nearly all: exp(log(h)) is within a few ulps of h, which is inside the margin.
        #expect(leftToLibrary * 10 > tried * 9)
    }

    /// Outside the range, NaN and infinities: the library's answers (0, the cap, 0 for NaN).
    @Test func outsideTheRangeTheLibraryAnswers() {
        let edges: [Double] = [-40, -40.000001, -39.999999, 10, 9.999999, 10.000001, 30, 100, 1e300,
                               -1e300, .infinity, -.infinity, .nan, 0, -0.0, .leastNonzeroMagnitude]
        var differing = 0
        for x in edges where nanosecondsOfExp(x) != Self.library(x) { differing += 1 }
        #expect(differing == 0)
        #expect(ExpNanoseconds.approximated(.nan, powers: ExpNanoseconds.powers) == nil)
        #expect(ExpNanoseconds.approximated(10, powers: ExpNanoseconds.powers) == nil)
        #expect(nanosecondsOfExp(0) == 1_000_000_000)
    }
}
