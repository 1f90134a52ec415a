import Model
import Sim

/// The figures of a sweep row: what the table shows, and every figure the CSV and the JSON
/// summary give (each as its mean across replications with a 95% Student-t interval).
public enum SweepFigures {
    static let groups: [FairnessFigure.Group] = [.all] + LaneClass.allCases.map { .laneClass($0) }
        + Priority.allCases.map { .lane($0) }

    /// Every figure of a row, in column order: of all ops, the two lane classes and the five
    /// lanes, the share, every statistic of the report model (``Statistic``) and the waits over
    /// the bound; then Jain's index over keys.
    public static let columns: [FairnessFigure] = groups.flatMap { group in
        [FairnessFigure(group, .share)] + Statistic.allCases.map { FairnessFigure(group, $0) }
            + [FairnessFigure(group, .aboveBound)]
    } + [FairnessFigure(.all, .jain)]

    /// The columns a decision turns on, with their headings: the user-facing lanes' p99 and
    /// p99.9, the background lanes' p99, longest wait, waits over the bound (and, if asked,
    /// share), and Jain's index over keys. `background` names the background class.
    static func decision(background: String, bound: String, share: Bool) -> [(heading: String, figure: FairnessFigure)] {
        [("user p99", FairnessFigure(.laneClass(.user), .p99)), ("user p99.9", FairnessFigure(.laneClass(.user), .p999)),
         ("\(background) p99", FairnessFigure(.laneClass(.background), .p99)),
         ("\(background) max", FairnessFigure(.laneClass(.background), .max)),
         ("\(background) \(bound)", FairnessFigure(.laneClass(.background), .aboveBound))]
            + (share ? [("\(background) share", FairnessFigure(.laneClass(.background), .share))] : [])
            + [("jain", FairnessFigure(.all, .jain))]
    }
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
        let columns = SweepFigures.decision(background: "bg", bound: bound, share: true)
        var table = TextTable(header.grid.axes.map(\.path.description) + ["variant", "n"] + columns.map(\.heading))
        for point in points {
            let sample = point.sample
            table.add(point.values + [point.variant + point.idleRounds.rowMark + (sample.completedAll ? "" : " (INCOMPLETE)"),
                                      String(sample.records.count)] + columns.map { sample.cell($0.figure) })
        }
        lines += table.lines()
        if let note = IdleRounds.rowMarkNote(points.map(\.idleRounds)) { lines += ["", note] }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One row per point and variant; each figure as mean, lower and upper end of its 95%
    /// interval (empty with one replication).
    public var csv: String {
        var header = self.header.grid.axes.map(\.path.description) + ["variant", "policy", "replications", "completed"]
        for figure in SweepFigures.columns {
            header += [figure.path + ".mean", figure.path + ".ci_low", figure.path + ".ci_high"]
        }
        var lines = [header.map(CSV.field).joined(separator: ",")]
        for point in points {
            var row = point.values + [point.variant, point.policy, String(point.sample.records.count),
                                      String(point.sample.records.filter(\.isCompleted).count)]
            for figure in SweepFigures.columns { row += CSV.interval(point.sample.values(figure)) }
            lines.append(row.map(CSV.field).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
