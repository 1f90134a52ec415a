/// A latency distribution: HdrHistogram's bucket layout at microsecond resolution with three
/// significant digits for percentiles, plus an exact count, sum, minimum and maximum for the
/// mean and the extremes.
///
/// The counts are kept here rather than in the `Histogram` package, bucket for bucket where
/// that package counts them (``Layout``), so every figure is the one an HdrHistogram of the
/// same resolution gives (`WaitHistogramTests` compares them on random samples, merges and
/// encodings). The package keeps its counts to itself and walks them through generic
/// iterators: reading four percentiles of one histogram cost about two million instructions,
/// and a report reads hundreds (a quarter of a small scenario's run went there). Here the
/// counts are a plain array, read in one pass.
///
/// The counts reach only as far as the largest value recorded (grown on demand): a bucket's
/// place depends only on the resolution, never on the range, so a histogram of millisecond
/// waits holds a few tens of kilobytes instead of the 190 KB an hour's range takes (a 50-node
/// day keeps hundreds of them).
public struct WaitHistogram: Sendable {
    /// Counts by bucket index (``Layout/index(of:)``), up to the highest bucket recorded.
    private var counts: [UInt64] = []
    /// The sum of `counts` (the same as `count` except for a histogram rebuilt from an
    /// encoding whose count disagrees with its buckets: percentiles use this one, as
    /// HdrHistogram does).
    private var bucketTotal: UInt64 = 0
    public private(set) var count: UInt64 = 0
    /// 128 bits: a million waits of the longest duration (2562047 h) do not overflow it.
    private var sumMicroseconds: Int128 = 0
    private var maxMicroseconds: Int64 = 0
    /// Exact minimum (meaningful only when `count > 0`), so an encoded histogram can be
    /// rebuilt with the same extremes.
    private var minMicroseconds: Int64 = .max
    /// Whether `counts` was taken from another histogram by ``merge(_:)`` (shared with it
    /// until either writes): the next merge builds the sums in a new array rather than
    /// copying the shared one first and adding into the copy.
    private var borrowed = false

    public init() {}

    public mutating func record(_ value: Duration) {
        let micros = max(0, value.microseconds)
        let index = Layout.index(of: UInt64(micros))
        if index >= counts.count { makeRoom(for: index) }
        counts.withUnsafeMutableBufferPointer { $0[index] &+= 1 }
        bucketTotal &+= 1
        count += 1
        sumMicroseconds += Int128(micros)
        maxMicroseconds = max(maxMicroseconds, micros)
        minMicroseconds = min(minMicroseconds, micros)
    }

    public mutating func merge(_ other: WaitHistogram) {
        if counts.isEmpty {
            // Shares the other's counts until either is written (copy on write).
            counts = other.counts
            borrowed = true
        } else if borrowed {
            // The sums, written once into a new array: copying the shared counts (a
            // report's aggregates are each a copy of their first cell, tens of kilobytes
            // for waits of seconds) and then adding was a tenth of a 10-replication run.
            let mine = counts
            let length = Swift.max(mine.count, other.counts.count)
            counts = [UInt64](unsafeUninitializedCapacity: length) { sums, initialized in
                mine.withUnsafeBufferPointer { mine in
                    other.counts.withUnsafeBufferPointer { theirs in
                        let both = Swift.min(mine.count, theirs.count)
                        for index in 0..<both { sums[index] = mine[index] &+ theirs[index] }
                        for index in both..<mine.count { sums[index] = mine[index] }
                        for index in both..<theirs.count { sums[index] = theirs[index] }
                    }
                }
                initialized = length
            }
            borrowed = false
        } else {
            if other.counts.count > counts.count { makeRoom(for: other.counts.count - 1) }
            counts.withUnsafeMutableBufferPointer { mine in
                other.counts.withUnsafeBufferPointer { theirs in
                    for index in theirs.indices { mine[index] &+= theirs[index] }
                }
            }
        }
        bucketTotal &+= other.bucketTotal
        count += other.count
        sumMicroseconds += other.sumMicroseconds
        maxMicroseconds = max(maxMicroseconds, other.maxMicroseconds)
        minMicroseconds = min(minMicroseconds, other.minMicroseconds)
    }

    /// Extends the counts to hold bucket `index`, to the end of its block of 1,024 (so a
    /// growing range extends them a few times, not once per new bucket).
    private mutating func makeRoom(for index: Int) {
        let length = (index / Layout.halfBucket + 1) * Layout.halfBucket
        counts.append(contentsOf: repeatElement(0, count: length - counts.count))
    }

