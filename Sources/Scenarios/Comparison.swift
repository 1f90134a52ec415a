import Model
import Sim

/// The variants of `simrun compare --steps-matrix`: the scenario's own settings with the
/// plan's steps switched on and off (model file 9).
public enum StepsMatrix {
    /// Baseline (no step), each step alone, the cumulative steps 1..k, all steps, and all
    /// steps with the follow-up. Duplicates (step 1 alone is also "steps 1..1") appear once.
    public static func variants() -> [Variant] {
        var variants = [variant("baseline", "no step of the plan", steps: [])]
        for step in PlanStep.allCases {
            variants.append(variant("step-\(step)", "step \(step) alone", steps: [step]))
        }
        for last in 2..<PlanStep.allCases.count {
            let steps = Set(PlanStep.allCases.prefix(last))
            variants.append(variant("steps-1-\(last)", "steps 1 to \(last)", steps: steps))
        }
        variants.append(variant("all-steps", "steps 1 to 6", steps: Set(PlanStep.allCases)))
        var followUp = variant("all-steps+follow-up", "steps 1 to 6 and the follow-up (create_hypervisor on node+network)",
                               steps: Set(PlanStep.allCases))
        followUp.settings.followUp = true
        variants.append(followUp)
        return variants
    }

    /// The follow-up is stated in every row (off but in the last), so a scenario that turns it
    /// on at its top level does not leak it into the baseline.
    private static func variant(_ name: String, _ description: String, steps: Set<PlanStep>) -> Variant {
        Variant(name: name, description: description, settings: ModelSettings(steps: steps, followUp: false))
    }
}

/// What a comparison table shows besides the overall figures.
public struct ComparisonFocus: Sendable, Equatable {
    public enum Kind: String, Sendable { case queue, task }
    public var kind: Kind
    public var name: String

    public init(_ kind: Kind, _ name: String) {
        self.kind = kind
        self.name = name
    }

    /// The ops the focus covers.
    public var subject: Subject { .group(kind == .queue ? .queue : .task, name) }

    func histogram(in result: RunResult) -> WaitHistogram? {
        histogram(in: result.wait)
    }

    func histogram(in breakdown: Breakdown) -> WaitHistogram? {
        kind == .queue ? breakdown.byQueue[name] : breakdown.byTask[name]
    }
}

extension RunReport {
    /// The default focus: the three queues with the highest p99 wait in the first run.
    public func slowestQueues(_ count: Int = 3) -> [ComparisonFocus] { model.slowestQueues(count) }

    /// `simrun compare`'s table: one row per variant; op counts, wait_seconds percentiles
    /// overall and for each focus with the change of p99 against the first run (the
    /// baseline), and beside them effect_seconds (every request, folded and deduplicated ones
    /// included, to the end of the execution that made its change), which does not improve by
    /// dropping ops from the count.
    public func comparisonTable(focus: [ComparisonFocus]) -> String {
        var lines = ["scenario \(scenario)  seed \(seed)  (common random numbers: every variant replays the same "
                     + "arrivals and service times)", ""]
        var overall = TextTable(["variant", "executed", "folded", "dedup", "errors", "lost", "p50", "p90", "p99", "max",
                                 "p99 vs base", "effect p99", "vs base"])
        let baseline = runs.first?.result.wait.all.summary.p99
        let effectBaseline = runs.first?.result.effect.all.summary.p99
        for run in runs {
            let counts = run.result.counts
            let summary = run.result.wait.all.summary
            let effect = run.result.effect.all.summary.p99
            var name = run.variant
            if case .completed = run.result.ending {} else { name += " (INCOMPLETE)" }
            overall.add([name, String(counts.executed), String(counts.folded), String(counts.deduplicated),
                         String(counts.errored + counts.aborted), String(run.result.effectViolations.count)]
                        + Self.figures(summary)
                        + [Self.change(summary.p99, from: baseline), Self.seconds(effect),
                           Self.change(effect, from: effectBaseline)])
        }
        lines.append("wait_seconds, all ops (effect_seconds p99 beside it)")
        lines += overall.lines(indent: "  ")
        for item in focus {
            var table = TextTable(["variant", "count", "p50", "p90", "p99", "max", "p99 vs base", "timed",
                                   "effect p99", "vs base"])
            let base = runs.first.flatMap { item.histogram(in: $0.result)?.summary.p99 }
            let effectBase = runs.first.flatMap { item.histogram(in: $0.result.effect)?.summary.p99 }
            for run in runs {
                let effect = item.histogram(in: run.result.effect)?.summary
                let effectCells = effect.map { [String($0.count), Self.seconds($0.p99), Self.change($0.p99, from: effectBase)] }
                    ?? ["0", "-", "-"]
                guard let histogram = item.histogram(in: run.result) else {
                    table.add([run.variant, "0", "-", "-", "-", "-", "-"] + effectCells)
                    continue
                }
                let summary = histogram.summary
                table.add([run.variant, String(summary.count)] + Self.figures(summary)
                          + [Self.change(summary.p99, from: base)] + effectCells)
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

    private static func figures(_ summary: WaitHistogram.Summary) -> [String] {
        [seconds(summary.p50), seconds(summary.p90), seconds(summary.p99), seconds(summary.max)]
    }

    private static func change(_ value: Double, from baseline: Double?) -> String {
        guard let baseline, baseline > 0 else { return "-" }
        let percent = (value - baseline) / baseline * 100
        return (percent >= 0 ? "+" : "") + formatFixed(percent, decimals: 1) + "%"
    }
}
