import Sim

extension ReplicatedReport {
    /// `--format csv`: every figure of every variant, one row each, for spreadsheets:
    /// `variant,figure,n,mean,ci95_low,ci95_high` with the figure's path (`wait_seconds/by_queue/Q/p99`),
    /// the replications that have it, their mean and its 95% Student-t interval (empty with
    /// fewer than two values). A single run is a report of one replication: its value is the mean.
    public var csv: String {
        var out = "variant,figure,n,mean,ci95_low,ci95_high\n"
        for run in runs {
            for (figure, values) in run.figures {
                let present = values.compactMap { $0 }
                guard !present.isEmpty else { continue }
                let cells = [CSV.field(run.variant), CSV.field(figure.path.joined(separator: "/")), String(present.count)]
                    + CSV.interval(present, meanDecimals: figure.isCount && present.count == 1 ? 0 : 6)
                out += cells.joined(separator: ",") + "\n"
            }
        }
        return out
    }
}

/// The CSV cells of every report (run, compare, sweep, merge).
enum CSV {
    /// A field (RFC 4180), quoted when it holds a comma, a quote or a line break, quotes doubled.
    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingAll("\"", with: "\"\"") + "\""
    }

    /// A figure's replications as `mean,ci95_low,ci95_high` (six decimals; the interval empty
    /// with fewer than two values, all three empty with none).
    static func interval(_ values: [Double], meanDecimals: Int = 6) -> [String] {
        guard !values.isEmpty else { return ["", "", ""] }
        let summary = ReplicationSummary(values, confidence: 0.95)
        return [formatFixed(summary.mean, decimals: meanDecimals)]
            + (values.count > 1 ? [formatFixed(summary.lower, decimals: 6), formatFixed(summary.upper, decimals: 6)] : ["", ""])
    }
}
