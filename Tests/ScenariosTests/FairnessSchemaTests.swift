import Model
import Scenarios
import Sim
import Testing

/// `fairness:` and `figures:` in scenario files (docs/scenario-format.md).
@Suite struct FairnessSchemaTests {
    static func scenario(_ fairness: String, era: String = "plan", extra: String = "") -> String {
        "era: \(era)\n\(extra)fairness: \(fairness)\n"
    }

    static func parse(_ text: String) throws -> Scenario {
        try ScenarioParser.load(text: text, file: "s.yaml")
    }

    static func error(_ text: String) -> String? {
        do {
            _ = try parse(text)
            return nil
        } catch let error as ScenarioError {
            return error.description
        } catch {
            return "not a ScenarioError: \(error)"
        }
    }

    @Test func eachPolicyReadsItsParameters() throws {
        let cases: [(String, FairnessPolicy)] = [
            ("{policy: strict}", .strict),
            ("{policy: bounded_staleness, after: 30s}", .boundedStaleness(after: .seconds(30))),
            ("{policy: reserved_slots, slots: 2, lanes: [background_high_io, background]}",
             .reservedSlots(ReservedSlots(slots: 2, lanes: [.background, .backgroundHighIO]))),
            ("{policy: reserved_slots, slots: 1, lanes: [background, background_high_io], "
             + "lottery: {weights: {background: 3, background_high_io: 1}}}",
             .reservedSlots(ReservedSlots(slots: 1, lanes: [.background, .backgroundHighIO],
                                          lottery: LaneWeights([.background: 3, .backgroundHighIO: 1])))),
            ("{policy: drr, weights: {user_facing: 4, background: 1}}",
             .deficitRoundRobin(LaneWeights([.userFacing: 4, .background: 1]))),
            ("{policy: fair_key, key: network}", .fairKey(FairKey(kind: .network))),
            ("{policy: fair_key, key: op_type, lanes: [background]}",
             .fairKey(FairKey(kind: .opType, lanes: [.background]))),
        ]
        for (text, policy) in cases {
            #expect(try Self.parse(Self.scenario(text)).base.fairness == .both(policy), "\(text)")
        }
    }

    @Test func eachDaemonCanHaveItsOwnPolicy() throws {
        let both = try Self.parse(Self.scenario("{policy: bounded_staleness, after: 1m, sf_queues: {policy: strict}}"))
        #expect(both.base.fairness == FairnessSettings(sfNet: .boundedStaleness(after: .seconds(60)), sfQueues: .strict))
        let one = try Self.parse(Self.scenario("{sf_net: {policy: fair_key, key: node}}"))
        #expect(one.base.fairness == FairnessSettings(sfNet: .fairKey(FairKey(kind: .node)), sfQueues: .strict))
    }

    @Test func variantsReplaceTheScenariosPolicy() throws {
        let scenario = try Self.parse("""
            era: later
            fairness: {policy: bounded_staleness, after: 30s}
            variants:
              inherits: {}
              own: {fairness: {policy: strict}}
            """)
        #expect(scenario.config(for: scenario.variants[0]).fairness == .both(.boundedStaleness(after: .seconds(30))))
        #expect(scenario.config(for: scenario.variants[1]).fairness == .strict)
        #expect(scenario.isFairnessStudy)
    }

    @Test func mistakesNameTheKeyAndWhatWasExpected() {
        let cases: [(String, String)] = [
            ("{policy: fifo}", "s.yaml:2: fairness.policy: expected one of: strict, bounded_staleness, "
             + "reserved_slots, drr, fair_key; got \"fifo\""),
            ("{policy: bounded_staleness}", "s.yaml:2: fairness: missing required key \"after\""),
            ("{policy: drr, after: 3s, weights: {background: 1}}",
             "s.yaml:2: fairness.after: after is a parameter of bounded_staleness, not of drr"),
            ("{policy: reserved_slots, slots: 0, lanes: [background]}",
             "s.yaml:2: fairness.slots: expected an integer from 1 to 256, got \"0\""),
            ("{policy: reserved_slots, slots: 1, lanes: [backround]}",
             "s.yaml:2: fairness.lanes[0]: expected one of: user_waiting, user_facing, user_facing_high_io, "
             + "background, background_high_io; got \"backround\"; did you mean \"background\"?"),
            ("{policy: reserved_slots, slots: 1, lanes: [background], lottery: {weights: {user_facing: 1}}}",
             "s.yaml:2: fairness.lottery.weights.user_facing: unknown lane \"user_facing\" (expected one of: background)"),
            ("{policy: drr, weights: {background: 0}}",
             "s.yaml:2: fairness.weights.background: expected a weight greater than zero, got \"0\""),
            ("{after: 3s}", "s.yaml:2: fairness.after: after needs a policy beside it (policy: ...)"),
        ]
        for (text, message) in cases {
            #expect(Self.error(Self.scenario(text)) == message, "\(text)")
        }
    }

    /// The singular dequeue claims one queue per round trip: a policy that orders across
    /// queues could change nothing, so the file is wrong.
    @Test func aCrossQueuePolicyWithTheSingularDequeueIsAnError() {
        #expect(Self.error(Self.scenario("{policy: bounded_staleness, after: 30s}", era: "facade"))
                == "s.yaml:2: fairness: bounded_staleness orders rows across queues, which needs the batched "
                + "dequeue (step 2, on in eras plan and later); variant \"facade\" claims one queue at a time (era facade)")
        // fair_key works inside one queue, and step 2 makes facade batched.
        #expect(Self.error(Self.scenario("{policy: fair_key, key: network}", era: "facade")) == nil)
        #expect(Self.error(Self.scenario("{policy: drr, weights: {background: 1}}", era: "facade",
                                         extra: "steps: [2]\n")) == nil)
    }

    @Test func figuresSetTheBoundAndTheKey() throws {
        let scenario = try Self.parse("figures: {wait_bound: 2m, key: op_type}\n")
        #expect(scenario.figures == FigureSettings(waitBound: .seconds(120), key: .opType))
        #expect(scenario.isFairnessStudy)
        #expect(try !Self.parse("seed: 1\n").isFairnessStudy)
        #expect(Self.error("figures: {key: tenant}\n")
                == "s.yaml:1: figures.key: expected one of: network, node, op_type; got \"tenant\"")
    }
}
