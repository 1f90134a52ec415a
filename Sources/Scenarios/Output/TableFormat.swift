import Model
import Sim

/// The human-readable rendering of a ``RunReport``.
extension RunReport {
    public var table: String {
        var lines = ["scenario \(scenario)  seed \(seed)", ""]
        for (run, figures) in zip(runs, variants) {
            lines += Self.section(for: run, figures: figures)
            lines.append("")
        }
        if runs.count > 1 { lines += comparison() }
        if let fairness {
            lines.append("")
            lines += fairness.lines
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func seconds(_ value: Double) -> String { formatFixed(value, decimals: 3) }

    static func section(for run: VariantRun, figures: ReplicatedVariant) -> [String] {
        let result = run.result
        let counts = result.counts
        var lines = ["variant \(run.variant) (era \(run.era.rawValue))"]
        var ended = "  ended: "
        switch result.ending {
        case .completed: ended += "completed"
        case .stuck: ended += "STUCK (" + (result.endingReason ?? "nothing can wake the waiting tasks") + ")"
        case .timeLimit: ended += "TIME LIMIT reached with work left"
        case .noProgress(let looping):
            ended += "NO PROGRESS (the clock stopped moving; looping: \(looping.joined(separator: ", ")))"
        case .jobLimit(let busiest):
            ended += "JOB LIMIT reached with work left (busiest: \(busiest.joined(separator: ", ")))"
        }
        if !result.failures.isEmpty { ended += "; MODEL ERRORS: " + result.failures.joined(separator: "; ") }
        ended += " at \(seconds(result.virtualTime.seconds)) s virtual; \(result.jobs) kernel jobs"
        if let wall = run.wallSeconds { ended += "; \(seconds(wall)) s wall" }
        lines.append(ended)
        lines.append("  ops: created \(counts.created), executed \(counts.executed), completed \(counts.completed), "
                     + "deferred \(counts.deferred), errored \(counts.errored), aborted \(counts.aborted), "
                     + "retried \(counts.retried), skipped \(counts.skippedTerminal + counts.missing), "
                     + "reaped \(counts.reaped), released at startup \(counts.releasedAtStartup)")
        if counts.foldsRun + counts.enqueueLookups + counts.tasksDropped + counts.foldsSkipped > 0 {
            lines.append("  coalescing: folds run \(counts.foldsRun) (skipped for a batch of one "
                         + "\(counts.foldsSkipped)), folded \(counts.folded); enqueue lookups \(counts.enqueueLookups), "
                         + "deduplicated \(counts.deduplicated); repeated tasks dropped \(counts.tasksDropped)")
        }
        if counts.maintainReads > 0 { lines.append("  maintain: \(counts.maintainReads) database reads") }
        lines += databaseLines(result.load)
        if !result.effectViolations.isEmpty {
            lines.append("  LOST WORK: \(result.effectViolations.count) coalesced ops whose change no survivor made:")
            for violation in result.effectViolations.prefix(10) { lines.append("    \(violation)") }
            if result.effectViolations.count > 10 {
                lines.append("    ... and \(result.effectViolations.count - 10) more (all in --format json)")
            }
        }
        lines.append("  waits: completed \(counts.waitsCompleted), timed out \(counts.waitsTimedOut)")
        for wait in result.timedOutWaits.prefix(10) { lines.append("    timed out: \(wait)") }
        if result.timedOutWaits.count > 10 {
            lines.append("    ... and \(result.timedOutWaits.count - 10) more (all in --format json)")
        }
        if !result.pendingOps.isEmpty {
            lines.append("  not terminal at the end (\(result.pendingOps.count)):")
            for op in result.pendingOps.prefix(10) { lines.append("    \(op)") }
            if result.pendingOps.count > 10 { lines.append("    ... and \(result.pendingOps.count - 10) more") }
        }
        lines.append("")
        for metric in Metric.allCases {
            if metric != .wait { lines.append("") }
            lines += ReplicatedReport.distributionTable(metric, of: figures) { figure, values in
                let value = values.first.flatMap { $0 } ?? 0
                return figure.isCount ? String(UInt64(value)) : seconds(value)
            }.lines(indent: "  ")
        }
        return lines
    }

    /// Variants side by side: wait_seconds p50/p99/max per task, and overall.
    func comparison() -> [String] {
        var header = ["wait_seconds by task"]
        for run in runs { header += ["\(run.variant) p50", "p99", "max"] }
        var table = TextTable(header)
        var tasks = Set<String>()
        for run in runs { tasks.formUnion(run.result.wait.byTask.keys) }
        func row(_ label: String, _ pick: (RunResult) -> WaitHistogram?) {
            var cells = [label]
            for run in runs {
                if let summary = pick(run.result)?.summary {
                    cells += [Self.seconds(summary.p50), Self.seconds(summary.p99), Self.seconds(summary.max)]
                } else {
                    cells += ["-", "-", "-"]
                }
            }
            table.add(cells)
        }
        row("all") { $0.wait.all }
        for task in tasks.sorted() { row(task) { $0.wait.byTask[task] } }
        return ["comparison of variants"] + table.lines(indent: "  ")
    }

    /// The database load (round trips the real system would have made, skipped polls
    /// included): the total, then each kind of connection.
    static func databaseLines(_ load: DatabaseLoad) -> [String] {
        func describe(_ counts: DatabaseLoad.Counts) -> String {
            counts.claims > 0
                ? "\(counts.roundTrips) (claims \(counts.claims), empty \(counts.emptyClaims))"
                : "\(counts.roundTrips)"
        }
        guard !load.byKind.isEmpty else { return [] }
        return ["  database round trips: \(describe(load.total))",
                "    " + load.sorted.map { "\($0.kind) \(describe($0.counts))" }.joined(separator: "; ")]
    }
}
