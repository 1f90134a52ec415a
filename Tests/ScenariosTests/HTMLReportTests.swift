import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Model
@testable import Scenarios
import Sim
import Testing

/// Counts the elements of a document and whether it parsed as XML.
final class ElementCounter: NSObject, XMLParserDelegate {
    var counts: [String: Int] = [:]
    var texts: [String] = []

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        counts[name, default: 0] += 1
    }

    /// Parses `text`; the element counts, or nil with the parser's error when not well-formed.
    static func parse(_ text: String) -> (counts: [String: Int]?, error: String?) {
        let parser = XMLParser(data: Data(text.utf8))
        let counter = ElementCounter()
        parser.delegate = counter
        guard parser.parse() else {
            return (nil, "line \(parser.lineNumber): \(parser.parserError.map { "\($0)" } ?? "unknown error")")
        }
        return (counter.counts, nil)
    }
}

@Suite struct HTMLReportTests {
    static func sixStarts() throws -> ReplicatedReport {
        let scenario = try ScenarioParser.load(path: CLI.packageRoot.appendingPathComponent(
            "scenarios/six-instance-starts.yaml").path)
        return ScenarioRunner.run(scenario, chosen: scenario.variants, measureWallTime: false)
    }

    /// Well-formed, and one `<svg>` per chart: histogram, CDF, percentile ladder, and one
    /// small multiple per queue any variant used; one legend entry and one table row per
    /// variant; every lost request listed.
    @Test func reportIsWellFormedWithOneSVGPerChart() throws {
        let report = try Self.sixStarts()
        let html = HTMLReport.render(title: "six", sections: [ChartReport(report)])
        let parsed = ElementCounter.parse(html)
        let counts = try #require(parsed.counts, "not well-formed: \(parsed.error ?? "")")
        let queues = Set(report.runs.flatMap(\.result.wait.byQueue.keys))
        #expect(queues.count >= 2)
        #expect(counts["svg"] == 3 + queues.count)
        #expect(counts["figure"] == 3 + queues.count)
        #expect(counts["li"] == report.runs.count + report.runs.reduce(0) { $0 + $1.result.effectViolations.count })
        #expect(counts["tr"] == 1 + report.runs.count)
        #expect(counts["script"] == nil && counts["link"] == nil && counts["img"] == nil)
        #expect(!html.contains("http://") || html.components(separatedBy: "http://").count - 1 == counts["svg"],
                "the only URL is the SVG namespace")
    }

    /// Same runs, same bytes.
    /// A name holding a character XML cannot hold at all (an escape, NUL, U+FFFE) still
    /// gives a well-formed file: it is shown as U+FFFD; tab and newline stay.
    @Test func controlCharactersInNamesKeepTheFileWellFormed() throws {
        #expect(HTMLReport.escape("a\u{1B}[31m\u{0}b\u{FFFE}\tc<&") == "a\u{FFFD}[31m\u{FFFD}b\u{FFFD}\tc&lt;&amp;")
        let html = HTMLReport.render(title: "six\u{1}\u{1B}", sections: [ChartReport(try Self.sixStarts())])
        let parsed = ElementCounter.parse(html)
        #expect(parsed.error == nil, "\(parsed.error ?? "")")
    }

    @Test func sameSeedGivesTheSameBytes() throws {
        let first = HTMLReport.render(title: "t", sections: [ChartReport(try Self.sixStarts())])
        let second = HTMLReport.render(title: "t", sections: [ChartReport(try Self.sixStarts())])
        #expect(first == second)
    }

    /// The histogram chart's bars add up: every series' step heights, read back from the
    /// path, are shares of its ops that sum to 100% (to the rounding of the coordinates).
    @Test func histogramSharesSumToAllOps() throws {
        var a = WaitHistogram(), b = WaitHistogram()
        for ms in [2, 3, 40, 41, 42, 900] { a.record(.milliseconds(ms)) }
        for s in 1...20 { b.record(.seconds(s)) }
        let series = [ChartReport.Series(name: "a", all: a, panels: [:]), ChartReport.Series(name: "b", all: b, panels: [:])]
        let range = SVGChart.LogRange([a, b])
        #expect(range.low == -3 && range.high == 2)
        let svg = SVGChart.histogram(series, range: range, metric: "wait_seconds", label: "h")
        let frame = SVGChart.Frame()
        // The y axis tops at the nicest ceiling of the largest share: a has 3 of 6 ops in the
        // bin 39.8 ms ... 63.1 ms, 50%.
        #expect(svg.contains(">50%</text>"))
        let paths = svg.components(separatedBy: "d=\"").dropFirst().map { $0.prefix { $0 != "\"" } }
        #expect(paths.count == 2)
        for path in paths {
            let numbers: [Double] = path.split(whereSeparator: { $0 == "M" || $0 == "L" || $0 == " " })
                .compactMap { Double(String($0)) }
            let ys: [Double] = stride(from: 1, to: numbers.count, by: 2).map { numbers[$0] }
            // Pairs of points per bin, after the opening point.
            var total = 0.0
            for index in stride(from: 1, to: ys.count - 1, by: 2) {
                total += (frame.y(0) - ys[index]) / frame.plotHeight * 50
            }
            #expect(abs(total - 100) < 1, "\(total)")
        }
        #expect(SVGChart.decadeLabel(-6) == "1 µs" && SVGChart.decadeLabel(-2) == "10 ms"
                && SVGChart.decadeLabel(3) == "1000 s" && SVGChart.decadeLabel(4) == "1e4 s")
    }

    /// The entry point for waits measured elsewhere (an event log): histograms by queue, op
    /// type and task and counters, without a simulated run.
    @Test func measuredHistogramsWithoutARunGiveAReport() throws {
        var wait = Breakdown()
        var h = WaitHistogram()
        for ms in 1...100 { h.record(.milliseconds(ms)) }
        wait.all = h
        wait.byQueue = ["q1": h, "q2": h]
        let section = ChartReport(title: "from an event log", notes: [],
                                  variants: [MeasuredVariant(name: "cluster", wait: wait, counts: [.executed: 100])])
        let counts = try #require(ElementCounter.parse(HTMLReport.render(title: "log", sections: [section])).counts)
        #expect(counts["svg"] == 5)
        #expect(section.table?.rows.first?[1] == "100")
    }
}

