import Model
import Sim

/// What `live compare` needs of a simulated run.
public struct RunResultSample: Sendable {
    public var waits: WaitSample
    public var counts: OpCounts

    public init(_ result: RunResult) {
        waits = WaitSample(trace: result.trace)
        counts = result.counts
    }
}

/// The text of `live run`.
public enum LiveReport {
    static func seconds(_ value: Double?) -> String { value.map { formatFixed($0, decimals: 3) } ?? "-" }

    public static func table(live: LiveResult, scenario: String) -> String {
        var lines = ["live run of \(scenario), variant \(live.variant): \(live.ending) after "
                     + "\(formatFixed(live.runSeconds, decimals: 1)) scenario s (\(formatFixed(live.wallSeconds, decimals: 1)) s wall)"]
        let waits = live.waits
        lines.append("  wait_seconds: n=\(waits.count) p50=\(seconds(waits.quantile(0.5))) "
                     + "p90=\(seconds(waits.quantile(0.9))) p99=\(seconds(waits.quantile(0.99))) "
                     + "max=\(seconds(waits.values.last))")
        let c = live.counters
        lines.append("  from the server: created \(c.created), executed \(c.executed), folded \(c.folded), "
                     + "deduplicated \(c.deduplicated), deferred \(c.deferred), rows left claimed \(c.leftClaimed)")
        for incident in live.incidents { lines.append("  database: \(incident)") }
        for failure in live.failures { lines.append("  FAILED: \(failure)") }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// `live compare`: the simulator and the server side by side.
public struct LiveComparison: Sendable {
    public var simulated: RunResultSample
    public var live: LiveResult

    public init(simulated: RunResultSample, live: LiveResult) {
        self.simulated = simulated
        self.live = live
    }

    public var distance: Double { simulated.waits.kolmogorovSmirnov(live.waits) }

    /// Live folds or deduplications differ from the simulator's.
    public var diverges: Bool {
        simulated.counts.folded != live.counters.folded || simulated.counts.deduplicated != live.counters.deduplicated
    }

    public func table(scenario: String) -> String {
        let s = simulated.waits, l = live.waits
        func row(_ name: String, _ a: String, _ b: String) -> String {
            name.padding(24) + a.padding(14) + b
        }
        var lines = ["live compare of \(scenario), variant \(live.variant) (live: \(live.ending), "
                     + "\(formatFixed(live.wallSeconds, decimals: 1)) s wall)",
                     row("", "simulated", "live")]
        for (label, q) in [("wait p50 (s)", 0.5), ("wait p90 (s)", 0.9), ("wait p99 (s)", 0.99)] {
            lines.append(row(label, LiveReport.seconds(s.quantile(q)), LiveReport.seconds(l.quantile(q))))
        }
        lines.append(row("pickups", "\(s.count)", "\(l.count)"))
        lines.append(row("created", "\(simulated.counts.created)", "\(live.counters.created)"))
        lines.append(row("executed", "\(simulated.counts.executed)", "\(live.counters.executed)"))
        lines.append(row("folded", "\(simulated.counts.folded)", "\(live.counters.folded)"))
        lines.append(row("deduplicated", "\(simulated.counts.deduplicated)", "\(live.counters.deduplicated)"))
        lines.append(row("deferred", "\(simulated.counts.deferred)", "\(live.counters.deferred)"))
        lines.append("Kolmogorov-Smirnov distance of wait_seconds: \(formatFixed(distance, decimals: 3)) "
                     + "(5% critical value for these sizes: \(formatFixed(s.criticalDistance(l), decimals: 3)))")
        if diverges {
            lines.append("DIVERGENCE: the server folded \(live.counters.folded) and deduplicated "
                         + "\(live.counters.deduplicated) where the simulator predicted \(simulated.counts.folded) "
                         + "and \(simulated.counts.deduplicated): the SQL does not do what the model assumes")
        }
        for incident in live.incidents { lines.append("database: \(incident)") }
        for failure in live.failures { lines.append("FAILED: \(failure)") }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self + " " : self + String(repeating: " ", count: width - count) }
}
