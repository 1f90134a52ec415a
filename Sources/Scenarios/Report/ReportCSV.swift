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
                let summary = ReplicationSummary(present, confidence: 0.95)
                let decimals = figure.isCount && present.count == 1 ? 0 : 6
                var cells = [Self.csvField(run.variant), Self.csvField(figure.path.joined(separator: "/")),
                             String(present.count), formatFixed(summary.mean, decimals: decimals)]
                cells += present.count > 1
                    ? [formatFixed(summary.lower, decimals: 6), formatFixed(summary.upper, decimals: 6)] : ["", ""]
                out += cells.joined(separator: ",") + "\n"
            }
        }
        return out
    }

    /// A CSV field, quoted when it holds a comma, a quote or a line break.
    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingAll("\"", with: "\"\"") + "\""
    }
}
