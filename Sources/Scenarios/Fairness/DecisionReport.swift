import Model
import Sim

/// `simrun report`: the seed plan's step-7 decision, stated from the numbers. For each
/// fairness study (a scenario whose variants differ in their `fairness:`), each policy is set
/// against the scenario's `strict` variant, replication by replication (the variants share
/// their seeds, so the differences are paired): what it costs the user-facing p99, what it
/// gains on the background lanes' longest wait, and whether it keeps the cost within the
/// budget while bounding background waits.
public struct DecisionReport: Sendable {
    /// The criteria, as stated on the command line.
    public struct Criteria: Sendable {
        /// Largest acceptable increase of the user-facing p99 over strict (judged on the upper
        /// end of its 95% interval).
        public var userP99Budget: Duration
        /// The longest background wait acceptable (nil: each scenario's `figures.wait_bound`),
        /// judged on the upper end of the 95% interval of the background lanes' longest wait.
        public var backgroundBound: Duration?

        public init(userP99Budget: Duration, backgroundBound: Duration?) {
            self.userP99Budget = userP99Budget
            self.backgroundBound = backgroundBound
        }
    }

    /// A difference or a figure across replications: mean and 95% interval.
    public struct Estimate: Sendable {
        public var mean: Double
        public var lower: Double
        public var upper: Double

        init(_ values: [Double]) {
            let summary = ReplicationSummary(values, confidence: 0.95)
            mean = summary.mean
            lower = values.count > 1 ? summary.lower : summary.mean
            upper = values.count > 1 ? summary.upper : summary.mean
        }
    }

    /// One variant of one study against the study's strict variant.
    public struct Row: Sendable {
        public var variant: String
        public var policy: String
        /// The policy's kind (`bounded_staleness`, ...), the unit of the recommendation.
        public var kind: String
        public var completed: Bool
        public var userP99: Estimate
        /// User-facing p99 of this variant less strict's, paired by replication.
        public var userCost: Estimate
        public var backgroundMax: Estimate
        /// Strict's background longest wait less this variant's, paired by replication.
        public var backgroundGain: Estimate
        public var backgroundAboveBound: Estimate
        public var withinBudget: Bool
        public var boundsBackground: Bool
        /// How its runs' idle rounds were drawn (marked when approximated).
        public var idleRounds: IdleRounds = .exact

        public var passes: Bool { withinBudget && boundsBackground }
    }

    public struct Study: Sendable {
        public var scenario: String
        public var file: String
        public var replications: Int
        public var bound: Duration
        public var strict: Row
        public var rows: [Row]

        /// Strict alone keeps background waits within the bound.
        public var strictIsEnough: Bool { strict.boundsBackground }
    }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    public var criteria: Criteria
    public var studies: [Study]

    /// The report of `results` (one whole sweep without a grid per study).
    public init(_ results: [SweepResult], criteria: Criteria) throws(Failure) {
        self.criteria = criteria
        studies = []
        for result in results {
            guard let strict = result.points.first(where: { $0.policy == FairnessPolicy.strict.label }) else {
                throw Failure(message: "\(result.header.file): no variant with `fairness: {policy: strict}` to compare "
                              + "the policies with (variants: \(result.points.map(\.variant).joined(separator: ", ")))")
            }
            guard result.points.contains(where: { $0.policy != strict.policy }) else {
                throw Failure(message: "\(result.header.file): every variant claims under strict: a fairness study needs "
                              + "variants with other policies (fairness: {policy: ...}) to compare with strict")
            }
            let bound = criteria.backgroundBound ?? strict.figures.waitBound
            func row(_ point: SweepPoint) -> Row {
                let userP99 = FairnessFigure(.laneClass(.user), .p99)
                let backgroundMax = FairnessFigure(.laneClass(.background), .max)
                let user = point.sample.values(userP99)
                let background = point.sample.values(backgroundMax)
                let strictUser = strict.sample.values(userP99)
                let strictBackground = strict.sample.values(backgroundMax)
                let cost = Estimate(zip(user, strictUser).map { $0 - $1 })
                let maximum = Estimate(background)
                return Row(
                    variant: point.variant, policy: point.policy,
                    kind: String(point.policy.split(separator: " ").first ?? ""),
                    completed: point.sample.completedAll, userP99: Estimate(user), userCost: cost,
                    backgroundMax: maximum, backgroundGain: Estimate(zip(strictBackground, background).map { $0 - $1 }),
                    backgroundAboveBound: Estimate(point.sample.values(FairnessFigure(.laneClass(.background), .aboveBound))),
                    withinBudget: cost.upper <= criteria.userP99Budget.seconds,
                    boundsBackground: maximum.upper <= bound.seconds, idleRounds: point.idleRounds)
            }
            studies.append(Study(scenario: result.header.scenario, file: result.header.file,
                                 replications: result.header.replications, bound: bound, strict: row(strict),
                                 rows: result.points.filter { $0.variant != strict.variant }.map(row)))
        }
    }

