import Sim

/// What a task's handler enqueues while it runs (``TaskProfile/enqueues``), one op at a time,
/// each waited for (where asked) before the next, as a handler calling `Network` methods does
/// (model file 8). The worker running the handler stays busy while it waits; a handler that
/// waits on work queued behind itself waits until `API_ASYNC_WAIT`.
struct HandlerEnqueues {
    let context: ClusterContext
    /// The node running the handler.
    let node: NodeID
    let claimer: String

    nonisolated(nonsending)
    func run(_ enqueues: [TaskEnqueue], for task: TaskName, at index: Int, of op: OpRecord, retries: Int,
             on connection: any QueueConnection) async throws {
        let keys = RandomStream(parent: op.spec.randomKey, name: "handler/\(index)/\(retries)")
        for (number, enqueue) in enqueues.enumerated() {
            for (fan, target) in targets(of: enqueue, for: op).enumerated() {
                let spec = specification(enqueue, network: target.network, parameters: target.parameters, of: op,
                                         key: keys.derived("\(number)/\(fan)"))
                let created = try await context.enqueue(spec, caller: "\(op.id) \(task)", on: connection)
                if enqueue.wait {
                    try await context.wait(for: created, on: connection, waiter: "\(op.id) \(task) on \(claimer)")
                }
            }
        }
    }

    /// One entry per op to enqueue: its network and its parameters.
    private func targets(of enqueue: TaskEnqueue, for op: OpRecord) -> [(network: NetworkID?, parameters: [String])] {
        switch enqueue.fanout {
        case .once:
            return [(op.spec.networkID, [])]
        case .eachNetwork:
            var seen: Set<NetworkID> = []
            return op.spec.interfaces.filter { seen.insert($0).inserted }.map { ($0, []) }
        case .eachInterface:
            let instance = op.spec.instanceID?.name ?? op.id.description
            return op.spec.interfaces.enumerated().map { ($0.element, ["mac=\(instance)/eth\($0.offset)"]) }
        }
    }

    private func specification(_ enqueue: TaskEnqueue, network: NetworkID?, parameters: [String], of op: OpRecord,
                               key: RandomStream) -> OpSpec {
        let target: QueueTarget
        switch enqueue.target {
        case .networkNode: target = .networkNode
        case .any: target = .any
        case .node(let other): target = .node(other)
        case .thisNode: target = .node(node)
        }
        var nodeColumn: NodeID?
        if case .node(let on) = target { nodeColumn = on }
        return OpSpec(type: enqueue.type, tasks: [enqueue.task], priority: enqueue.priority,
                      queue: QueueName(target, enqueue.family, enqueue.priority), networkID: network,
                      nodeID: nodeColumn, instanceID: op.spec.instanceID, parameters: parameters,
                      randomKey: key.key)
    }
}
