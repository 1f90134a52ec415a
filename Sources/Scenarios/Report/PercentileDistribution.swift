import Foundation
import Sim

/// HdrHistogram's percentile-distribution text (`.hgrm`), the format its plotters read
/// (hdrhistogram.github.io/HdrHistogram/plotFiles.html), or the same figures as CSV.
///
/// The text form: a header line `Value Percentile TotalCount 1/(1-Percentile)`, a blank line,
/// then one line per reporting step: the value (the highest value of the bucket where the
/// cumulative count reaches the step), the step's percentile as a fraction, the cumulative
/// count and 1/(1-percentile); the last line, at percentile 1, has no fourth column. Steps
/// start at 0 and halve their spacing each time the distance to 100% halves, with a fixed
/// number of steps per halving (`ticksPerHalfDistance`, 5: 0, 10, ..., 50, 55, ..., 75, 77.5,
/// ...). Three trailing lines start with `#[`: mean and standard deviation, maximum and total
/// count, and the histogram's bucket and sub-bucket counts. Values are in milliseconds (the
/// unit the plotters label), with three decimals: the histogram's 1 µs resolution.
public enum PercentileDistribution {
    public enum Format: Sendable { case hgrm, csv }

    public static let ticksPerHalfDistance = 5.0

    /// The distribution of `histogram` (empty histograms give the header and footer only).
    public static func render(_ histogram: WaitHistogram, format: Format) -> String {
        let rows = steps(histogram)
        var out = format == .csv
            ? "\"Value\",\"Percentile\",\"TotalCount\",\"1/(1-Percentile)\"\n"
            : [("Value", 12), ("Percentile", 14), ("TotalCount", 10), ("1/(1-Percentile)", 14)]
                .map { String(repeating: " ", count: max(0, $1 - $0.count)) + $0 }.joined(separator: " ") + "\n\n"
        for row in rows {
            let value = Double(row.valueMicroseconds) / 1000
            let last = row.percentile >= 1
            switch format {
            case .csv:
                out += String(format: "%.3f,%.12f,%llu,", value, row.percentile, row.totalCount)
                    + (last ? "Infinity" : String(format: "%.2f", 1 / (1 - row.percentile))) + "\n"
            case .hgrm:
                out += String(format: "%12.3f %2.12f %10llu", value, row.percentile, row.totalCount)
                    + (last ? "" : String(format: " %14.2f", 1 / (1 - row.percentile))) + "\n"
            }
        }
        guard format == .hgrm else { return out }
        out += String(format: "#[Mean    = %12.3f, StdDeviation   = %12.3f]\n", histogram.meanSeconds * 1000,
                      histogram.standardDeviationSeconds * 1000)
        out += String(format: "#[Max     = %12.3f, Total count    = %12llu]\n", histogram.maxSeconds * 1000,
                      histogram.count)
        let (buckets, subBuckets) = bucketCounts(largestMicroseconds: UInt64(max(0, histogram.maxSeconds * 1e6)))
        out += String(format: "#[Buckets = %12d, SubBuckets     = %12d]\n", buckets, subBuckets)
        return out
    }

    struct Step: Equatable {
        var valueMicroseconds: UInt64
        var percentile: Double
        var totalCount: UInt64
    }

    /// The reporting steps: at each percentile level, the first bucket whose cumulative count
    /// reaches it; the last bucket is reported once more at percentile 1.
    static func steps(_ histogram: WaitHistogram) -> [Step] {
        let buckets = histogram.buckets
        let total = buckets.reduce(0) { $0 + $1.count }
        guard total > 0 else { return [] }
        var out: [Step] = []
        var level = 0.0
        var cumulative: UInt64 = 0
        for bucket in buckets {
            cumulative += bucket.count
            let reached = Double(cumulative) / Double(total) * 100
            while level <= reached && level < 100 {
                out.append(Step(valueMicroseconds: bucket.highestMicroseconds, percentile: level / 100,
                                totalCount: cumulative))
                if cumulative == total { break }
                level = next(after: level)
            }
            if cumulative == total {
                out.append(Step(valueMicroseconds: bucket.highestMicroseconds, percentile: 1, totalCount: cumulative))
                break
            }
        }
        return out
    }

    /// The level after `level`: the spacing is 100 / (ticks x 2^(halvings + 1)), where
    /// halvings counts how often the distance to 100% has halved since 0.
    static func next(after level: Double) -> Double {
        let halvings = (log2(100 / (100 - level))).rounded(.down)
        return level + 100 / (ticksPerHalfDistance * pow(2, halvings + 1))
    }

    /// The bucket and sub-bucket counts of a histogram of three significant digits from 1 µs
    /// that holds `largestMicroseconds` (and at least an hour, as ``WaitHistogram`` starts):
    /// 2048 sub-buckets (the power of two above 2 x 10^3), and buckets doubling from 2048 µs
    /// until one more would be needed.
    static func bucketCounts(largestMicroseconds: UInt64) -> (Int, Int) {
        let subBuckets = 2048
        let highest = max(largestMicroseconds, 3_600_000_000)
        var smallestUntrackable = UInt64(subBuckets)
        var buckets = 1
        while smallestUntrackable <= highest {
            guard smallestUntrackable <= UInt64.max / 2 else { return (buckets + 1, subBuckets) }
            smallestUntrackable <<= 1
            buckets += 1
        }
        return (buckets, subBuckets)
    }

    /// One file per histogram of each variant's `wait_seconds`: overall, then by queue, op
    /// type and task, named `VARIANT.wait_seconds.all.hgrm`, `VARIANT.wait_seconds.queue.Q.hgrm`
    /// (`.csv` for CSV). Characters other than letters, digits, `.`, `_`, `+` and `-` become
    /// `_`; a name that would repeat another gets `~2`, `~3`, ... before the extension.
    public static func files(_ variants: [MeasuredVariant], format: Format) -> [(name: String, text: String)] {
        var out: [(name: String, text: String)] = []
        var taken: Set<String> = []
        let ending = format == .csv ? ".csv" : ".hgrm"
        func add(_ parts: [String], _ histogram: WaitHistogram) {
            let stem = parts.map(safe).joined(separator: ".")
            var name = stem + ending
            var copy = 2
            while taken.contains(name) {
                name = stem + "~\(copy)" + ending
                copy += 1
            }
            taken.insert(name)
            out.append((name, render(histogram, format: format)))
        }
        for variant in variants {
            add([variant.name, Metric.wait.rawValue, "all"], variant.wait.all)
            for grouping in Grouping.allCases {
                let map = grouping.histograms(in: variant.wait)
                for key in map.keys.sorted() {
                    if let histogram = map[key] { add([variant.name, Metric.wait.rawValue, grouping.rawValue, key], histogram) }
                }
            }
        }
        return out
    }

    static func safe(_ part: String) -> String {
        let kept = String(part.unicodeScalars.map { scalar -> Character in
            let allowed = (scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)))
                || "._+-".unicodeScalars.contains(scalar)
            return allowed ? Character(scalar) : "_"
        })
        return kept.isEmpty || kept.hasPrefix(".") ? "_" + kept : kept
    }
}
