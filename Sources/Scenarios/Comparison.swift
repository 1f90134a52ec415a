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
}