    /// For each count in `needed` (ascending), the first bucket whose cumulative count reaches
    /// it, or nil past the last bucket: one pass over the counts.
    private func firstBuckets(reaching needed: [UInt64]) -> [Int?] {
        counts.withUnsafeBufferPointer { counts in
            var found: [Int?] = []
            var next = 0
            var cumulative: UInt64 = 0
            for target in needed {
                // The bucket found last stays the first to reach a larger target as long as
                // the count up to it does (every bucket before it fell short of a smaller one).
                // Eight buckets at a time while all eight fall short (most of a long tail's
                // buckets are empty: the walk was 3 % of a small scenario's run), then one
                // by one: the same bucket, found with a fraction of the additions and tests.
                while next + 8 <= counts.count {
                    let eight = (counts[next] &+ counts[next + 1]) &+ (counts[next + 2] &+ counts[next + 3])
                        &+ ((counts[next + 4] &+ counts[next + 5]) &+ (counts[next + 6] &+ counts[next + 7]))
                    guard cumulative &+ eight < target else { break }
                    cumulative &+= eight
                    next += 8
                }
                while cumulative < target && next < counts.count {
                    cumulative &+= counts[next]
                    next += 1
                }
                found.append(cumulative >= target ? next - 1 : nil)
            }
            return found
        }
    }

    /// The count HdrHistogram's `valueAtPercentile` looks for: ceil(p% of the total, less one
    /// ulp of p), at least one.
    private func countAt(percentile: Double) -> UInt64 {
        let requested = Swift.min(Swift.max(percentile.nextDown, 0.0), 100.0)
        return Swift.max(1, UInt64((requested * Double(bucketTotal) / 100.0).rounded(.up)))
    }

    /// What HdrHistogram reports for the bucket at `index`: its highest equivalent value,
    /// within the recorded extremes.
    private func reported(at index: Int) -> UInt64 {
        Swift.max(Swift.min(Layout.highest(at: index), UInt64(clamping: maxMicroseconds)),
                  UInt64(clamping: minMicroseconds))
    }

    /// Values recorded above `threshold` (exact when the threshold is a bucket boundary, as
    /// whole seconds are; otherwise to the histogram's three significant digits).
    public func count(above threshold: Duration) -> UInt64 {
        guard count > 0 else { return 0 }
        return count - countAtOrBelow(threshold)
    }

