import Model
import Sim

/// One section of the HTML report: the distributions of several series (variants, or points
/// and variants of a sweep) drawn over each other, per-group small multiples, a comparison
/// table and the lost work. Built from ``MeasuredVariant``s (run, compare, an event log) or
/// from a sweep's pooled lane histograms.
public struct ChartReport: Sendable {
    public struct Series: Sendable {
        public var name: String
        public var all: WaitHistogram
        /// One histogram per panel name (queue, lane); a series may lack some panels.
        public var panels: [String: WaitHistogram]

        public init(name: String, all: WaitHistogram, panels: [String: WaitHistogram]) {
            self.name = name
            self.all = all
            self.panels = panels
        }
    }

    /// A plain table: a header row and rows of cells (numbers already formatted).
    public struct Table: Sendable {
        public var caption: String
        public var header: [String]
        public var rows: [[String]]

        public init(caption: String, header: [String], rows: [[String]]) {
            self.caption = caption
            self.header = header
            self.rows = rows
        }
    }

    public var title: String
    /// Lines under the title (seed, replications, what was pooled).
    public var notes: [String]
    /// The measure drawn, as the axes name it.
    public var metric = Metric.wait.rawValue
    /// What the small multiples are split by (`queue`, `lane`).
    public var panelKind: String
    public var series: [Series]
    public var table: Table?
    /// Lines of lost work; nil when the source cannot tell (then the list is left out).
    public var lostWork: [String]?

    public init(title: String, notes: [String], panelKind: String, series: [Series], table: Table?,
                lostWork: [String]?) {
        self.title = title
        self.notes = notes
        self.panelKind = panelKind
        self.series = series
        self.table = table
        self.lostWork = lostWork
    }

    /// The panel names of every series, sorted.
    public var panelNames: [String] { Set(series.flatMap(\.panels.keys)).sorted() }

    /// The percentiles of the ladder chart and the table.
    public static let ladder: [(label: String, percentile: Double)] = [
        ("p50", 50), ("p90", 90), ("p99", 99), ("p99.9", 99.9), ("p99.99", 99.99),
    ]

    /// The section of measured variants (run, compare, an event log): wait_seconds by queue,
    /// a table of each variant's executions, percentiles (pooled over its runs) and the
    /// change of p99 against the first, and every variant's lost work.
    public init(title: String, notes: [String], variants: [MeasuredVariant]) {
        let series = variants.map { Series(name: $0.name, all: $0.wait.all, panels: $0.wait.byQueue) }
        let base = variants.first?.wait.all.seconds(atPercentile: 99)
        var rows: [[String]] = []
        let hasEffect = variants.contains { $0.effect != nil }
        for variant in variants {
            var row = Self.row(variant.name, variant.wait.all, base: base)
            if hasEffect { row.append(variant.effect.map { Self.seconds($0.all.seconds(atPercentile: 99)) } ?? "-") }
            row.append(String(variant.lostWork.count))
            rows.append(row)
        }
        let runs = variants.map(\.runs).max() ?? 1
        let caption = "wait_seconds of all ops in seconds" + (runs > 1 ? ", pooled over \(runs) replications" : "")
            + "; p99 vs base: change against the first variant"
        let header = ["variant", "ops"] + Self.ladder.map(\.label) + ["max", "p99 vs base"]
            + (hasEffect ? ["effect p99"] : []) + ["lost"]
        let lost = variants.flatMap { variant in variant.lostWork.map { "\(variant.name): \($0)" } }
        self.init(title: title, notes: notes, panelKind: "queue", series: series,
                  table: Table(caption: caption, header: header, rows: rows), lostWork: lost)
    }

    /// A row of the table: the series' name, its ops, the ladder's percentiles, the maximum
    /// and the change of p99 against `base`.
    static func row(_ name: String, _ all: WaitHistogram, base: Double?) -> [String] {
        [name, String(all.count)] + ladder.map { seconds(all.seconds(atPercentile: $0.percentile)) }
            + [seconds(all.maxSeconds), change(all.seconds(atPercentile: 99), from: base)]
    }

    static func seconds(_ value: Double) -> String { formatFixed(value, decimals: 3) }

    static func change(_ value: Double, from base: Double?) -> String {
        guard let base, base > 0 else { return "-" }
        let percent = (value - base) / base * 100
        return (percent >= 0 ? "+" : "") + formatFixed(percent, decimals: 1) + "%"
    }
}

extension ChartReport {
    /// The section of a run or comparison; replicated, each variant's replications pooled.
    public init(_ report: ReplicatedReport) {
        var notes = [report.isSingleRun ? "seed \(report.seed)"
                     : "seed \(report.seed), \(report.replications) replications per variant (the same seeds for "
                         + "every variant); the charts pool every replication's waits"]
        // A run whose idle stretches were leapt says so, as the table and the JSON do.
        if let note = IdleRounds.note(approximated: report.approximatedVariants) { notes.append(note) }
        self.init(title: "scenario \(report.scenario)", notes: notes, variants: report.measured)
    }
}
