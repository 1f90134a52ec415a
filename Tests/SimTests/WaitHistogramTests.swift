import Histogram
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

/// `WaitHistogram` widens its own range as values arrive (and a merge keeps the wider of two);
/// every bucket count, percentile and deviation must be those of one HdrHistogram sized for
/// the whole range up front, whatever order the values come in and whichever way two
/// histograms are merged. Exact equality: the range decides only how long the counts are,
/// never where a value is counted.
@Test func growingTheRangeChangesNoFigure() {
    var random = RandomStream(seed: 21)
    var values: [UInt64] = []
    for _ in 0..<4_000 {
        let draw = Distribution.lognormal(median: .milliseconds(50), p99: .seconds(600)).sample(&random)
        values.append(UInt64(min(max(0, draw.microseconds), 500_000_000_000)))
    }
    values += [0, 1, 2, 3, 2_047, 2_048, 4_096, 86_400_000_000]
    for order in [values, values.sorted(), values.sorted(by: >)] {
        var reference = Histogram<UInt64>(highestTrackableValue: 1_000_000_000_000,
                                          numberOfSignificantValueDigits: .three)
        var grown = WaitHistogram()
        var low = WaitHistogram(), high = WaitHistogram()
        for value in order {
            reference.record(value)
            grown.record(.microseconds(Int64(value)))
            if value < 1_000_000 { low.record(.microseconds(Int64(value))) } else { high.record(.microseconds(Int64(value))) }
        }
        let expected = reference.recordedValues().map { [reference.highestEquivalentForValue($0.value), UInt64($0.count)] }
        var lowIntoHigh = high
        lowIntoHigh.merge(low)
        var highIntoLow = low
        highIntoLow.merge(high)
        var intoEmpty = WaitHistogram()
        intoEmpty.merge(grown)
        let cases = [("recorded", grown), ("low into high", lowIntoHigh), ("high into low", highIntoLow),
                     ("into an empty one", intoEmpty)]
        for (label, histogram) in cases {
            let sameBuckets = histogram.buckets.map { [$0.highestMicroseconds, $0.count] } == expected
            #expect(sameBuckets, "\(label): buckets")
            for percentile in [0.0, 50, 90, 99, 99.9, 100] {
                #expect(histogram.seconds(atPercentile: percentile) == Double(reference.valueAtPercentile(percentile)) / 1e6,
                        "\(label): p\(percentile)")
            }
            #expect(histogram.standardDeviationSeconds == reference.stdDeviation / 1e6, "\(label)")
            #expect(histogram.count(above: .seconds(1))
                        == UInt64(order.count) - reference.count(within: 0...reference.highestEquivalentForValue(1_000_000)),
                    "\(label)")
        }
    }
}

/// Every figure of a `WaitHistogram` (which keeps its own counts in HdrHistogram's layout)
/// against an HdrHistogram of the same resolution fed the same values, on samples from tiny
/// (all in the unit-wide first buckets) to spread over ten orders of magnitude, recorded,
/// merged from parts and rebuilt from its encoding. Exact equality throughout: the layouts are
/// the same, so any difference is a bug (a bucket boundary off by one moves a percentile by a
/// bucket's width).
@Test func everyFigureEqualsHdrHistogramsOnRandomSamples() {
    var random = RandomStream(seed: 41)
    let distributions: [Distribution] = [
        .exponential(mean: .microseconds(300)),
        .lognormal(median: .milliseconds(2), p99: .milliseconds(40)),
        .lognormal(median: .seconds(1), p99: .seconds(3_000)),
        .uniform(.zero, .microseconds(5_000)),
    ]
    let percentiles = [0.001, 0.1, 1, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99, 99.999]
    for distribution in distributions {
        for sampleCount in [1, 3, 1_000, 20_000] {
            var reference = Histogram<UInt64>(highestTrackableValue: 1 << 50, numberOfSignificantValueDigits: .three)
            var whole = WaitHistogram()
            var parts = [WaitHistogram(), WaitHistogram(), WaitHistogram()]
            for index in 0..<sampleCount {
                let value = distribution.sample(&random)
                reference.record(UInt64(max(0, value.microseconds)))
                whole.record(value)
                parts[index % 3].record(value)
            }
            var merged = WaitHistogram()
            for part in parts { merged.merge(WaitHistogram(part.encoded)) }
            for (label, histogram) in [("recorded", whole), ("merged from encodings", merged)] {
                let context = "\(distribution), \(sampleCount) samples, \(label)"
                #expect(histogram.buckets.map { [$0.highestMicroseconds, $0.count] }
                            == reference.recordedValues().map { [$0.value, UInt64($0.count)] }, "\(context): buckets")
                for percentile in percentiles {
                    #expect(histogram.seconds(atPercentile: percentile)
                                == Double(reference.valueAtPercentile(percentile)) / 1e6, "\(context): p\(percentile)")
                }
                let summary = histogram.summary
                #expect([summary.p50, summary.p90, summary.p99, summary.p999]
                            == [50, 90, 99, 99.9].map { Double(reference.valueAtPercentile($0)) / 1e6 }, "\(context)")
                #expect(histogram.standardDeviationSeconds == reference.stdDeviation / 1e6, "\(context): deviation")
                for _ in 0..<20 {
                    let micros = UInt64(max(0, distribution.sample(&random).microseconds))
                    #expect(histogram.count(above: .microseconds(Int64(micros)))
                                == reference.totalCount
                                    - reference.count(within: 0...reference.highestEquivalentForValue(micros)),
                            "\(context): above \(micros) us")
                }
            }
        }
    }
}

/// Merging gives the histogram of every value recorded into one: the first merge shares the
/// part's counts, the second writes the sums into a new array (the part's range shorter, then
/// longer than the aggregate's), later ones add in place, and a value recorded into the
/// aggregate between merges counts once.
@Test func mergingEqualsRecordingEveryValueIntoOne() {
    var random = RandomStream(seed: 29)
    let ranges: [(median: Duration, p99: Duration, count: Int)] = [
        (.milliseconds(5), .milliseconds(40), 300), (.microseconds(200), .milliseconds(1), 50),
        (.seconds(2), .seconds(600), 400), (.milliseconds(1), .milliseconds(9), 100), (.seconds(30), .seconds(900), 20),
    ]
    for order in [[0, 1, 2, 3, 4], [2, 0, 4, 1, 3], [1, 4, 0, 3, 2]] {
        var all = WaitHistogram()
        var merged = WaitHistogram()
        for (step, index) in order.enumerated() {
            var part = WaitHistogram()
            for _ in 0..<ranges[index].count {
                let value = Distribution.lognormal(median: ranges[index].median, p99: ranges[index].p99).sample(&random)
                part.record(value)
                all.record(value)
            }
            merged.merge(part)
            if step == 1 {
                merged.record(.milliseconds(77))
                all.record(.milliseconds(77))
            }
        }
        #expect(merged.encoded == all.encoded)
        #expect(merged.summary == all.summary)
        #expect(merged.count(above: .seconds(1)) == all.count(above: .seconds(1)))
    }
}
