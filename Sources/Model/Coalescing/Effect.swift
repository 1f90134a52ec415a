import Sim

/// What running a task changes on the cluster, so coalescing can be checked for lost work.
///
/// A task's ``TaskScope`` says which facts make two runs the same change: a network's
/// dnsmasq (`network`), a network's mesh on the node that runs it (`node`), one instance
/// (`instance`), or everything the op carries including its parameters (`parameters`: a
/// floating IP's instance and address). Two requests whose effects are equal can stand in for
/// each other; two whose effects differ cannot, whatever their coalescing keys.
public struct Effect: Hashable, Sendable, CustomStringConvertible {
    public var task: TaskName
    public var network: NetworkID?
    public var instance: InstanceID?
    /// The node the change lands on, for node-scoped tasks; nil otherwise.
    public var node: NodeID?
    public var parameters: [String]

    /// What an op means to change: for node-scoped tasks, on the node its queue belongs to;
    /// for parameter-scoped ones, everything the op carries (its node column included).
    public static func intended(by spec: OpSpec, task: TaskName, scope: TaskScope) -> Effect {
        var node: NodeID?
        switch scope {
        case .node: if case .node(let target) = spec.queue.target { node = target } else { node = spec.nodeID }
        case .parameters: node = spec.nodeID
        case .cluster, .network, .instance: break
        }
        return make(spec, task: task, scope: scope, node: node)
    }

    /// What running `task` of `spec` on `node` changed.
    public static func produced(by spec: OpSpec, task: TaskName, on node: NodeID, scope: TaskScope) -> Effect {
        make(spec, task: task, scope: scope, node: scope == .node ? node : scope == .parameters ? spec.nodeID : nil)
    }

    private static func make(_ spec: OpSpec, task: TaskName, scope: TaskScope, node: NodeID?) -> Effect {
        switch scope {
        case .cluster:
            return Effect(task: task, network: nil, instance: nil, node: nil, parameters: [])
        case .network:
            return Effect(task: task, network: spec.networkID, instance: nil, node: nil, parameters: [])
        case .node:
            return Effect(task: task, network: spec.networkID, instance: nil, node: node, parameters: [])
        case .instance:
            return Effect(task: task, network: nil, instance: spec.instanceID, node: nil, parameters: [])
        case .parameters:
            return Effect(task: task, network: spec.networkID, instance: spec.instanceID, node: node,
                          parameters: spec.parameters)
        }
    }

    /// Where the change lands: `network net-a on node-2`.
    public var target: String {
        var parts: [String] = []
        if let network { parts.append("network \(network)") }
        if let instance { parts.append("instance \(instance)") }
        if let node { parts.append("on \(node)") }
        if !parameters.isEmpty { parts.append("(\(parameters.joined(separator: ", ")))") }
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
    public var requestedAt: Duration
    public var survivor: OpID
    /// The folded op's own `depends_on`: its change must not be made before they complete.
    public var dependsOn: [OpID]
    /// Where `effect_seconds` files it: the victim's queue, op type and task label.
    public var queue: String
    public var opType: String
    public var taskLabel: String
}

/// Coalesced work whose change no execution made after it was requested (and after its own
/// dependencies completed): work lost by coalescing.
public struct EffectViolation: Sendable, Equatable, CustomStringConvertible {
    public var kind: CoalescedWork.Kind
    public var victim: String
    public var task: TaskName
    /// The key of the lost change (`network net-a on node-3`).
    public var effect: String
    public var survivor: OpID
    /// What happened instead.
    public var reason: String

    public var description: String {
        "\(victim) \(task) for \(effect), \(kind.rawValue) into \(survivor): \(reason)"
    }
}
