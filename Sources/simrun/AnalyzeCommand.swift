import ArgumentParser
import Scenarios

extension EventLogAnalysis.Grouping: ExpressibleByArgument {}

struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Build run's wait_seconds tables from an event log (simrun's --events, or a real cluster's eventlog).",
        discussion: """
            Reads the log a line at a time. Every "execution duration" record is one execution: \
            its extra.wait_seconds is counted by extra.queue_name, op type (object_type) and task \
            (extra.tasks). Records that cannot be used are counted by reason and left out; none is \
            fatal, but a file in which no line is a JSON object is refused. The shape is described \
            in docs/eventlog.md.
            """)

    @Argument(help: "Event log: one JSON object a line.")
    var file: String

    @Option(help: "Show only this group of rows beside \"all\" (default: every group, as run shows).")
    var by: EventLogAnalysis.Grouping?

    @Option(help: "Output format.")
    var format: TableOrJSON = .table

    @Option(help: "Write the tables to this file instead of standard output: whole or not at all.")
    var output: String?

    @Option(help: ArgumentHelp("Also write an HTML report with charts of the log's waits to this file (self-contained; written like --output).",
                               valueName: "file"))
    var html: String?

    @Option(help: ArgumentHelp("Also write HdrHistogram percentile distributions of the log's wait_seconds (overall, per queue, op type and task) into this directory, as .hgrm files.",
                               valueName: "dir"))
    var hgrm: String?

    func run() throws {
        let target = try OutputFile.check(output ?? "-", flag: "--output")
        let htmlTarget = try html.map { (path) throws(ExitCode) in try OutputFile.check(path, flag: "--html") }
        let histograms = try hgrm.map { (path) throws(ExitCode) in try HistogramDirectory.check(path) }
        try refuseClashes([target] + [htmlTarget].compactMap { $0 }, inputs: [file])
        let analysis: EventLogAnalysis
        do {
            analysis = try EventLogAnalysis.read(path: file)
        } catch {
            throw fail(error.description)
        }
        var outputs = OutputBatch()
        try outputs.add(format == .json ? analysis.json(by: by).rendered() + "\n" : analysis.table(by: by), to: target)
        // The same pictures and percentile files as run's, drawn from the log's histograms.
        let measured = analysis.variants.map { MeasuredVariant(name: $0.name.isEmpty ? "log" : $0.name, wait: $0.wait) }
        if let htmlTarget {
            let chart = ChartReport(title: "event log \(file)", notes: analysis.summaryLines, variants: measured)
            try outputs.add(HTMLReport.render(title: "simrun analyze: \(file)", sections: [chart]), to: htmlTarget)
        }
        if let histograms {
            try outputs.add(PercentileDistribution.files(measured, format: .hgrm), in: histograms)
        }
        try outputs.commit()
    }
}
