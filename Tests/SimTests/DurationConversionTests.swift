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
}
