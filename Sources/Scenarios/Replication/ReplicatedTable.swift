import Model
import Sim

/// The human-readable rendering of a ``ReplicatedReport``, replicated or single: every figure
/// as its mean across replications and the half-width of its 95% confidence interval
/// (`mean ±half-width`); a single value (one replication) as itself, counts as integers.
extension ReplicatedReport {
    static func cell(_ values: [Double?], decimals: Int = 3, count: Bool = false) -> String {
        let present = values.compactMap { $0 }
        guard !present.isEmpty else { return "-" }
        if count && values.count == 1 { return String(Int64(present[0])) }
        let summary = ReplicationSummary(present, confidence: 0.95)
        let mean = formatFixed(summary.mean, decimals: decimals)
        guard present.count > 1 else { return mean }
        return mean + " ±" + formatFixed(summary.halfWidth, decimals: decimals)
    }

    /// A figure's cell: counts with one decimal (their means), seconds with three.
    static func cell(_ figure: Figure, _ values: [Double?]) -> String {
        cell(values, decimals: figure.isCount ? 1 : 3, count: figure.isCount)
    }

    /// The first line: what the figures are.
    private var headline: String {
        isSingleRun ? "scenario \(scenario)  seed \(seed)"
            : "scenario \(scenario)  seed \(seed)  \(replications) replications (figures: mean ±95% "
            + "confidence half-width across replications)"
    }

    /// `run`'s table: per variant how its runs ended, its op counters (the nonzero ones), its
    /// lost work, and the tables of `wait_seconds`, `effect_seconds` and `completion_seconds`;
    /// then, with several variants, their waits by task side by side; then the fairness figures.
    public var table: String {
        var lines = [headline]
        if warmup > .zero { lines.append("warm-up: ops created in the first \(formatFixed(warmup.seconds, decimals: 3)) s are left out") }
        if !isSingleRun, let wallSeconds {
            lines.append("wall time for all replications: \(formatFixed(wallSeconds, decimals: 3)) s")
        }
        lines.append("")
        for run in runs {
            lines.append("variant \(run.variant) (era \(run.era.rawValue))" + (isSingleRun ? "" : ": " + Self.endings(run)))
            if isSingleRun { lines.append(run.result.endedLine(wallSeconds: run.wallSeconds)) }
            // Counts that are zero in every replication are left out.
            let counts = OpCounter.allCases.compactMap { counter -> String? in
                let values = run.values(.ops(counter))
                guard values.contains(where: { ($0 ?? 0) != 0 }) else { return nil }
                return "\(counter.rawValue) \(Self.cell(.ops(counter), values))"
            }
            lines.append("  ops (zero counts left out): " + counts.joined(separator: ", "))
            lines += isSingleRun ? run.result.databaseLines : run.replicatedDatabaseLines
            let lost = run.values(.effectViolations)
            if lost.contains(where: { ($0 ?? 0) > 0 }) {
                lines.append("  LOST WORK (coalesced ops whose change no survivor made): \(Self.cell(.effectViolations, lost))")
            }
            if isSingleRun { lines += run.result.detailLines }
            for metric in Metric.allCases {
                lines.append("")
                lines += Self.distributionTable(metric, of: run, cell: Self.cell).lines(indent: "  ")
            }
            lines.append("")
        }
        if runs.count > 1 { lines += byTask() }
        if let fairness { lines += [""] + fairness.lines }
        return lines.joined(separator: "\n") + "\n"
    }

    /// How a variant's replications ended: `3 of 3 completed`, and any that did not.
    private static func endings(_ run: ReplicatedVariant) -> String {
        let endings = run.endings
        var text = "\(endings.completed) of \(run.results.count) completed"
        if endings.timeLimit > 0 { text += ", \(endings.timeLimit) hit the TIME LIMIT" }
        if endings.stuck > 0 { text += ", \(endings.stuck) STUCK" }
        if endings.noProgress > 0 { text += ", \(endings.noProgress) stopped making NO PROGRESS in virtual time" }
        if endings.jobLimit > 0 { text += ", \(endings.jobLimit) hit the JOB LIMIT" }
        return text
    }

    /// Variants side by side: wait_seconds p50/p99/max overall and per task.
    private func byTask() -> [String] {
        var header = ["wait_seconds by task"]
        for run in runs { header += ["\(run.variant) p50", "p99", "max"] }
        var table = TextTable(header)
        let tasks = Set(runs.flatMap { run in run.figures.compactMap { figure, _ -> String? in
            guard case .distribution(.wait, .group(.task, let name), .count) = figure else { return nil }
            return name
        } })
        for (label, subject) in [("all", Subject.all)] + tasks.sorted().map({ ($0, Subject.group(.task, $0)) }) {
            var cells = [label]
            for run in runs {
                cells += [Statistic.p50, .p99, .max].map { Self.cell(run.values(.distribution(.wait, subject, $0))) }
            }
            table.add(cells)
        }
        return ["comparison of variants"] + table.lines(indent: "  ")
    }

