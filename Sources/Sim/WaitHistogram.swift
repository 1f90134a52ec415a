import Histogram

/// A latency distribution: HdrHistogram at microsecond resolution with three significant
/// digits for percentiles, plus an exact count, sum and maximum for the mean and the max.
///
/// The histogram starts small and grows, at least doubling its range, to the largest value
/// recorded (`makeRoom(for:)`): a bucket's place depends only on the resolution, not on the
/// range, so every figure is the same as with the range allocated up front, and a histogram
/// of millisecond waits holds a few tens of kilobytes instead of the 190 KB an hour's range
/// takes (a 50-node day keeps hundreds of them: 317 MB peak for its first 8 hours before,
/// 230 MB after, same bytes).
public struct WaitHistogram: Sendable {
    private var histogram = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
    public private(set) var count: UInt64 = 0
    /// 128 bits: a million waits of the longest duration (2562047 h) do not overflow it.
    private var sumMicroseconds: Int128 = 0
    private var maxMicroseconds: Int64 = 0
    /// Exact minimum (meaningful only when `count > 0`), so an encoded histogram can be
    /// rebuilt with the same extremes.
    private var minMicroseconds: Int64 = .max

    public init() { histogram.autoResize = true }

    public mutating func record(_ value: Duration) {
        let micros = max(0, value.microseconds)
        makeRoom(for: UInt64(micros))
        _ = histogram.record(UInt64(micros))
        count += 1
        sumMicroseconds += Int128(micros)
        maxMicroseconds = max(maxMicroseconds, micros)
        minMicroseconds = min(minMicroseconds, micros)
    }

    public mutating func merge(_ other: WaitHistogram) {
        if other.histogram.highestTrackableValue > histogram.highestTrackableValue {
            // The wider one takes the other's counts, so neither grows (see `makeRoom`); the
            // range of a histogram decides the length of its counts, never where a value goes.
            var merged = other.histogram
            merged.add(histogram)
            histogram = merged
        } else {
            histogram.add(other.histogram)
        }
        count += other.count
        sumMicroseconds += other.sumMicroseconds
        maxMicroseconds = max(maxMicroseconds, other.maxMicroseconds)
        minMicroseconds = min(minMicroseconds, other.minMicroseconds)
    }

    /// Widens the range to take `value`, at least doubling it. The library grows a histogram
    /// itself (`autoResize`) by appending the new zero counts through a generic path not
    /// specialized for `UInt64`, which looks up type metadata for every element: about 30 % of
    /// a `cluster-day` slice went there. A histogram of the wider range allocated at once, with
    /// the old counts added into it (`add` is specialized), costs one allocation and one pass.
    ///
    /// A new histogram's counts already cover 0...2047 (its first bucket, one count per
    /// microsecond at three significant digits, whatever its nominal range), so values there
    /// need no room and a widened range is never below it.
    private mutating func makeRoom(for value: UInt64) {
        let firstBucket: UInt64 = 2047
        let highest = max(histogram.highestTrackableValue, firstBucket)
        guard value > highest else { return }
        var wider = Histogram<UInt64>(lowestDiscernibleValue: 1,
                                      highestTrackableValue: max(value, min(highest, UInt64.max / 2) * 2),
                                      numberOfSignificantValueDigits: .three)
        wider.autoResize = true
        wider.add(histogram)
        histogram = wider
    }

    /// Values recorded above `threshold` (exact when the threshold is a bucket boundary, as
    /// whole seconds are; otherwise to the histogram's three significant digits).
    public func count(above threshold: Duration) -> UInt64 {
        guard count > 0 else { return 0 }
        let micros = UInt64(max(0, threshold.microseconds))
        return count - histogram.count(within: 0...histogram.highestEquivalentForValue(micros))
    }

    // MARK: Encoding

    /// The histogram as integers: its non-empty buckets with their counts, and the exact
    /// count, sum, minimum and maximum. ``init(_:)`` rebuilds a histogram whose every figure
    /// equals this one's, and encoded histograms merge exactly (``merge(_:)`` after decoding),
    /// so sharded results combine into the same bytes as one run.
    public struct Encoded: Sendable, Equatable, Codable {
        public var count: UInt64
        public var sumMicroseconds: Int64
        public var minMicroseconds: Int64
        public var maxMicroseconds: Int64
        /// `[lowest value of the bucket in µs, count]`, ascending.
        public var buckets: [[UInt64]]

        public init(count: UInt64, sumMicroseconds: Int64, minMicroseconds: Int64, maxMicroseconds: Int64,
                    buckets: [[UInt64]]) {
            self.count = count
            self.sumMicroseconds = sumMicroseconds
            self.minMicroseconds = minMicroseconds
            self.maxMicroseconds = maxMicroseconds
            self.buckets = buckets
        }

        enum CodingKeys: String, CodingKey {
            case count, sumMicroseconds = "sum_us", minMicroseconds = "min_us", maxMicroseconds = "max_us", buckets
        }
    }

