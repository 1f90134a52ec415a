import Model
import Sim

/// The step-7 figures of a fairness study's variants, as `run` and `compare` show them: per
/// lane and lane class, per key, Jain's index over keys; the mean across replications with
/// its 95% half-width when replicated. Read from ``RunFigures`` like every fairness output.
public struct FairnessSection: Sendable {
    public struct Entry: Sendable {
        public var variant: String
        /// The policy each daemon used (``FairnessSettings/label``).
        public var policy: String
        public var sample: FairnessSample
    }

    public var settings: FigureSettings
    public var entries: [Entry]

    public init(settings: FigureSettings, entries: [Entry]) {
        self.settings = settings
        self.entries = entries
    }

    /// The section of `scenario`'s `variants` run as `results` (per variant, one result per
    /// replication, seeded `seeds`).
    public init(_ scenario: Scenario, variants: [Variant], results: [[RunResult]], seeds: [UInt64]) {
        settings = scenario.figureSettings
        entries = zip(variants, results).map { variant, runs in
            Entry(variant: variant.name, policy: scenario.config(for: variant).fairness.label,
                  sample: FairnessSample(results: runs, replications: Array(runs.indices), seeds: Array(seeds.prefix(runs.count))))
        }
    }

    var boundLabel: String { ">" + settings.waitBound.compactLabel }

    // MARK: Table

    public var lines: [String] {
        var lines = ["fairness figures: wait_seconds by lane and by \(settings.key.rawValue); \(boundLabel): ops that "
                     + "waited longer than \(settings.waitBound.compactLabel); jain: Jain's index of the keys' mean waits"]
        for entry in entries {
            lines.append("")
            lines.append("variant \(entry.variant) (fairness: \(entry.policy))")
            var table = TextTable(["lane", "share", "count", "mean", "p99", "p99.9", "max", boundLabel, "jain"])
            var groups: [FairnessFigure.Group] = Priority.allCases.map { .lane($0) }
            groups += LaneClass.allCases.map { .laneClass($0) } + [.all]
            for group in groups {
                if case .lane = group, entry.sample.values(FairnessFigure(group, .count)).allSatisfy({ $0 == 0 }) {
                    continue
                }
                table.add(row(group, entry.sample, jain: { if case .laneClass = group { return false }; return true }()))
            }
            lines += table.lines(indent: "  ")
            var keys = TextTable([settings.key.rawValue, "share", "count", "mean", "p99", "p99.9", "max", boundLabel])
            for key in entry.sample.keys { keys.add(Array(row(.key(key), entry.sample, jain: false).dropLast())) }
            lines.append("")
            lines += keys.lines(indent: "  ")
        }
        return lines
    }

    private func row(_ group: FairnessFigure.Group, _ sample: FairnessSample, jain: Bool) -> [String] {
        [group.name, sample.cell(FairnessFigure(group, .share)), sample.cell(FairnessFigure(group, .count)),
         sample.cell(FairnessFigure(group, .mean)), sample.cell(FairnessFigure(group, .p99)),
         sample.cell(FairnessFigure(group, .p999)), sample.cell(FairnessFigure(group, .max)),
         sample.cell(FairnessFigure(group, .aboveBound)), jain ? sample.cell(FairnessFigure(group, .jain)) : "-"]
    }

    /// One row per variant: what the decision turns on.
    public var comparisonLines: [String] {
        let columns = SweepFigures.decision(background: "background", bound: boundLabel, share: false)
        var table = TextTable(["variant"] + columns.map(\.heading))
        for entry in entries { table.add([entry.variant] + columns.map { entry.sample.cell($0.figure) }) }
        return ["fairness: user-facing and background lanes (wait_seconds)"] + table.lines(indent: "  ")
    }

    // MARK: JSON

    /// The entry of `variant` as JSON: the settings, each replication's figures and the
    /// pooled histograms.
    public func json(variant: String) -> JSONValue? {
        guard let entry = entries.first(where: { $0.variant == variant }) else { return nil }
        return .object([
            ("policy", .string(entry.policy)),
            ("wait_bound_seconds", .number(settings.waitBound.seconds)),
            ("key", .string(settings.key.rawValue)),
            ("replications", .array(entry.sample.records.map(\.json))),
            ("histograms", entry.sample.pooled.json),
        ])
    }
}
