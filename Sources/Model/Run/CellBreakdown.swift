import Sim

/// A ``Breakdown`` as the recorder keeps it during a run: one histogram per (queue, op type,
/// task) cell, so each value is recorded once instead of four times (all, by queue, by type,
/// by task: four lookups and four histogram buckets, on every op). Read as a ``Breakdown``
/// by merging the cells, which gives the same counts, sums and extremes exactly: a
/// histogram's buckets add.
struct CellBreakdown {
    struct Cell: Hashable {
        let queue: String
        let opType: String
        let task: String
    }

    private var cells: [Cell: WaitHistogram] = [:]

    mutating func record(_ value: Duration, queue: String, opType: String, task: String) {
        cells[Cell(queue: queue, opType: opType, task: task), default: WaitHistogram()].record(value)
    }

    /// The cells merged into the breakdown the reports read.
    var breakdown: Breakdown {
        var result = Breakdown()
        let ordered = cells.sorted { lhs, rhs in
            (lhs.key.queue, lhs.key.opType, lhs.key.task) < (rhs.key.queue, rhs.key.opType, rhs.key.task)
        }
        for (cell, histogram) in ordered {
            result.all.merge(histogram)
            result.byQueue[cell.queue, default: WaitHistogram()].merge(histogram)
            result.byOpType[cell.opType, default: WaitHistogram()].merge(histogram)
            result.byTask[cell.task, default: WaitHistogram()].merge(histogram)
        }
        return result
    }
}