    public var encoded: Encoded {
        var buckets: [[UInt64]] = []
        if count > 0 {
            for bucket in histogram.recordedValues() {
                buckets.append([histogram.lowestEquivalentForValue(bucket.value), UInt64(bucket.count)])
            }
        }
        // The encoding keeps 64 bits (292,000 years of waits): beyond that the sum saturates.
        return Encoded(count: count, sumMicroseconds: Int64(clamping: sumMicroseconds),
                       minMicroseconds: count > 0 ? minMicroseconds : 0,
                       maxMicroseconds: maxMicroseconds, buckets: buckets)
    }

    /// Rebuilds an encoded histogram. The exact minimum and maximum are recorded as themselves
    /// (they lie in their buckets), the rest at each bucket's lowest value: every bucket count,
    /// and so every percentile, is the original's.
    public init(_ encoded: Encoded) {
        self.init()
        let minimum = UInt64(max(0, encoded.minMicroseconds))
        let maximum = UInt64(max(0, encoded.maxMicroseconds))
        makeRoom(for: maximum)
        for bucket in encoded.buckets where bucket.count == 2 && bucket[1] > 0 {
            let (value, bucketCount) = (bucket[0], bucket[1])
            var remaining = bucketCount
            if histogram.lowestEquivalentForValue(maximum) == value {
                _ = histogram.record(maximum)
                remaining -= 1
            }
            if remaining > 0, minimum > 0, histogram.lowestEquivalentForValue(minimum) == value {
                _ = histogram.record(minimum)
                remaining -= 1
            }
            if remaining > 0 { _ = histogram.record(value, count: remaining) }
        }
        count = encoded.count
        sumMicroseconds = Int128(encoded.sumMicroseconds)
        maxMicroseconds = encoded.maxMicroseconds
        minMicroseconds = encoded.count > 0 ? encoded.minMicroseconds : .max
    }

    /// The non-empty buckets in ascending order: each one's highest equivalent value (the
    /// largest value it stands for) and its count, in microseconds.
    public var buckets: [(highestMicroseconds: UInt64, count: UInt64)] {
        guard count > 0 else { return [] }
        return histogram.recordedValues().map { (histogram.highestEquivalentForValue($0.value), UInt64($0.count)) }
    }

    /// Standard deviation in seconds, from the buckets (each value at its bucket's middle).
    public var standardDeviationSeconds: Double { count == 0 ? 0 : histogram.stdDeviation / 1e6 }

    /// Exact sum of the recorded values, in microseconds.
    public var totalMicroseconds: Int64 { Int64(clamping: sumMicroseconds) }

    /// Exact mean in seconds (0 when empty).
    public var meanSeconds: Double { count == 0 ? 0 : Double(sumMicroseconds) / Double(count) / 1e6 }

    /// The value at `percentile` (0...100) in seconds, to three significant digits.
    public func seconds(atPercentile percentile: Double) -> Double {
        count == 0 ? 0 : Double(histogram.valueAtPercentile(percentile)) / 1e6
    }

    /// Exact maximum in seconds.
    public var maxSeconds: Double { Double(maxMicroseconds) / 1e6 }

    /// Fraction of recorded values strictly greater than `threshold`.
    public func fraction(above threshold: Duration) -> Double {
        guard count > 0 else { return 0 }
        let micros = UInt64(max(0, threshold.microseconds))
        let atOrBelow = histogram.count(within: 0...histogram.highestEquivalentForValue(micros))
        return Double(count - atOrBelow) / Double(count)
    }

    /// The standard figures, with all four percentiles found in one pass over the recorded
    /// buckets (same values as ``seconds(atPercentile:)``).
    public var summary: Summary {
        let targets = [50.0, 90.0, 99.0, 99.9]
        var values = [Double](repeating: 0, count: targets.count)
        if count > 0 {
            let total = histogram.totalCount
            // As `valueAtPercentile`: the smallest bucket whose cumulative count reaches
            // ceil(p% of the total, less one ulp), reported as its highest equivalent value.
            let needed = targets.map { percentile in
                Swift.max(1, UInt64((percentile.nextDown * Double(total) / 100).rounded(.up)))
            }
            var next = 0
            for bucket in histogram.recordedValues() where next < targets.count {
                while next < targets.count, bucket.totalCountToThisValue >= needed[next] {
                    let value = Swift.max(Swift.min(bucket.value, histogram.maxRecorded), histogram.min)
                    values[next] = Double(value) / 1e6
                    next += 1
                }
            }
        }
        return Summary(count: count, mean: meanSeconds, p50: values[0], p90: values[1], p99: values[2],
                       p999: values[3], max: maxSeconds)
    }

    /// The figures every report shows, in seconds.
    public struct Summary: Sendable, Equatable {
        public var count: UInt64
        public var mean: Double
        public var p50: Double
        public var p90: Double
        public var p99: Double
        public var p999: Double
        public var max: Double
    }
}
