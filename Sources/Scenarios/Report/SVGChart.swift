import Foundation
import Sim

/// The SVG charts of the HTML report. Every chart is one `<svg>` with a `viewBox` (it scales
/// to the width of the page, so it reads in a narrow window and on paper), axes labelled with
/// their units, and series told apart by colour *and* dash pattern (so a black-and-white print
/// still separates them). Coordinates are written with one decimal: the same histograms give
/// the same bytes.
enum SVGChart {
    /// Okabe and Ito's colour-blind-safe palette (yellow left out: unreadable on white).
    static let colours = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#8C564B"]
    static let dashes = ["", "8 3", "2 3", "10 3 2 3", "5 5", "1 2", "14 4", "6 2 2 2"]

    /// The stroke of series `index`: colour, and dash pattern once the colours are used up
    /// and on every other series (for print).
    static func stroke(_ index: Int) -> String {
        let colour = colours[index % colours.count]
        let dash = dashes[(index + index / colours.count) % dashes.count]
        return "stroke=\"\(colour)\"" + (dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\"")
    }

    /// The CSS border of the legend's swatch of series `index` (the same colour and dash kind).
    static func swatchStyle(_ index: Int) -> String {
        let colour = colours[index % colours.count]
        let dash = dashes[(index + index / colours.count) % dashes.count]
        let kind = dash.isEmpty ? "solid" : dash.hasPrefix("1 ") || dash.hasPrefix("2 ") ? "dotted" : "dashed"
        return "border-top: 3px \(kind) \(colour)"
    }

    /// A log-scaled range of whole decades: 10^low ... 10^high seconds.
    struct LogRange {
        var low: Int
        var high: Int

        /// The decades that hold every positive value of `histograms` (at least one decade;
        /// from 1 µs, the histograms' resolution).
        init(_ histograms: [WaitHistogram]) {
            var smallest = Double.infinity
            var largest = 0.0
            for histogram in histograms where histogram.count > 0 {
                largest = max(largest, histogram.maxSeconds)
                if let first = histogram.encoded.buckets.first(where: { $0[0] > 0 }) {
                    smallest = min(smallest, Double(first[0]) / 1e6)
                }
            }
            guard largest > 0, smallest.isFinite else {
                low = -3
                high = 0
                return
            }
            low = max(-6, Int(log10(smallest).rounded(.down)))
            high = max(low + 1, Int(log10(largest).rounded(.up)))
        }

        /// Where `seconds` falls, 0 at 10^low and 1 at 10^high (values below 10^low at 0).
        func fraction(_ seconds: Double) -> Double {
            guard seconds > 0 else { return 0 }
            return min(1, max(0, (log10(seconds) - Double(low)) / Double(high - low)))
        }

        var decades: [Int] { Array(low...high) }
    }

    /// `10^exponent` seconds in the unit a reader expects: 1 µs, 10 ms, 1 s, 1000 s, 1e4 s.
    static func decadeLabel(_ exponent: Int) -> String {
        switch exponent {
        case ...(-7): return "1e\(exponent) s"
        case -6...(-4): return "1" + String(repeating: "0", count: exponent + 6) + " µs"
        case -3...(-1): return "1" + String(repeating: "0", count: exponent + 3) + " ms"
        case 0...3: return "1" + String(repeating: "0", count: exponent) + " s"
        default: return "1e\(exponent) s"
        }
    }

    static func number(_ value: Double) -> String { formatFixed(value, decimals: 1) }

    /// The plotting area of a chart: its size and margins.
    struct Frame {
        var width = 640.0
        var height = 340.0
        var left = 84.0
        var right = 16.0
        var top = 14.0
        var bottom = 50.0

        var plotWidth: Double { width - left - right }
        var plotHeight: Double { height - top - bottom }
        func x(_ fraction: Double) -> Double { left + fraction * plotWidth }
        func y(_ fraction: Double) -> Double { top + (1 - fraction) * plotHeight }
    }

