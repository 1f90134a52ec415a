import Sim

/// The HTML report (`--html FILE`): one self-contained file (styles inline, charts as inline
/// SVG, no script, nothing fetched), well-formed XML as well as HTML, so any XML parser reads
/// it. Per section: a legend, the histogram and the CDF of every series overlaid on a log
/// time axis, the percentile ladder, one small CDF per queue (or lane), the comparison table
/// and the lost work. The bytes depend only on the report: no date, no wall time.
public enum HTMLReport {
    public static func render(title: String, sections: [ChartReport]) -> String {
        var out = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8"/>
            <meta name="viewport" content="width=device-width, initial-scale=1"/>
            <title>\(escape(title))</title>
            <style>\(style)</style>
            </head>
            <body>
            <h1>\(escape(title))</h1>

            """
        for section in sections { out += render(section) }
        out += "<p class=\"note\">Written by simrun. Waits under the left end of a time axis are drawn at it; "
            + "percentiles are those of the histograms (three significant digits).</p>\n</body>\n</html>\n"
        return out
    }

    static func render(_ section: ChartReport) -> String {
        var out = "<section>\n<h2>\(escape(section.title))</h2>\n"
        for note in section.notes { out += "<p class=\"note\">\(escape(note))</p>\n" }
        out += "<ul class=\"legend\">"
        for (index, series) in section.series.enumerated() {
            out += "<li><span class=\"swatch\" style=\"\(SVGChart.swatchStyle(index))\"></span>\(escape(series.name))</li>"
        }
        out += "</ul>\n"
        let metric = section.metric
        let range = SVGChart.LogRange(section.series.map(\.all))
        out += figure("Histogram of \(metric), every series overlaid",
                      SVGChart.histogram(section.series, range: range, metric: metric,
                                         label: "Histogram of \(metric), log time axis"))
        out += figure("Cumulative distribution of \(metric)",
                      SVGChart.cdf(Array(section.series.map(\.all).enumerated().map { ($0, $1) }), range: range,
                                   metric: metric, label: "Cumulative distribution of \(metric), log time axis"))
        out += figure("Percentile ladder of \(metric): p50 to p99.99 and the maximum",
                      SVGChart.ladder(section.series, metric: metric, label: "Percentiles of \(metric), log scale"))
        let panels = section.panelNames
        if !panels.isEmpty {
            out += "<h3>\(escape(metric)) by \(escape(section.panelKind))</h3>\n<div class=\"multiples\">\n"
            var small = SVGChart.Frame()
            small.width = 320
            small.height = 230
            small.left = 58
            for panel in panels {
                let histograms = section.series.enumerated().compactMap { index, series in
                    series.panels[panel].map { (index: index, histogram: $0) }
                }
                let counts = section.series.map { series in series.panels[panel].map { String($0.count) } ?? "0" }
                out += figure("\(section.panelKind) \(panel) (ops: \(counts.joined(separator: ", ")))",
                              SVGChart.cdf(histograms, range: range, metric: metric,
                                           label: "Cumulative distribution of \(metric), \(section.panelKind) \(panel)",
                                           frame: small))
            }
            out += "</div>\n"
        }
        if let table = section.table { out += render(table) }
        if let lost = section.lostWork {
            out += "<h3>Lost work</h3>\n"
            if lost.isEmpty {
                out += "<p>None: every request's change was made.</p>\n"
            } else {
                out += "<p>\(lost.count) requests whose change no execution made:</p>\n<ul class=\"lost\">\n"
                for line in lost { out += "<li>\(escape(line))</li>\n" }
                out += "</ul>\n"
            }
        }
        return out + "</section>\n"
    }

    static func figure(_ caption: String, _ svg: String) -> String {
        "<figure>\n\(svg)\n<figcaption>\(escape(caption))</figcaption>\n</figure>\n"
    }

    static func render(_ table: ChartReport.Table) -> String {
        var out = "<h3>Comparison</h3>\n<div class=\"scroll\">\n<table>\n<caption>\(escape(table.caption))</caption>\n<thead><tr>"
        for (index, cell) in table.header.enumerated() {
            out += index == 0 ? "<th scope=\"col\" class=\"name\">\(escape(cell))</th>" : "<th scope=\"col\">\(escape(cell))</th>"
        }
        out += "</tr></thead>\n<tbody>\n"
        for row in table.rows {
            out += "<tr>"
            for (index, cell) in row.enumerated() {
                out += index == 0 ? "<th scope=\"row\" class=\"name\">\(escape(cell))</th>" : "<td>\(escape(cell))</td>"
            }
            out += "</tr>\n"
        }
        return out + "</tbody>\n</table>\n</div>\n"
    }

    /// `text` with the five XML specials escaped, and every character XML 1.0 cannot hold at
    /// all (control characters other than tab, newline and carriage return; U+FFFE, U+FFFF),
    /// even as a reference, shown as U+FFFD: a name holding one (a scenario's or a variant's)
    /// would leave the file not well-formed.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF:
                out += "\u{FFFD}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Readable on a phone (charts scale to the width, small multiples wrap, wide tables
    /// scroll) and on paper (no figure split over pages, the table at full width).
    static let style = """

        body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 72rem; padding: 0.5rem 1rem; color: #111; }
        h1 { font-size: 1.4rem; } h2 { font-size: 1.2rem; margin-top: 2rem; } h3 { font-size: 1.05rem; }
        figure { margin: 1rem 0; } figcaption { font-size: 0.9rem; color: #333; }
        svg { width: 100%; height: auto; display: block; }
        svg .plot { fill: none; stroke: #444; stroke-width: 1; }
        svg .grid { stroke: #ddd; stroke-width: 1; }
        svg .tick { font-size: 12px; fill: #222; }
        svg .axis { font-size: 13px; fill: #111; }
        svg .series { fill: none; stroke-width: 2; }
        .multiples { display: grid; grid-template-columns: repeat(auto-fill, minmax(18rem, 1fr)); gap: 0.5rem 1rem; }
        .legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 0.3rem 1.2rem; }
        .swatch { display: inline-block; width: 2rem; margin-right: 0.4rem; vertical-align: middle; }
        .note { color: #333; font-size: 0.9rem; }
        .scroll { overflow-x: auto; }
        table { border-collapse: collapse; font-variant-numeric: tabular-nums; font-size: 0.9rem; }
        caption { text-align: left; font-size: 0.9rem; color: #333; padding-bottom: 0.3rem; }
        th, td { padding: 0.15rem 0.6rem; text-align: right; border-bottom: 1px solid #ddd; }
        th.name { text-align: left; }
        .lost { font-family: ui-monospace, monospace; font-size: 0.85rem; }
        @media (max-width: 40rem) {
          svg.wide .tick { font-size: 17px; }
          svg.wide .axis { font-size: 18px; }
        }
        @media print {
          body { max-width: none; }
          figure, table { break-inside: avoid; }
          .multiples { grid-template-columns: repeat(2, 1fr); }
          .scroll { overflow: visible; }
        }

        """
}
