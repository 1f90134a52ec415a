import Histogram

/// A latency distribution: HdrHistogram at microsecond resolution with three significant
/// digits for percentiles, plus an exact count, sum and maximum for the mean and the max.
public struct WaitHistogram: Sendable {
    private var histogram = Histogram<UInt64>(
        lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
    public private(set) var count: UInt64 = 0
    /// 128 bits: a million waits of the longest duration (2562047 h) do not overflow it.
    private var sumMicroseconds: Int128 = 0
    private var maxMicroseconds: Int64 = 0

    public init() { histogram.autoResize = true }

    public mutating func record(_ value: Duration) {
        let micros = max(0, value.microseconds)
        _ = histogram.record(UInt64(micros))
        count += 1
        sumMicroseconds += Int128(micros)
        maxMicroseconds = max(maxMicroseconds, micros)
    }

    public mutating func merge(_ other: WaitHistogram) {
        histogram.add(other.histogram)
        count += other.count
        sumMicroseconds += other.sumMicroseconds
        maxMicroseconds = max(maxMicroseconds, other.maxMicroseconds)
    }

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
