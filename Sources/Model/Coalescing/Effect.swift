import Sim

/// What running a task changes on the cluster, so coalescing can be checked for lost work.
///
/// `update_dnsmasq` (and the other network-node tasks) change a network's state on the
/// network node; `ensure_mesh` changes the mesh of a network on the node where it runs;
/// `create_hypervisor` the vxlan interface of a network on a node. Two ops whose effects are
/// equal can stand in for each other; two whose effects differ cannot, whatever their keys.
public struct Effect: Hashable, Sendable, CustomStringConvertible {
    public var task: TaskName
    public var network: NetworkID?
    public var instance: InstanceID?
    /// The node the change lands on, for node-scoped tasks; nil for cluster-wide state.
    public var node: NodeID?

    /// Tasks whose effect is on the node that runs them.
    public static let nodeScoped: Set<TaskName> = [.ensureMesh, .createHypervisor, .deleteHypervisor,
                                                   .instanceStart, .instanceDelete]

    /// What an op means to change: for node-scoped tasks, on the node its queue belongs to.
    public static func intended(by spec: OpSpec, task: TaskName) -> Effect {
        var node: NodeID?
        if nodeScoped.contains(task) {
            if case .node(let target) = spec.queue.target { node = target } else { node = spec.nodeID }
        }
        return Effect(task: task, network: spec.networkID, instance: spec.instanceID, node: node)
    }

    /// What running `task` of `spec` on `node` changed.
    public static func produced(by spec: OpSpec, task: TaskName, on node: NodeID) -> Effect {
        Effect(task: task, network: spec.networkID, instance: spec.instanceID,
               node: nodeScoped.contains(task) ? node : nil)
    }

    /// Where the change lands: `network net-a on node-2`.
    public var target: String {
        var parts: [String] = []
        if let network { parts.append("network \(network)") }
        if let instance { parts.append("instance \(instance)") }
        if let node { parts.append("on \(node)") }
        return parts.isEmpty ? "the cluster" : parts.joined(separator: " ")
    }

    public var description: String { "\(task) for \(target)" }
}

/// One op (step 4) or request (step 5) whose work was handed to another op.
public struct CoalescedWork: Sendable {
    public enum Kind: String, Sendable { case folded, deduplicated }
    public var kind: Kind
    /// The folded op, or the caller whose enqueue was answered with an existing op.
    public var victim: String
    public var effect: Effect
    /// The change must be made after this instant (the folded op's creation, or the request).
    public var requestedAt: SimClock.Instant
    public var survivor: OpID
}

/// Coalesced work whose effect its survivor (or the survivor's own survivor) never produced
/// after it was requested: work lost by coalescing.
public struct EffectViolation: Sendable, Equatable, CustomStringConvertible {
    public var kind: CoalescedWork.Kind
    public var victim: String
    public var task: TaskName
    /// The key of the lost change (`network net-a on node-3`).
    public var effect: String
    public var survivor: OpID
    /// What the survivor chain did instead.
    public var reason: String

    public var description: String {
        "\(victim) \(task) for \(effect), \(kind.rawValue) into \(survivor): \(reason)"
    }
}

/// Checks coalesced work against what survivors produced.
struct EffectLedger {
    var coalesced: [CoalescedWork] = []
    /// Each op's produced effects with the instant the task started.
    var produced: [OpID: [(effect: Effect, startedAt: SimClock.Instant)]] = [:]
    var foldedInto: [OpID: OpID] = [:]

    func violations() -> [EffectViolation] {
        coalesced.compactMap { work in
            var survivor = work.survivor
            var seen: Set<OpID> = []
            var didInstead: [String] = []
            while seen.insert(survivor).inserted {
                let effects = produced[survivor] ?? []
                if effects.contains(where: { $0.effect == work.effect && $0.startedAt >= work.requestedAt }) {
                    return nil
                }
                didInstead += effects.map { "\(survivor) ran \($0.effect)" }
                guard let next = foldedInto[survivor] else { break }
                survivor = next
            }
            let reason = didInstead.isEmpty
                ? "no survivor ran the task after it was requested"
                : didInstead.joined(separator: "; ")
            return EffectViolation(kind: work.kind, victim: work.victim, task: work.effect.task,
                                   effect: work.effect.target, survivor: work.survivor, reason: reason)
        }
    }
}
