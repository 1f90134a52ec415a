import Foundation
import Model
@testable import Scenarios
import Sim
import Testing

@Suite struct PercentileDistributionTests {
    /// 1000 waits of 1, 2, ..., 1000 ms.
    static func ramp() -> WaitHistogram {
        var histogram = WaitHistogram()
        for millisecond in 1...1000 { histogram.record(.milliseconds(millisecond)) }
        return histogram
    }

    /// Rows of the text form: every line between the header's blank line and the `#[` footer.
    static func rows(_ text: String) -> [[String]] {
        text.split(separator: "\n").dropFirst().filter { !$0.hasPrefix("#") }
            .map { $0.split(separator: " ").map(String.init) }
    }

    /// The steps halve their spacing each time the distance to 100% halves, five steps per
    /// halving: 0, 10, ..., 50 (spacing 10), 55, ..., 75 (5), 77.5, ..., 87.5 (2.5), 88.75 ...
    @Test func percentileStepsHalveWithTheDistanceToOneHundred() {
        let levels = Self.rows(PercentileDistribution.render(Self.ramp(), format: .hgrm)).prefix(16)
            .map { Double($0[1])! * 100 }
        let expected = [0, 10, 20, 30, 40, 50, 55, 60, 65, 70, 75, 77.5, 80, 82.5, 85, 87.5]
        #expect(zip(levels, expected).allSatisfy { abs($0 - $1) < 1e-9 }, "\(levels)")
    }

    /// Each row's value is the highest value of the bucket where the cumulative count reaches
    /// its percentile; the count is that bucket's cumulative count. At 50%: the 500th wait,
    /// 500 ms, whose bucket (256 µs wide from 262 144 µs: three significant digits, 2048
    /// sub-buckets) runs from 499 968 to 500 223 µs and holds waits 500 only.
    @Test func rowsGiveValueInMillisecondsPercentileCountAndInverse() throws {
        let text = PercentileDistribution.render(Self.ramp(), format: .hgrm)
        #expect(text.hasPrefix("       Value     Percentile TotalCount 1/(1-Percentile)\n\n"))
        let rows = Self.rows(text)
        let first = try #require(rows.first)
        #expect(first == ["1.000", "0.000000000000", "1", "1.00"])
        let median = try #require(rows.first { $0[1] == "0.500000000000" })
        #expect(median == ["500.223", "0.500000000000", "500", "2.00"])
        let ninety = try #require(rows.first { $0[1] == "0.900000000000" })
        #expect(ninety[2] == "900" && ninety[3] == "10.00")
        // The last row is at percentile 1, with every count and no fourth column: the largest
        // wait, 1000 ms, in the bucket 999 936 ... 1 000 447 µs (512 µs wide).
        let last = try #require(rows.last)
        #expect(last == ["1000.447", "1.000000000000", "1000"])
        // Percentiles never go down; counts never go down.
        #expect(zip(rows, rows.dropFirst()).allSatisfy { Double($0[1])! <= Double($1[1])! && Int($0[2])! <= Int($1[2])! })
    }

    /// The footer: exact mean (500.5 ms), maximum and count; an hour at three digits needs 22
    /// buckets of 2048 sub-buckets (2048 x 2^21 µs > 3.6e9 µs).
    @Test func footerHoldsMeanMaximumCountAndBuckets() {
        let text = PercentileDistribution.render(Self.ramp(), format: .hgrm)
        let footer = text.split(separator: "\n").filter { $0.hasPrefix("#[") }
        #expect(footer.count == 3)
        #expect(footer[0].hasPrefix("#[Mean    =      500.500, StdDeviation   = "))
        #expect(footer[1] == "#[Max     =     1000.000, Total count    =         1000]")
        #expect(footer[2] == "#[Buckets =           22, SubBuckets     =         2048]")
        // The standard deviation of 1..1000 ms is 288.7 ms; bucket midpoints move it little.
        let deviation = Double(footer[0].split(separator: "=").last!.dropLast().trimmingCharacters(in: .whitespaces))!
        #expect(abs(deviation - 288.675) < 0.5)
    }

    @Test func csvHasTheSameRowsWithInfinityLast() throws {
        let histogram = Self.ramp()
        let csv = PercentileDistribution.render(histogram, format: .csv).split(separator: "\n")
        #expect(csv.first == "\"Value\",\"Percentile\",\"TotalCount\",\"1/(1-Percentile)\"")
        let text = Self.rows(PercentileDistribution.render(histogram, format: .hgrm))
        #expect(csv.count - 1 == text.count)
        #expect(csv[1] == "1.000,0.000000000000,1,1.00")
        #expect(csv.last == "1000.447,1.000000000000,1000,Infinity")
    }

    @Test func emptyHistogramHasHeaderAndFooterOnly() {
        let text = PercentileDistribution.render(WaitHistogram(), format: .hgrm)
        #expect(Self.rows(text).isEmpty)
        #expect(text.contains("Total count    =            0]"))
    }

    /// One file per histogram: overall, then queues, op types and tasks, names made safe and
    /// never repeated.
    @Test func filesAreNamedByVariantGroupAndNameSafely() {
        var wait = Breakdown()
        var histogram = WaitHistogram()
        histogram.record(.milliseconds(5))
        wait.all = histogram
        wait.byQueue = ["node-1-net/user": histogram, "node-1-net_user": histogram]
        wait.byTask = ["a+b": histogram]
        let files = PercentileDistribution.files([MeasuredVariant(name: "plan", wait: wait)], format: .hgrm)
        #expect(files.map(\.name) == ["plan.wait_seconds.all.hgrm", "plan.wait_seconds.queue.node-1-net_user.hgrm",
                                      "plan.wait_seconds.queue.node-1-net_user~2.hgrm", "plan.wait_seconds.task.a+b.hgrm"])
        #expect(PercentileDistribution.files([MeasuredVariant(name: "..", wait: wait)], format: .csv)[0].name
                == "_...wait_seconds.all.csv")
    }
}