    /// The values counted in the buckets up to the one holding `threshold`, inclusive.
    private func countAtOrBelow(_ threshold: Duration) -> UInt64 {
        let last = Layout.index(of: UInt64(max(0, threshold.microseconds)))
        return counts.withUnsafeBufferPointer { counts in
            var sum: UInt64 = 0
            for index in 0..<Swift.min(last + 1, counts.count) { sum &+= counts[index] }
            return sum
        }
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
            for (index, bucketCount) in counts.enumerated() where bucketCount > 0 {
                buckets.append([Layout.lowest(at: index), bucketCount])
            }
        }
        // The encoding keeps 64 bits (292,000 years of waits): beyond that the sum saturates.
        return Encoded(count: count, sumMicroseconds: Int64(clamping: sumMicroseconds),
                       minMicroseconds: count > 0 ? minMicroseconds : 0,
                       maxMicroseconds: maxMicroseconds, buckets: buckets)
    }

    /// Rebuilds an encoded histogram: every bucket count, and so every percentile, is the
    /// original's, and the exact count, sum and extremes are taken as they were written.
    public init(_ encoded: Encoded) {
        self.init()
        for bucket in encoded.buckets where bucket.count == 2 && bucket[1] > 0 {
            let index = Layout.index(of: bucket[0])
            if index >= counts.count { makeRoom(for: index) }
            counts[index] &+= bucket[1]
            bucketTotal &+= bucket[1]
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
        return counts.enumerated().compactMap { index, bucketCount in
            bucketCount > 0 ? (Layout.highest(at: index), bucketCount) : nil
        }
    }

    /// Standard deviation in seconds, from the buckets (each value at its bucket's middle), as
    /// HdrHistogram computes it (the same sums in the same order).
    public var standardDeviationSeconds: Double {
        guard count > 0, bucketTotal > 0 else { return 0 }
        let total = Double(bucketTotal)
        var sum = 0.0
        for (index, bucketCount) in counts.enumerated() where bucketCount > 0 {
            sum += Double(Layout.middle(at: index)) * Double(bucketCount)
        }
        let mean = sum / total
        var squares = 0.0
        for (index, bucketCount) in counts.enumerated() where bucketCount > 0 {
            let deviation = Double(Layout.middle(at: index)) - mean
            squares += (deviation * deviation) * Double(bucketCount)
        }
        return (squares / total).squareRoot() / 1e6
    }

    /// Exact sum of the recorded values, in microseconds.
    public var totalMicroseconds: Int64 { Int64(clamping: sumMicroseconds) }

    /// Exact mean in seconds (0 when empty).
    public var meanSeconds: Double { count == 0 ? 0 : Double(sumMicroseconds) / Double(count) / 1e6 }

    /// The value at `percentile` (0...100) in seconds, to three significant digits: the
    /// smallest bucket whose cumulative count reaches ``countAt(percentile:)``, reported as
    /// its highest equivalent value (HdrHistogram's `valueAtPercentile`); 0 gives the exact
    /// minimum, 100 the exact maximum.
    public func seconds(atPercentile percentile: Double) -> Double {
        guard count > 0 else { return 0 }
        if percentile == 0 { return Double(minMicroseconds) / 1e6 }
        if percentile >= 100 { return Double(maxMicroseconds) / 1e6 }
        guard let index = firstBuckets(reaching: [countAt(percentile: percentile)])[0] else { return 0 }
        return Double(reported(at: index)) / 1e6
    }

    /// Exact maximum in seconds.
    public var maxSeconds: Double { Double(maxMicroseconds) / 1e6 }

    /// Fraction of recorded values strictly greater than `threshold`.
    public func fraction(above threshold: Duration) -> Double {
        guard count > 0 else { return 0 }
        return Double(count - countAtOrBelow(threshold)) / Double(count)
    }

    /// The standard figures, with all four percentiles found in one pass over the counts
    /// (the same values as ``seconds(atPercentile:)``).
    public var summary: Summary {
        var values: [Double] = [0, 0, 0, 0]
        if count > 0 {
            let found = firstBuckets(reaching: [50.0, 90.0, 99.0, 99.9].map(countAt(percentile:)))
            for (slot, index) in found.enumerated() {
                if let index { values[slot] = Double(reported(at: index)) / 1e6 }
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

/// HdrHistogram's bucket layout for a lowest discernible value of 1 (µs) and three
/// significant digits: values below 2,048 have a bucket each; above, each power of two is
/// split into 1,024 buckets as wide as that power allows (2,048-4,095 by twos, and so on), so
/// a bucket is never wider than a thousandth of its values. Bucket `index` counts the values
/// from ``lowest(at:)`` to ``highest(at:)``.
enum Layout {
    /// Buckets per power of two above the first 2,048 values.
    static let halfBucket = 1024

    /// The bucket holding `value`.
    @inline(__always)
    static func index(of value: UInt64) -> Int {
        // The power of two past the first 2,048 values (0 for those), and the value's top
        // 11 bits at that power.
        let power = 53 - (value | 2047).leadingZeroBitCount
        let top = Int(truncatingIfNeeded: value >> UInt64(power))
        return ((power + 1) << 10) + (top - halfBucket)
    }

    /// The power of two of bucket `index` and its top bits (``index(of:)`` inverted).
    @inline(__always)
    private static func split(_ index: Int) -> (power: Int, top: Int) {
        let power = (index >> 10) - 1
        return power < 0 ? (0, index & (halfBucket - 1)) : (power, (index & (halfBucket - 1)) + halfBucket)
    }

    /// The smallest value bucket `index` counts.
    static func lowest(at index: Int) -> UInt64 {
        let (power, top) = split(index)
        return UInt64(top) << UInt64(power)
    }

    /// The largest value bucket `index` counts.
    static func highest(at index: Int) -> UInt64 {
        let (power, top) = split(index)
        return (UInt64(top) << UInt64(power)) + (1 << UInt64(power)) - 1
    }

    /// The middle of bucket `index` (lowest plus half its width), where HdrHistogram puts its
    /// values for the mean and the deviation.
    static func middle(at index: Int) -> UInt64 {
        let (power, top) = split(index)
        return (UInt64(top) << UInt64(power)) + ((1 << UInt64(power)) >> 1)
    }
}
