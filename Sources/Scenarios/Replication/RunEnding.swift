import Model
import Sim

/// What only a single run lists, in the report of a single run (``ReplicatedReport/isSingleRun``):
/// how it ended, its timed-out waits, its lost work in full, the ops left pending, its trace.
extension RunResult {
    /// How the run ended, as JSON, the fairness figures and `live compare` name it:
    /// `completed`, `time_limit`, `stuck`, `no_progress` or `job_limit`.
    public var endingState: String {
        switch ending {
        case .completed: "completed"
        case .timeLimit: "time_limit"
        case .stuck: "stuck"
        case .noProgress: "no_progress"
        case .jobLimit: "job_limit"
        }
    }

    /// The `ending` object of a single run's JSON.
    var endingJSON: JSONValue {
        var ending: [(String, JSONValue)] = [("state", .string(endingState))]
        switch self.ending {
        case .completed: break
        case .stuck(let tasks), .timeLimit(let tasks): ending.append(("waiting_tasks", .array(tasks.map { .string($0) })))
        case .noProgress(let looping): ending.append(("looping_tasks", .array(looping.map { .string($0) })))
        case .jobLimit(let busiest): ending.append(("busiest_tasks", .array(busiest.map { .string($0) })))
        }
        if let endingReason { ending.append(("reason", .string(endingReason))) }
        ending.append(("pending_ops", .array(pendingOps.map { .string($0.description) })))
        if !failures.isEmpty { ending.append(("model_errors", .array(failures.map { .string($0) }))) }
        return .object(ending)
    }

    var timedOutWaitsJSON: JSONValue {
        .array(timedOutWaits.map { wait in
            .object([
                ("at", .number(wait.at.seconds)),
                ("waiter", .string(wait.waiter)),
                ("op", .string(wait.op.description)),
                ("where", .string(wait.whereabouts)),
            ])
        })
    }

    var effectViolationsJSON: JSONValue {
        .array(effectViolations.map { violation in
            .object([
                ("op", .string(violation.victim)),
                ("kind", .string(violation.kind.rawValue)),
                ("task", .string(violation.task.name)),
                ("effect", .string(violation.effect)),
                ("survivor", .string(violation.survivor.description)),
                ("reason", .string(violation.reason)),
            ])
        })
    }

    /// The table's `ended:` line of a single run.
    func endedLine(wallSeconds: Double?) -> String {
        var ended = "  ended: "
        switch ending {
        case .completed: ended += "completed"
        case .stuck: ended += "STUCK (" + (endingReason ?? "nothing can wake the waiting tasks") + ")"
        case .timeLimit: ended += "TIME LIMIT reached with work left"
        case .noProgress(let looping):
            ended += "NO PROGRESS (the clock stopped moving; looping: \(looping.joined(separator: ", ")))"
        case .jobLimit(let busiest):
            ended += "JOB LIMIT reached with work left (busiest: \(busiest.joined(separator: ", ")))"
        }
        if !failures.isEmpty { ended += "; MODEL ERRORS: " + failures.joined(separator: "; ") }
        ended += " at \(formatFixed(virtualTime.seconds, decimals: 3)) s virtual; \(jobs) kernel jobs"
        if let wallSeconds { ended += "; \(formatFixed(wallSeconds, decimals: 3)) s wall" }
        return ended
    }

    /// The table's lists of a single run, ten of each at most: its lost work (under the LOST
    /// WORK line), its timed-out waits and the ops left pending.
    var detailLines: [String] {
        var lines: [String] = []
        func list(_ items: [String], _ prefix: String, more: String) {
            for item in items.prefix(10) { lines.append("    " + prefix + item) }
            if items.count > 10 { lines.append("    ... and \(items.count - 10) more" + more) }
        }
        list(effectViolations.map(\.description), "", more: " (all in --format json)")
        list(timedOutWaits.map(\.description), "timed out: ", more: " (all in --format json)")
        if !pendingOps.isEmpty {
            lines.append("  not terminal at the end (\(pendingOps.count)):")
            list(pendingOps.map(\.description), "", more: "")
        }
        return lines
    }
}

extension ReplicatedReport {
    /// The trace of every variant's first replication (when traced), one event a line:
    /// `variant time kind op task queue by detail`, tab-separated, times in seconds.
    public var traceLines: String {
        var out = "variant\ttime\tkind\top\ttask\tqueue\tby\tdetail\n"
        for run in runs {
            for event in run.result.trace {
                out += [run.variant, formatFixed(event.time.seconds, decimals: 6), event.kind.rawValue,
                        event.op.description, event.task, event.queue, event.by, event.detail]
                    .joined(separator: "\t") + "\n"
            }
        }
        return out
    }
}
