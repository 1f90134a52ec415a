import Sim
import Testing

/// The one-pass summary must agree exactly with HdrHistogram's own `valueAtPercentile`.
@Test func summaryPercentilesEqualHdrHistogramPercentiles() {
    var random = RandomStream(seed: 3)
    for sampleCount in [1, 2, 7, 100, 10_000] {
        var histogram = WaitHistogram()
        for _ in 0..<sampleCount {
            histogram.record(Distribution.lognormal(median: .milliseconds(300), p99: .seconds(20)).sample(&random))
        }
        let summary = histogram.summary
        #expect(summary.p50 == histogram.seconds(atPercentile: 50))
        #expect(summary.p90 == histogram.seconds(atPercentile: 90))
        #expect(summary.p99 == histogram.seconds(atPercentile: 99))
        #expect(summary.p999 == histogram.seconds(atPercentile: 99.9))
        #expect(summary.count == UInt64(sampleCount))
    }
}

@Test func meanAndMaxAreExactToTheMicrosecond() {
    var histogram = WaitHistogram()
    for micros in [1, 1_000, 1_234_567, 3_000_000] { histogram.record(.microseconds(micros)) }
    #expect(histogram.summary.mean == Double(1 + 1_000 + 1_234_567 + 3_000_000) / 4 / 1e6)
    #expect(histogram.summary.max == 3.0)
}

/// An encoded histogram rebuilds into one with the same figures and the same encoding, and
/// merging decoded parts gives what merging the originals gives: sharded results combine
/// exactly.
@Test func encodedHistogramsRebuildAndMergeExactly() {
    var random = RandomStream(seed: 11)
    var parts: [WaitHistogram] = []
    for sampleCount in [0, 1, 2, 50, 5_000] {
        var histogram = WaitHistogram()
        for _ in 0..<sampleCount {
            histogram.record(Distribution.lognormal(median: .milliseconds(800), p99: .seconds(90)).sample(&random))
        }
        let rebuilt = WaitHistogram(histogram.encoded)
        #expect(rebuilt.summary == histogram.summary)
        #expect(rebuilt.encoded == histogram.encoded)
        #expect(rebuilt.count(above: .seconds(5)) == histogram.count(above: .seconds(5)))
        parts.append(histogram)
    }
    var whole = WaitHistogram()
    var fromEncoded = WaitHistogram()
    for part in parts {
        whole.merge(part)
        fromEncoded.merge(WaitHistogram(part.encoded))
    }
    #expect(fromEncoded.summary == whole.summary)
    #expect(fromEncoded.encoded == whole.encoded)
}

/// Zero waits (ideal mode) and a single value survive the round trip.
@Test func encodedHistogramsKeepZerosAndSingleValues() {
    var zeros = WaitHistogram()
    for _ in 0..<3 { zeros.record(.zero) }
    zeros.record(.milliseconds(7))
    #expect(WaitHistogram(zeros.encoded).summary == zeros.summary)
    var single = WaitHistogram()
    single.record(.microseconds(123_457))
    #expect(WaitHistogram(single.encoded).summary == single.summary)
    #expect(WaitHistogram(single.encoded).summary.max == 0.123457)
}
