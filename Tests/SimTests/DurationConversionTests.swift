@testable import Sim
import Testing

/// `Duration.seconds` and `.microseconds` take a 64-bit path for durations under 2^63
/// attoseconds: they must give exactly what the `components` formula gives, on both sides
/// of that bound and for negative durations.
@Suite struct DurationConversionTests {
    static func bySeconds(_ duration: Duration) -> Double {
        let (s, atto) = duration.components
        return Double(s) + Double(atto) * 1e-18
    }

    static func byMicroseconds(_ duration: Duration) -> Int64 {
        let (s, atto) = duration.components
        return s * 1_000_000 + atto / 1_000_000_000_000
    }

    /// The whole nanoseconds by the `components` formula: nil unless whole and within `Int64`.
    static func byComponents(_ duration: Duration) -> Int64? {
        let (s, atto) = duration.components
        guard atto % 1_000_000_000 == 0 else { return nil }
        let (whole, overflow) = s.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return nil }
        let (sum, overflowed) = whole.addingReportingOverflow(atto / 1_000_000_000)
        return overflowed ? nil : sum
    }

    /// `exactNanoseconds` finds a non-negative duration's nanoseconds by multiplying with the
    /// inverse of 5^9 and checking the product: it gives what the `components` formula
    /// gives, for whole and fractional nanoseconds, around `Int64`'s limit, at multiples of
    /// 1e9 whose quotient wraps modulo 2^64, and for negative durations.
    @Test func exactNanosecondsAgreesWithTheComponents() {
        var random = RandomStream(seed: 13)
        let bound = Int128(1_000_000_000) << 64
        var durations: [Duration] = [.zero, .nanoseconds(1), .nanoseconds(-1), .nanoseconds(Int64.max),
                                     .nanoseconds(Int64.min), .nanoseconds(Int64.max) + .nanoseconds(1),
                                     .seconds(86_400), .longest,
                                     Duration(attoseconds: bound), Duration(attoseconds: bound - 1),
                                     Duration(attoseconds: bound - 1_000_000_000), Duration(attoseconds: -bound),
                                     Duration(attoseconds: (Int128(Int64.max) + 1) * 1_000_000_000),
                                     Duration(attoseconds: (Int128(1) << 64 + 5) * 1_000_000_000),
                                     Duration(attoseconds: 512), Duration(attoseconds: 1_953_125 << 9 + 512)]
        for _ in 0..<20_000 {
            // Whole nanoseconds of every magnitude up to 2^70, and arbitrary attoseconds up
            // to 2^104, either sign.
            let bits = Int128(random.next() >> (random.next() % 64))
            let magnitude: Int128
            if random.next() % 2 == 0 {
                magnitude = (bits << Int128(random.next() % 7)) * 1_000_000_000
            } else {
                magnitude = bits << Int128(random.next() % 41)
            }
            durations.append(Duration(attoseconds: random.next() % 4 == 0 ? -magnitude : magnitude))
        }
        var nonNegative = 0, exact = 0
        for duration in durations {
            if duration >= .zero { nonNegative += 1 }
            if duration.exactNanoseconds != nil { exact += 1 }
            #expect(duration.exactNanoseconds == Self.byComponents(duration), "\(duration)")
        }
        // Both paths, whole and not, many times each.
        #expect(nonNegative > 5_000 && durations.count - nonNegative > 2_000)
        #expect(exact > 5_000 && durations.count - exact > 5_000)
    }

    @Test func theShortPathAgreesWithTheComponents() {
        var random = RandomStream(seed: 12)
        var durations: [Duration] = [.zero, .nanoseconds(1), .nanoseconds(-1), .seconds(1), .milliseconds(-2500),
                                     Duration(attoseconds: Int128(Int64.max)), Duration(attoseconds: Int128(Int64.max) + 1),
                                     Duration(attoseconds: Int128(Int64.max) - 1), Duration(attoseconds: -Int128(Int64.max)),
                                     .longest, .seconds(86_400 * 365)]
        for _ in 0..<20_000 {
            // Attoseconds of every magnitude from 1 to 2^72, either sign.
            let magnitude = Int128(random.next() >> (random.next() % 64)) << Int128(random.next() % 9)
            durations.append(Duration(attoseconds: random.next() % 4 == 0 ? -magnitude : magnitude))
        }
        var short = 0
        for duration in durations {
            if duration.shortAttoseconds != nil { short += 1 }
            #expect(duration.seconds == Self.bySeconds(duration), "\(duration)")
            #expect(duration.microseconds == Self.byMicroseconds(duration), "\(duration)")
        }
        // Both paths were taken, many times each.
        #expect(short > 5_000 && durations.count - short > 5_000)
    }

    /// `adding` (inline attoseconds) is `Duration`'s `+`: pairs of every magnitude from 1 to
    /// 2^100 attoseconds, either sign, and the edges of the 64-bit range, sums past it included.
    @Test func addingIsPlus() {
        var random = RandomStream(seed: 21)
        var durations: [Duration] = [.zero, .nanoseconds(1), .nanoseconds(-1), .seconds(1),
                                     Duration(attoseconds: Int128(Int64.max)), Duration(attoseconds: Int128(Int64.min)),
                                     .seconds(86_400 * 365), .seconds(-86_400 * 365)]
        for _ in 0..<2_000 {
            let magnitude = Int128(random.next() >> (random.next() % 64)) << Int128(random.next() % 37)
            durations.append(Duration(attoseconds: random.next() % 4 == 0 ? -magnitude : magnitude))
        }
        var pairs = 0
        for (index, a) in durations.enumerated() {
            for b in durations[index...].prefix(40) {
                #expect(a.adding(b) == a + b, "\(a) + \(b)")
                #expect(b.adding(a) == b + a, "\(b) + \(a)")
                pairs += 1
            }
        }
        #expect(pairs > 70_000)
    }
}
