import Sim
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

    @Test func onlyRoundedSecondsAreWholeNanoseconds() {
        #expect(!Distribution.constant(.milliseconds(1)).samplesWholeNanoseconds)
        #expect(!Distribution.uniform(.milliseconds(1), .milliseconds(2)).samplesWholeNanoseconds)
        #expect(Duration.nanoseconds(12).exactNanoseconds == 12)
        #expect(Duration(secondsComponent: 1, attosecondsComponent: 5).exactNanoseconds == nil)
        #expect(Duration.seconds(Int64(1) << 40).exactNanoseconds == nil)
    }
}