@Suite(.serialized) struct ReportOutputCommandTests {
    /// `analyze --html --hgrm` on the shipped example export: the charts are drawn from the
    /// log's histograms (well-formed, one SVG per chart: histogram, CDF, ladder and one
    /// panel per queue, five queues in that log), and one .hgrm file per histogram.
    @Test func analyzeWritesHTMLAndHistogramsFromALog() throws {
        let directory = URL(fileURLWithPath: try scratchDirectory())
        let html = directory.appendingPathComponent("log.html").path
        let hgrm = directory.appendingPathComponent("h").path
        let result = try CLI.run(["analyze", "docs/examples/cluster-eventlog.jsonl", "--html", html, "--hgrm", hgrm])
        #expect(result.status == 0, "\(result.stderr)")
        let page = try String(contentsOfFile: html, encoding: .utf8)
        let counts = try #require(ElementCounter.parse(page).counts)
        let files = try FileManager.default.contentsOfDirectory(atPath: hgrm).sorted()
        let queues = files.filter { $0.hasPrefix("log.wait_seconds.queue.") }.count
        #expect(queues > 0)
        #expect(counts["svg"] == 3 + queues)
        #expect(files.contains("log.wait_seconds.all.hgrm"))
    }

    /// `--html`, `--hgrm` and `--format csv` together: the HTML is well-formed and the same
    /// twice; one histogram file per histogram; the CSV has a row per figure.
    @Test func runWritesHTMLHistogramsAndCSV() throws {
        let directory = URL(fileURLWithPath: try scratchDirectory())
        var pages: [String] = []
        for index in 0..<2 {
            let html = directory.appendingPathComponent("r\(index).html").path
            let hgrm = directory.appendingPathComponent("h\(index)").path
            let result = try CLI.run(["run", "scenarios/six-instance-starts.yaml", "--deterministic", "--html", html,
                                      "--hgrm", hgrm])
            #expect(result.status == 0, "\(result.stderr)")
            pages.append(try String(contentsOfFile: html, encoding: .utf8))
            let files = try FileManager.default.contentsOfDirectory(atPath: hgrm).sorted()
            #expect(files.contains("facade.wait_seconds.all.hgrm") && files.allSatisfy { $0.hasSuffix(".hgrm") })
            let all = try String(contentsOfFile: hgrm + "/facade.wait_seconds.all.hgrm", encoding: .utf8)
            #expect(all.hasPrefix("       Value     Percentile TotalCount 1/(1-Percentile)\n\n"))
        }
        #expect(pages[0] == pages[1])
        #expect(ElementCounter.parse(pages[0]).counts != nil)

        let csv = try CLI.run(["run", "scenarios/six-instance-starts.yaml", "--deterministic", "--format", "csv",
                               "--hgrm", directory.appendingPathComponent("c").path])
        let lines = csv.stdout.split(separator: "\n")
        #expect(lines.first == "variant,figure,n,mean,ci95_low,ci95_high")
        #expect(lines.contains { $0.hasPrefix("facade,ops/executed,1,") })
        #expect(lines.contains { $0.hasPrefix("plan,wait_seconds/all/p99,1,") })
        let csvFiles = try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("c").path)
        #expect(!csvFiles.isEmpty && csvFiles.allSatisfy { $0.hasSuffix(".csv") })

        // A file where the directory should be is refused before anything runs.
        let clash = try CLI.run(["run", "scenarios/six-instance-starts.yaml", "--hgrm", pages.isEmpty ? "" :
                                 directory.appendingPathComponent("r0.html").path])
        #expect(clash.status == 2 && clash.stderr.contains("--hgrm") && clash.stderr.contains("is not a directory"))
    }
}

@Suite struct MeasuredTableTests {
    /// Histograms alone (as an event log gives them) tabulate exactly as the run's own table.
    @Test func measuredHistogramsTabulateLikeTheRun() throws {
        let report = try HTMLReportTests.sixStarts()
        let table = report.table
        for variant in report.measured {
            let lines = variant.table(.wait)
            #expect(lines.count > 3)
            #expect(table.contains(lines.joined(separator: "\n")), "\(lines.joined(separator: "\n"))")
        }
    }
}
