import Model
import Sim

/// The figures of a sweep row: what the table shows, and every figure the CSV and the JSON
/// summary give (each as its mean across replications with a 95% Student-t interval).
public enum SweepFigures {
    static let groups: [FairnessFigure.Group] = [.all] + LaneClass.allCases.map { .laneClass($0) }
        + Priority.allCases.map { .lane($0) }
    static let statistics: [FairnessFigure.Statistic] = [.share, .count, .mean, .p50, .p90, .p99, .p999, .max,
                                                         .aboveBound]

    /// Every figure of a row, in column order: each statistic of all ops, the two lane classes
    /// and the five lanes, then Jain's index over keys.
    public static let columns: [FairnessFigure] = groups.flatMap { group in
        statistics.map { FairnessFigure(group, $0) }
    } + [FairnessFigure(.all, .jain)]
}

extension SweepResult {
    /// One row per point and variant: the axes' values, the variant, and the figures the
    /// decision turns on (mean ±95% half-width across replications).
    public var table: String {
        let bound = points.first.map { ">" + $0.figures.waitBound.compactLabel } ?? ">bound"
        var lines = ["sweep \(header.scenario)  \(header.grid.count) point\(header.grid.count == 1 ? "" : "s") x "
                     + "\(header.replications) replication\(header.replications == 1 ? "" : "s")"
                     + (header.seed.map { "  seed \($0)" } ?? "")
                     + "  (figures: mean ±95% half-width across replications; wait_seconds)"]
        if !header.settings.isEmpty { lines.append("set: " + header.settings.joined(separator: "  ")) }
        if let shard { lines.append("shard \(shard.index)/\(shard.count): only this slice's replications") }
        lines.append("")
        var table = TextTable(header.grid.axes.map(\.path.description)
                              + ["variant", "n", "user p99", "user p99.9", "bg p99", "bg max", "bg \(bound)", "bg share",
                                 "jain"])
        for point in points {
            let sample = point.sample
            func cell(_ group: FairnessFigure.Group, _ statistic: FairnessFigure.Statistic, _ decimals: Int = 3) -> String {
                ReplicatedReport.cell(sample.values(FairnessFigure(group, statistic)), decimals: decimals)
            }
            var name = point.variant
            if !sample.completedAll { name += " (INCOMPLETE)" }
            table.add(point.values + [name, String(sample.records.count), cell(.laneClass(.user), .p99),
                                      cell(.laneClass(.user), .p999), cell(.laneClass(.background), .p99),
                                      cell(.laneClass(.background), .max),
                                      cell(.laneClass(.background), .aboveBound, 1),
                                      cell(.laneClass(.background), .share), cell(.all, .jain)])
        }
        lines += table.lines()
        return lines.joined(separator: "\n") + "\n"
    }

    /// One row per point and variant; each figure as mean, lower and upper end of its 95%
    /// interval (empty with one replication).
    public var csv: String {
        var header = self.header.grid.axes.map(\.path.description) + ["variant", "policy", "replications", "completed"]
        for figure in SweepFigures.columns {
            header += [figure.path + ".mean", figure.path + ".ci_low", figure.path + ".ci_high"]
        }
        var lines = [header.map(Self.csvField).joined(separator: ",")]
        for point in points {
            var row = point.values + [point.variant, point.policy, String(point.sample.records.count),
                                      String(point.sample.records.filter(\.isCompleted).count)]
            for figure in SweepFigures.columns {
                let values = point.sample.values(figure)
                if values.isEmpty {
                    row += ["", "", ""]
                    continue
                }
                let summary = ReplicationSummary(values, confidence: 0.95)
                row.append(formatFixed(summary.mean, decimals: 6))
                row += values.count > 1 ? [formatFixed(summary.lower, decimals: 6), formatFixed(summary.upper, decimals: 6)]
                    : ["", ""]
            }
            lines.append(row.map(Self.csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled.
    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return text }
        return "\"" + text.replacingAll("\"", with: "\"\"") + "\""
    }
}