    /// `simrun compare`'s table: one row per variant; op counts, wait_seconds percentiles
    /// overall and for each focus with the change of p99 against the first variant (the
    /// baseline), and beside them effect_seconds (every request, folded and deduplicated ones
    /// included, to the end of the execution that made its change), which does not improve by
    /// dropping ops from the count. Replicated, each cell is a mean ±95% half-width and the
    /// changes are those of the means; every variant replays the same seeds.
    public func comparisonTable(focus: [ComparisonFocus]) -> String {
        var lines = [isSingleRun
            ? "scenario \(scenario)  seed \(seed)  (common random numbers: every variant replays the same arrivals and "
                + "service times)"
            : "scenario \(scenario)  seed \(seed)  \(replications) replications per variant, the same seeds for every "
                + "variant (common random numbers; figures: mean ±95% confidence half-width)", ""]
        if let note = IdleRounds.note(approximated: approximatedVariants) { lines.insert(note, at: 1) }
        func mean(_ values: [Double?]) -> Double? {
            let present = values.compactMap { $0 }
            return present.isEmpty ? nil : present.reduce(0, +) / Double(present.count)
        }
        func change(_ values: [Double?], from base: [Double?]?) -> String {
            guard let value = mean(values), let baseline = base.flatMap(mean), baseline > 0 else { return "-" }
            let percent = (value - baseline) / baseline * 100
            return (percent >= 0 ? "+" : "") + formatFixed(percent, decimals: 1) + "%"
        }
        func count(_ values: [Double?]) -> String { Self.cell(values, decimals: 1, count: true) }
        let wait = { (subject: Subject, statistic: Statistic) in Figure.distribution(.wait, subject, statistic) }
        let effect = { (subject: Subject, statistic: Statistic) in Figure.distribution(.effect, subject, statistic) }
        var overall = TextTable(["variant", "executed", "folded", "dedup", "errors", "lost", "p50", "p90", "p99", "max",
                                 "p99 vs base", "effect p99", "vs base"])
        let base = runs.first
        for run in runs {
            overall.add([run.variant + (run.isWhole ? "" : " (INCOMPLETE)"), count(run.sum(.ops(.executed))),
                         count(run.sum(.ops(.folded))), count(run.sum(.ops(.deduplicated))),
                         count(run.sum(.ops(.errored), .ops(.aborted))), count(run.sum(.effectViolations))]
                        + [Statistic.p50, .p90, .p99, .max].map { Self.cell(run.values(wait(.all, $0))) }
                        + [change(run.values(wait(.all, .p99)), from: base?.values(wait(.all, .p99))),
                           Self.cell(run.values(effect(.all, .p99))),
                           change(run.values(effect(.all, .p99)), from: base?.values(effect(.all, .p99)))])
        }
        lines.append("wait_seconds, all ops (effect_seconds p99 beside it)")
        lines += overall.lines(indent: "  ")
        for item in focus {
            let subject = item.subject
            var table = TextTable(["variant", "count", "p50", "p90", "p99", "max", "p99 vs base", "timed",
                                   "effect p99", "vs base"])
            for run in runs {
                table.add([run.variant, count(run.sum(wait(subject, .count)))]
                          + [Statistic.p50, .p90, .p99, .max].map { Self.cell(run.values(wait(subject, $0))) }
                          + [change(run.values(wait(subject, .p99)), from: base?.values(wait(subject, .p99))),
                             count(run.sum(effect(subject, .count))), Self.cell(run.values(effect(subject, .p99))),
                             change(run.values(effect(subject, .p99)), from: base?.values(effect(subject, .p99)))])
            }
            lines.append("")
            lines.append("wait_seconds, \(item.kind.rawValue) \(item.name) (effect_seconds beside it)")
            lines += table.lines(indent: "  ")
        }
        if let fairness {
            lines.append("")
            lines += fairness.comparisonLines
        }
        return lines.joined(separator: "\n") + "\n"
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
            table.add([label(subject)] + Statistic.allCases.map { cell(.distribution(metric, subject, $0)) })
        }
        return table
    }

    /// A row's label: `all`, `queue Q`, `op_type T`, `task T`.
    static func label(_ subject: Subject) -> String {
        switch subject {
        case .all: "all"
        case .group(let grouping, let name): "\(grouping.rawValue) \(name)"
        }
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
            return ReplicatedReport.cell(figure, [statistic.value(of: summary)])
        }.lines(indent: indent)
    }
}
