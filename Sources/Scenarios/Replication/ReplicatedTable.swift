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
            // Counts that are zero in every replication are left out.
            let counts = OpCounter.allCases.compactMap { counter -> String? in
                let values = run.values(.ops(counter))
                guard values.contains(where: { ($0 ?? 0) != 0 }) else { return nil }
                return "\(counter.rawValue) \(Self.cell(values, decimals: 1))"
            }
            lines.append("  ops (zero counts left out): " + counts.joined(separator: ", "))
            let lost = run.values(.effectViolations)
            if lost.contains(where: { ($0 ?? 0) > 0 }) {
                lines.append("  LOST WORK (coalesced ops whose change no survivor made): \(Self.cell(lost, decimals: 1))")
            }
            for metric in Metric.allCases {
                lines.append("")
                lines += Self.distributionTable(metric, of: run) { figure, values in
                    Self.cell(values, decimals: figure.isCount ? 1 : 3)
                }.lines(indent: "  ")
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
        func section(_ title: String, _ subject: Subject) {
            var table = TextTable(["variant", "executed", "p50", "p90", "p99", "max", "effect p99"])
            for run in runs {
                table.add([run.variant, Self.cell(run.values(.ops(.executed)), decimals: 1)]
                          + [Statistic.p50, .p90, .p99, .max].map { Self.cell(run.values(.distribution(.wait, subject, $0))) }
                          + [Self.cell(run.values(.distribution(.effect, subject, .p99)))])
            }
            lines.append(title)
            lines += table.lines(indent: "  ")
            lines.append("")
        }
        section("wait_seconds (and effect_seconds p99), all ops", .all)
        for item in focus {
            section("wait_seconds (and effect_seconds p99), \(item.kind.rawValue) \(item.name)", item.subject)
        }
        if let fairness { lines += fairness.comparisonLines + [""] }
        return lines.joined(separator: "\n")
    }

    /// The default focus: the three queues with the highest mean p99 wait in the first variant.
    public func slowestQueues(_ count: Int = 3) -> [ComparisonFocus] {
        guard let first = runs.first else { return [] }
        var queues: [(name: String, p99: Double)] = []
        for (figure, values) in first.figures {
            guard case .distribution(.wait, .group(.queue, let name), .p99) = figure else { continue }
            let present = values.compactMap { $0 }
            queues.append((name, present.reduce(0, +) / Double(max(present.count, 1))))
        }
        queues.sort { $0.p99 != $1.p99 ? $0.p99 > $1.p99 : $0.name < $1.name }
        return queues.prefix(count).map { ComparisonFocus(.queue, $0.name) }
    }

    /// The table of one metric's distributions: overall, then by queue, op type and task, one
    /// row each, every statistic a column, each cell as `cell` renders the figure's values.
    static func distributionTable(_ metric: Metric, of run: ReplicatedVariant,
                                  cell: (Figure, [Double?]) -> String) -> TextTable {
        let subjects = run.figures.compactMap { figure, _ -> Subject? in
            guard case .distribution(metric, let subject, .count) = figure else { return nil }
            return subject
        }
        return distributionTable(metric, subjects: subjects) { cell($0, run.values($0)) }
    }

    /// The same table for any source of figures: a row per subject, in the order given.
    static func distributionTable(_ metric: Metric, subjects: [Subject], cell: (Figure) -> String) -> TextTable {
        var table = TextTable([metric.rawValue] + Statistic.allCases.map(\.heading))
        for subject in subjects {
            let label: String
            switch subject {
            case .all: label = "all"
            case .group(let grouping, let name): label = "\(grouping.rawValue) \(name)"
            }
            table.add([label] + Statistic.allCases.map { cell(.distribution(metric, subject, $0)) })
        }
        return table
    }
}

extension MeasuredVariant {
    /// The table `simrun run` prints for one metric of one run (`wait_seconds` unless given),
    /// from histograms however they were measured: the same rows, columns and digits, so
    /// waits read from an event log tabulate exactly as the run that wrote it.
    public func table(_ metric: Metric = .wait, indent: String = "  ") -> [String] {
        guard let breakdown = metric == .wait ? wait : metric == .effect ? effect : nil else { return [] }
        var subjects: [Subject] = [.all]
        var summaries: [Subject: WaitHistogram.Summary] = [.all: breakdown.all.summary]
        for grouping in Grouping.allCases {
            let map = grouping.histograms(in: breakdown)
            for name in map.keys.sorted() {
                guard let histogram = map[name] else { continue }
                subjects.append(.group(grouping, name))
                summaries[.group(grouping, name)] = histogram.summary
            }
        }
        return ReplicatedReport.distributionTable(metric, subjects: subjects) { figure in
            guard case .distribution(_, let subject, let statistic) = figure, let summary = summaries[subject] else { return "-" }
            let value = statistic.value(of: summary)
            return figure.isCount ? String(UInt64(value)) : formatFixed(value, decimals: 3)
        }.lines(indent: indent)
    }
}