    /// The opening of a chart, with its title for screen readers, its grid, its tick labels and
    /// its axis titles; the caller adds the series and closes it with `</svg>`.
    static func open(_ frame: Frame, label: String, xTicks: [(Double, String)], yTicks: [(Double, String)],
                     xTitle: String, yTitle: String) -> String {
        let size = frame.width >= 500 ? "wide" : "small"
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"\(size)\" viewBox=\"0 0 \(number(frame.width)) \(number(frame.height))\" "
            + "role=\"img\" aria-label=\"\(HTMLReport.escape(label))\">\n"
        out += "<title>\(HTMLReport.escape(label))</title>\n"
        out += "<rect class=\"plot\" x=\"\(number(frame.left))\" y=\"\(number(frame.top))\" width=\"\(number(frame.plotWidth))\" "
            + "height=\"\(number(frame.plotHeight))\"/>\n"
        for (fraction, text) in xTicks {
            let x = number(frame.x(fraction))
            out += "<line class=\"grid\" x1=\"\(x)\" y1=\"\(number(frame.top))\" x2=\"\(x)\" y2=\"\(number(frame.y(0)))\"/>"
            out += "<text class=\"tick\" x=\"\(x)\" y=\"\(number(frame.y(0) + 16))\" text-anchor=\"middle\">"
                + "\(HTMLReport.escape(text))</text>\n"
        }
        for (fraction, text) in yTicks {
            let y = number(frame.y(fraction))
            out += "<line class=\"grid\" x1=\"\(number(frame.left))\" y1=\"\(y)\" x2=\"\(number(frame.x(1)))\" y2=\"\(y)\"/>"
            out += "<text class=\"tick\" x=\"\(number(frame.left - 5))\" y=\"\(number(frame.y(fraction) + 4))\" "
                + "text-anchor=\"end\">\(HTMLReport.escape(text))</text>\n"
        }
        out += "<text class=\"axis\" x=\"\(number(frame.x(0.5)))\" y=\"\(number(frame.height - 8))\" text-anchor=\"middle\">"
            + "\(HTMLReport.escape(xTitle))</text>\n"
        out += "<text class=\"axis\" transform=\"translate(18 \(number(frame.y(0.5)))) rotate(-90)\" text-anchor=\"middle\">"
            + "\(HTMLReport.escape(yTitle))</text>\n"
        return out
    }

    static func path(_ points: [(Double, Double)], stroke index: Int) -> String {
        guard let first = points.first else { return "" }
        var d = "M\(number(first.0)) \(number(first.1))"
        for point in points.dropFirst() { d += "L\(number(point.0)) \(number(point.1))" }
        return "<path class=\"series\" d=\"\(d)\" \(stroke(index))/>\n"
    }

    static func logTicks(_ range: LogRange) -> [(Double, String)] {
        range.decades.map { (range.fraction(pow(10, Double($0))), decadeLabel($0)) }
    }

    /// Histogram bins per decade of the log time axis.
    static let binsPerDecade = 5

    /// The share of each series' values in each bin of the log axis (values below its left end
    /// in the first bin), as a step line per series.
    static func histogram(_ series: [ChartReport.Series], range: LogRange, metric: String, label: String) -> String {
        let frame = Frame()
        let bins = (range.high - range.low) * binsPerDecade
        var shares: [[Double]] = []
        for item in series {
            var counts = [UInt64](repeating: 0, count: bins)
            for bucket in item.all.encoded.buckets {
                let index = Int((range.fraction(Double(bucket[0]) / 1e6) * Double(bins)).rounded(.down))
                counts[min(bins - 1, max(0, index))] += bucket[1]
            }
            let total = Double(max(1, item.all.count))
            shares.append(counts.map { Double($0) / total * 100 })
        }
        let top = niceCeiling(shares.flatMap { $0 }.max() ?? 0)
        let yTicks = (0...4).map { (Double($0) / 4, formatFixed(top * Double($0) / 4, decimals: top >= 20 ? 0 : 1) + "%") }
        var out = open(frame, label: label, xTicks: logTicks(range), yTicks: yTicks,
                       xTitle: "\(metric) (seconds, log scale, \(binsPerDecade) bins per decade)",
                       yTitle: "share of ops in the bin (%)")
        for (index, share) in shares.enumerated() {
            var points: [(Double, Double)] = [(frame.x(0), frame.y(0))]
            for (bin, value) in share.enumerated() {
                let y = frame.y(value / top)
                points.append((frame.x(Double(bin) / Double(bins)), y))
                points.append((frame.x(Double(bin + 1) / Double(bins)), y))
            }
            points.append((frame.x(1), frame.y(0)))
            out += path(points, stroke: index)
        }
        return out + "</svg>"
    }

