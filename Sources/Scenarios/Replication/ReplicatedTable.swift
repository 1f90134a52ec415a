import Model
import Sim

/// The human-readable rendering of a ``ReplicatedReport``: every figure as its mean across
/// replications and the half-width of its 95% confidence interval (`mean ±half-width`).
extension ReplicatedReport {
    static func cell(_ values: [Double?], decimals: Int = 3) -> String {
        let present = values.compactMap { $0 }
        guard !present.isEmpty else { return "-" }
        let summary = ReplicationSummary(present, confidence: 0.95)
        let mean = formatFixed(summary.mean, decimals: decimals)
        guard present.count > 1 else { return mean }
        return mean + " ±" + formatFixed(summary.halfWidth, decimals: decimals)
    }

    public var table: String {
        var lines = ["scenario \(scenario)  seed \(seed)  \(replications) replications (figures: mean ±95% "
                     + "confidence half-width across replications)"]
        if warmup > .zero { lines.append("warm-up: ops created in the first \(formatFixed(warmup.seconds, decimals: 3)) s are left out") }
        if let wallSeconds { lines.append("wall time for all replications: \(formatFixed(wallSeconds, decimals: 3)) s") }
        lines.append("")
        for run in runs {
            let endings = run.endings
            var header = "variant \(run.variant) (era \(run.era.rawValue)): \(endings.completed) of \(run.results.count) completed"
            if endings.timeLimit > 0 { header += ", \(endings.timeLimit) hit the TIME LIMIT" }
            if endings.stuck > 0 { header += ", \(endings.stuck) STUCK" }
            if endings.noProgress > 0 { header += ", \(endings.noProgress) stopped making NO PROGRESS in virtual time" }
            if endings.jobLimit > 0 { header += ", \(endings.jobLimit) hit the JOB LIMIT" }
            lines.append(header)
            let figures = run.figures
            let byPath = Dictionary(figures.map { ($0.path.joined(separator: "/"), $0.values) },
                                    uniquingKeysWith: { first, _ in first })
            // Counts that are zero in every replication are left out.
            let counts = OpCounts.fields.compactMap { name, _ -> String? in
                let values = byPath["ops/\(name)"] ?? []
                guard values.contains(where: { ($0 ?? 0) != 0 }) else { return nil }
                return "\(name) \(Self.cell(values, decimals: 1))"
            }
            lines.append("  ops (zero counts left out): " + counts.joined(separator: ", "))
            if let lost = byPath["effect_violations"], lost.contains(where: { ($0 ?? 0) > 0 }) {
                lines.append("  LOST WORK (coalesced ops whose change no survivor made): \(Self.cell(lost, decimals: 1))")
            }
            for metric in ["wait_seconds", "effect_seconds", "completion_seconds"] {
                var table = TextTable([metric, "count", "mean", "p50", "p90", "p99", "p99.9", "max"])
                let rows = figures.filter { $0.path.first == metric && $0.path.last == "count" }
                for row in rows {
                    let prefix = row.path.dropLast().joined(separator: "/")
                    let label = row.path.dropFirst().dropLast().joined(separator: " ")
                        .replacingAll("by_queue ", with: "queue ").replacingAll("by_op_type ", with: "op_type ")
                        .replacingAll("by_task ", with: "task ")
                    table.add([label] + WaitHistogram.Summary.fields.map { stat, _ in
                        Self.cell(byPath["\(prefix)/\(stat)"] ?? [], decimals: stat == "count" ? 1 : 3)
                    })
                }
                lines.append("")
                lines += table.lines(indent: "  ")
            }
            lines.append("")
        }
        if let fairness { lines += fairness.lines + [""] }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `compare --replications`: one row per variant, wait_seconds percentiles as mean ±95%.
    public func comparisonTable(focus: [ComparisonFocus]) -> String {
        var lines = ["scenario \(scenario)  seed \(seed)  \(replications) replications per variant, the same seeds "
                     + "for every variant (figures: mean ±95% confidence half-width)", ""]
        func section(_ title: String, _ path: [String]) {
            var table = TextTable(["variant", "executed", "p50", "p90", "p99", "max", "effect p99"])
            for run in runs {
                let byPath = Dictionary(run.figures.map { ($0.path, $0.values) }, uniquingKeysWith: { a, _ in a })
                table.add([run.variant, Self.cell(byPath[["ops", "executed"]] ?? [], decimals: 1)]
                          + ["p50", "p90", "p99", "max"].map { Self.cell(byPath[["wait_seconds"] + path + [$0]] ?? []) }
                          + [Self.cell(byPath[["effect_seconds"] + path + ["p99"]] ?? [])])
            }
            lines.append(title)
            lines += table.lines(indent: "  ")
            lines.append("")
        }
        section("wait_seconds (and effect_seconds p99), all ops", ["all"])
        for item in focus {
            section("wait_seconds (and effect_seconds p99), \(item.kind.rawValue) \(item.name)",
                    [item.kind == .queue ? "by_queue" : "by_task", item.name])
        }
        if let fairness { lines += fairness.comparisonLines + [""] }
        return lines.joined(separator: "\n")
    }

    /// The default focus: the three queues with the highest mean p99 wait in the first variant.
    public func slowestQueues(_ count: Int = 3) -> [ComparisonFocus] {
        guard let first = runs.first else { return [] }
        var queues: [(name: String, p99: Double)] = []
        for figure in first.figures where figure.path.count == 4 {
            let path = figure.path
            guard path[0] == "wait_seconds", path[1] == "by_queue", path[3] == "p99" else { continue }
            let present = figure.values.compactMap { $0 }
            queues.append((path[2], present.reduce(0, +) / Double(max(present.count, 1))))
        }
        queues.sort { $0.p99 != $1.p99 ? $0.p99 > $1.p99 : $0.name < $1.name }
        return queues.prefix(count).map { ComparisonFocus(.queue, $0.name) }
    }
}
