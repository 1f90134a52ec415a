import Sim

/// A ``Breakdown`` as the recorder keeps it during a run: one histogram per (queue, op type,
/// task) cell, so each value is recorded once instead of four times (all, by queue, by type,
/// by task: four lookups and four histogram buckets, on every op). Read as a ``Breakdown``
/// by merging the cells, which gives the same counts, sums and extremes exactly: a
/// histogram's buckets add.
///
/// A cell is found by the queue's index and the op type, and told apart from the others of
/// the same pair by its task label: hashing the three labels (the queue's rendered name
/// taken from the name table under its lock, then three strings through SipHash) on every
/// record was about 3 % of the full model's M/M/1. The labels are rendered when the cells are
/// read, in the same order as before.
struct CellBreakdown {
    /// The queue of a cell: a queue of the database, or the `inline` era's lock.
    enum Queue: Hashable {
        case queue(QueueName)
        case inline

        var label: String {
            switch self {
            case .queue(let name): return name.description
            case .inline: return RunRecorder.inlineQueue
            }
        }

        /// A number for the queue, distinct for each: what a cell hashes.
        var code: Int {
            switch self {
            case .queue(let name): return name.index + 1
            case .inline: return 0
            }
        }
    }

    struct Cell: Hashable {
        let queue: Queue
        let opType: OperationType
        let task: String

        /// The queue and the type only: the few task labels of one pair are told apart by `==`.
        func hash(into hasher: inout Hasher) {
            hasher.combine(queue.code)
            hasher.combine(opType)
        }

        /// The same two parts through the table hash (`tableHash(_:seed:)`): two cells are
        /// looked up for every op.
        func _rawHashValue(seed: Int) -> Int { tableHash(queue.code << 8 | opType.index, seed: seed) }
    }

    private var cells: [Cell: WaitHistogram] = [:]

    mutating func record(_ value: Duration, queue: Queue, opType: OperationType, task: String) {
        cells[Cell(queue: queue, opType: opType, task: task), default: WaitHistogram()].record(value)
    }

    /// The cells merged into the breakdown the reports read.
    var breakdown: Breakdown {
        var result = Breakdown()
        let labelled = cells.map { (queue: $0.key.queue.label, opType: $0.key.opType.rawValue, task: $0.key.task,
                                    histogram: $0.value) }
        let ordered = labelled.sorted { lhs, rhs in
            (lhs.queue, lhs.opType, lhs.task) < (rhs.queue, rhs.opType, rhs.task)
        }
        for cell in ordered {
            result.all.merge(cell.histogram)
            result.byQueue[cell.queue, default: WaitHistogram()].merge(cell.histogram)
            result.byOpType[cell.opType, default: WaitHistogram()].merge(cell.histogram)
            result.byTask[cell.task, default: WaitHistogram()].merge(cell.histogram)
        }
        return result
    }
}