    /// The fraction of each series' values at or below each time (a step line per series),
    /// drawn at the resolution of the chart: one point per column of pixels at most.
    static func cdf(_ histograms: [(index: Int, histogram: WaitHistogram)], range: LogRange, metric: String,
                    label: String, frame: Frame = Frame()) -> String {
        let yTicks = (0...4).map { (Double($0) / 4, "\($0 * 25)%") }
        var out = open(frame, label: label, xTicks: logTicks(range), yTicks: yTicks,
                       xTitle: "\(metric) (seconds, log scale)", yTitle: "ops at or below (%)")
        for (index, histogram) in histograms where histogram.count > 0 {
            let total = Double(histogram.count)
            var cumulative: UInt64 = 0
            var points: [(Double, Double)] = [(frame.x(0), frame.y(0))]
            for bucket in histogram.encoded.buckets {
                cumulative += bucket[1]
                let x = (frame.x(range.fraction(Double(bucket[0]) / 1e6)) * 2).rounded() / 2
                let y = frame.y(Double(cumulative) / total)
                if let last = points.last, last.0 == x {
                    points[points.count - 1].1 = y
                } else {
                    points.append((x, points.last?.1 ?? frame.y(0)))
                    points.append((x, y))
                }
            }
            points.append((frame.x(1), frame.y(1)))
            out += path(points, stroke: index)
        }
        return out + "</svg>"
    }

    /// Each series' percentiles p50 ... p99.99 and max on a log scale, as a line with markers.
    static func ladder(_ series: [ChartReport.Series], metric: String, label: String) -> String {
        let frame = Frame()
        let steps = ChartReport.ladder.map(\.label) + ["max"]
        let values = series.map { item in
            ChartReport.ladder.map { item.all.seconds(atPercentile: $0.percentile) } + [item.all.maxSeconds]
        }
        let range = LogRange(series.map(\.all))
        let xTicks = steps.enumerated().map { (Double($0) / Double(steps.count - 1), $1) }
        var out = open(frame, label: label, xTicks: xTicks,
                       yTicks: range.decades.map { (range.fraction(pow(10, Double($0))), decadeLabel($0)) },
                       xTitle: "percentile of \(metric)", yTitle: "\(metric) (seconds, log scale)")
        for (index, row) in values.enumerated() where series[index].all.count > 0 {
            let points = row.enumerated().map { step, value in
                (frame.x(Double(step) / Double(steps.count - 1)), frame.y(range.fraction(value)))
            }
            out += path(points, stroke: index)
            let colour = colours[index % colours.count]
            for point in points {
                out += "<circle cx=\"\(number(point.0))\" cy=\"\(number(point.1))\" r=\"3\" fill=\"\(colour)\"/>"
            }
            out += "\n"
        }
        return out + "</svg>"
    }

    /// The smallest 1, 2 or 5 times a power of ten at or above `value` (1 for nothing).
    static func niceCeiling(_ value: Double) -> Double {
        guard value > 0 else { return 1 }
        let power = pow(10, log10(value).rounded(.down))
        for step in [1.0, 2, 5, 10] where step * power >= value * (1 - 1e-12) { return step * power }
        return 10 * power
    }
}
