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