    // MARK: The decision

    /// Policy kinds in the order they first appear.
    var kinds: [String] {
        var kinds: [String] = []
        for study in studies {
            for row in study.rows where !kinds.contains(row.kind) { kinds.append(row.kind) }
        }
        return kinds
    }

    /// For each kind: whether, in every study strict does not settle, some variant of it
    /// passes; and its worst user-facing p99 cost there.
    func verdict(_ kind: String) -> (passesEverywhere: Bool, boundsEverywhere: Bool, worstCost: Double) {
        var passes = true
        var bounds = true
        var worst = -Double.infinity
        for study in studies where !study.strictIsEnough {
            let rows = study.rows.filter { $0.kind == kind }
            guard !rows.isEmpty else {
                passes = false
                bounds = false
                continue
            }
            let best = rows.min { $0.userCost.upper < $1.userCost.upper }!
            if !rows.contains(where: \.passes) { passes = false }
            if !rows.contains(where: \.boundsBackground) { bounds = false }
            worst = max(worst, best.userCost.upper)
        }
        return (passes, bounds, worst)
    }

    /// The recommendation in plain language.
    public var recommendation: String {
        let starving = studies.filter { !$0.strictIsEnough }
        let budget = seconds(criteria.userP99Budget.seconds)
        if starving.isEmpty {
            return "Strict priority is enough: in every study the background lanes' longest wait stays within its "
                + "bound under strict (upper end of the 95% interval), so no fairness policy is needed."
        }
        var text = "Strict priority is not enough: under strict, background ops waited longer than the bound in "
            + "\(starving.count) of \(studies.count) studies ("
            + starving.map { "\($0.scenario): up to \(seconds($0.strict.backgroundMax.upper)) against "
                + "\(seconds($0.bound.seconds))" }.joined(separator: "; ") + "). "
        let verdicts = kinds.map { ($0, verdict($0)) }
        if let best = verdicts.filter({ $0.1.passesEverywhere }).min(by: { $0.1.worstCost < $1.1.worstCost }) {
            text += "Recommended: \(best.0), which bounds background waits in every such study and costs the "
                + "user-facing p99 at most \(signed(best.1.worstCost)) (within the \(budget) budget)."
            return text
        }
        text += "No policy keeps the user-facing p99 within \(budget) of strict while bounding background waits "
            + "in every such study. "
        let bounding = verdicts.filter { $0.1.boundsEverywhere }.sorted { $0.1.worstCost < $1.1.worstCost }
        if let best = bounding.first {
            text += "Of the policies that bound background waits everywhere, \(best.0) costs the user-facing p99 "
                + "least (at most \(signed(best.1.worstCost)), upper end of the 95% interval)"
            if bounding.count > 1 {
                text += "; then " + bounding.dropFirst().map { "\($0.0) (\(signed($0.1.worstCost)))" }
                    .joined(separator: ", ")
            }
            text += ". "
        } else {
            text += "No policy bounds background waits in every study either: "
                + kinds.map { kind in
                    let bounded = starving.filter { study in study.rows.contains { $0.kind == kind && $0.boundsBackground } }
                    return "\(kind) in " + (bounded.isEmpty ? "none" : bounded.map(\.scenario).joined(separator: ", "))
                }.joined(separator: "; ") + ". "
            let neither = starving.filter { study in !study.rows.contains(where: \.boundsBackground) }
            if !neither.isEmpty {
                text += "In " + neither.map(\.scenario).joined(separator: ", ") + " no policy does: a claim policy "
                    + "only orders the lanes a daemon asks for, and sf-queues asks for the background lanes only with "
                    + "two slots free and skips the high-I/O ones while the disk is busy. "
            }
        }
        text += "The cost is the background work itself: while a daemon is saturated, every second of "
            + "background work served during the overload is a second more for the user-facing rows behind it; "
            + "only more capacity (or less work: coalescing) makes room for both."
        return text
    }

    func seconds(_ value: Double) -> String { formatFixed(value, decimals: 1) + " s" }
    func signed(_ value: Double) -> String { (value >= 0 ? "+" : "") + formatFixed(value, decimals: 1) + " s" }
}
