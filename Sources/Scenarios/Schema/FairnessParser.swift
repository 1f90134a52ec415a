import Model
import Sim

/// Reads `fairness:` (of the scenario or of a variant): the claim policy of each daemon
/// (`docs/fairness.md`).
///
/// ```yaml
/// fairness: {policy: bounded_staleness, after: 30s}             # both daemons
/// fairness:
///   policy: reserved_slots                                       # both daemons...
///   slots: 1
///   lanes: [background, background_high_io]
///   lottery: {weights: {background: 3, background_high_io: 1}}
///   sf_queues: {policy: strict}                                  # ...but sf-queues
/// fairness: {sf_net: {policy: drr, weights: {user_facing: 4, background: 1}}}
/// ```
enum FairnessParser {
    /// The keys of one policy, by the policy that uses them.
    static let parameters: [(key: String, policy: String)] = [
        ("after", "bounded_staleness"), ("slots", "reserved_slots"), ("lanes", "reserved_slots or fair_key"),
        ("lottery", "reserved_slots"), ("weights", "drr"), ("key", "fair_key"),
    ]
    static let daemonKeys = ClaimingDaemon.allCases.map(\.rawValue)

    static func read(_ node: YAMLNode) throws(ScenarioError) -> FairnessSettings {
        let mapping = try node.mapping(allowedKeys: ["policy"] + parameters.map(\.key) + daemonKeys)
        var settings = FairnessSettings.strict
        if mapping.contains("policy") {
            settings = .both(try readPolicy(mapping))
        } else if let stray = mapping.entries.first(where: { !daemonKeys.contains($0.key) }) {
            throw stray.value.error("\(stray.key) needs a policy beside it (policy: ...)")
        } else if !ClaimingDaemon.allCases.contains(where: { mapping.contains($0.rawValue) }) {
            throw node.error("expected policy: \(FairnessPolicy.names.joined(separator: "|")), or sf_net: and sf_queues: "
                             + "with one each")
        }
        for daemon in ClaimingDaemon.allCases {
            guard let daemonNode = mapping.optional(daemon.rawValue) else { continue }
            settings[daemon] = try readPolicy(try daemonNode.mapping(allowedKeys: ["policy"] + parameters.map(\.key)))
        }
        return settings
    }

    /// One policy and its parameters.
    static func readPolicy(_ mapping: YAMLMapping) throws(ScenarioError) -> FairnessPolicy {
        let name = try mapping.required("policy").enumValue(FairnessPolicy.names)
        for entry in mapping.entries where entry.key != "policy" && !daemonKeys.contains(entry.key) {
            let user = parameters.first { $0.key == entry.key }?.policy ?? ""
            guard user.split(separator: " ").contains(Substring(name)) else {
                throw entry.value.error("\(entry.key) is a parameter of \(user), not of \(name)")
            }
        }
        switch name {
        case "strict":
            return .strict
        case "bounded_staleness":
            return .boundedStaleness(after: try mapping.required("after").positiveDuration())
        case "reserved_slots":
            let slots = try mapping.required("slots").int(in: 1...256)
            let lanes = try readLanes(mapping.required("lanes"))
            var lottery: LaneWeights?
            if let node = mapping.optional("lottery") {
                let fields = try node.mapping(allowedKeys: ["weights"])
                lottery = try readWeights(fields.required("weights"), allowed: lanes)
            }
            return .reservedSlots(ReservedSlots(slots: slots, lanes: lanes, lottery: lottery))
        case "drr":
            return .deficitRoundRobin(try readWeights(mapping.required("weights"), allowed: Priority.allCases))
        default:
            let kind = try mapping.required("key").enumValue(FairKey.Kind.self)
            let lanes = try mapping.optional("lanes").map { (node) throws(ScenarioError) in try readLanes(node) }
            return .fairKey(FairKey(kind: kind, lanes: lanes ?? Priority.allCases))
        }
    }

    /// A non-empty list of lane names without repeats, kept in priority order.
    static func readLanes(_ node: YAMLNode) throws(ScenarioError) -> [Priority] {
        var lanes: [Priority] = []
        for item in try node.elements() {
            let lane = try readLane(item)
            guard !lanes.contains(lane) else { throw item.error("lane \(lane.name) is listed twice") }
            lanes.append(lane)
        }
        guard !lanes.isEmpty else { throw node.expected("at least one lane") }
        return lanes.sorted()
    }

    static func readLane(_ node: YAMLNode) throws(ScenarioError) -> Priority {
        let name = try node.enumValue(Priority.allCases.map(\.name))
        guard let lane = Priority(name: name) else { throw node.expected("a lane") }
        return lane
    }

    /// `{lane: weight, ...}`: lanes among `allowed`, weights > 0, at least one.
    static func readWeights(_ node: YAMLNode, allowed: [Priority]) throws(ScenarioError) -> LaneWeights {
        var weights: [Priority: Double] = [:]
        for entry in try node.entries() {
            guard let lane = Priority(name: entry.key), allowed.contains(lane) else {
                let names = allowed.map(\.name)
                var message = "unknown lane \(quoted(entry.key)) (expected one of: \(names.joined(separator: ", ")))"
                if let suggestion = nearestSpelling(to: entry.key, among: names) {
                    message += "; did you mean \(quoted(suggestion))?"
                }
                throw entry.value.error(message)
            }
            let weight = try entry.value.double(in: 0...)
            guard weight > 0 else { throw entry.value.expected("a weight greater than zero") }
            weights[lane] = weight
        }
        guard !weights.isEmpty else { throw node.expected("a weight for at least one lane") }
        return LaneWeights(weights)
    }
}

extension FairnessParser {
    /// `figures: {wait_bound: 60s, key: network}` (both optional).
    static func readFigures(_ node: YAMLNode?) throws(ScenarioError) -> FigureSettings? {
        guard let node else { return nil }
        let mapping = try node.mapping(allowedKeys: ["wait_bound", "key"])
        var settings = FigureSettings()
        if let bound = mapping.optional("wait_bound") { settings.waitBound = try bound.positiveDuration() }
        if let key = mapping.optional("key") { settings.key = try key.enumValue(FairKey.Kind.self) }
        return settings
    }

    /// A policy that orders rows across queues does nothing with the singular dequeue (one
    /// queue per round trip): a variant that combines them is a mistake, reported at the
    /// `fairness:` that set the policy.
    static func check(_ scenario: Scenario, base: YAMLNode?, variants: [String: YAMLNode]) throws(ScenarioError) {
        for variant in scenario.variants {
            let config = scenario.config(for: variant)
            guard config.dequeue == .singular else { continue }
            for daemon in ClaimingDaemon.allCases where config.fairness[daemon].ordersAcrossQueues {
                guard let node = variants[variant.name] ?? base else { continue }
                throw node.error("\(config.fairness[daemon].name) orders rows across queues, which needs the batched "
                                 + "dequeue (step 2, on in eras plan and later); variant \"\(variant.name)\" claims "
                                 + "one queue at a time (era \(scenario.era(of: variant).rawValue))")
            }
        }
    }
}
