import Model
import Sim

extension ChartReport {
    /// The section of a sweep (or of one study of the decision report): one series per point
    /// and variant, each the pooled waits of its replications, with small multiples by lane.
    /// A sweep keeps no lost-work list, so none is shown.
    public init(sweep: SweepResult) {
        let header = sweep.header
        func name(_ point: SweepPoint) -> String {
            (point.values + [point.variant]).joined(separator: " / ") + point.idleRounds.rowMark
        }
        let series = sweep.points.map { point in
            let pooled = point.sample.pooled
            var panels: [String: WaitHistogram] = [:]
            for lane in Priority.allCases where pooled.lanes[lane.laneIndex].count > 0 {
                panels[lane.name] = pooled.lanes[lane.laneIndex]
            }
            return Series(name: name(point), all: pooled.all, panels: panels)
        }
        let base = sweep.points.first?.sample.pooled.all.seconds(atPercentile: 99)
        let rows = sweep.points.map { Self.row(name($0), $0.sample.pooled.all, base: base) }
        let axes = header.grid.axes.map(\.path.description)
        let table = Table(caption: "wait_seconds of all ops in seconds, pooled over \(header.replications) replications; "
                          + "p99 vs base: change against the first row",
                          header: [(axes + ["variant"]).joined(separator: " / "), "ops"] + Self.ladder.map(\.label)
                              + ["max", "p99 vs base"],
                          rows: rows)
        var notes = ["file \(header.file), \(header.replications) replications per point and variant"
                     + (header.seed.map { ", seed \($0)" } ?? "")]
        if !axes.isEmpty { notes.append("varying " + axes.joined(separator: ", ")) }
        if let shard = sweep.shard { notes.append("shard \(shard.index)/\(shard.count): only part of the sweep") }
        if let note = IdleRounds.rowMarkNote(sweep.points.map(\.idleRounds)) {
            notes.append(note)
        }
        self.init(title: "scenario \(header.scenario)", notes: notes, panelKind: "lane", series: series, table: table,
                  lostWork: nil)
    }
}
