import Model
import Sim

/// Reads an event log into the ops a `trace:` source replays (docs/eventlog.md), a line at a
/// time. Unlike `analyze`, a replay refuses a bad file: the first problem is one line naming
/// the file, the line and the field.
///
/// - A `cluster operation created` record makes an op: `object_uuid`, `timestamp` (its
///   creation time), `extra.operation_type` (or `object_type`), `extra.tasks`,
///   `extra.queue_name` (its target, family and priority) and, if present, the target columns
///   `extra.network_uuid`, `extra.node_uuid`, `extra.instance_uuid`.
/// - An `execution duration` record gives the op its measured time (`extra.seconds`, else
///   `duration`; the last execution's wins). For an op without a creation record (a log that
///   has none) it makes the op, created at `timestamp − seconds − extra.wait_seconds`.
/// - Other records are skipped; so are records of other variants when `variant` is given. A
///   log holding several variants needs `variant`.
///
/// Times: the replay's zero is midnight UTC of the first op's day (`zero: midnight`, the
/// default), so a simrun log (whose zero is ``EventLogFormat/epochSeconds``) replays at its
/// own times and a real day at its times of day; or the first op's creation (`zero:
/// first_op`), so a stretch of a real day starts at once. Node names other than `node-K` (a real cluster's) are given the scenario's
/// nodes in order of first appearance.
struct TraceSourceReader {
    let topology: Topology
    let knownTasks: Set<TaskName>
    let maxBytes: Int

    /// Where the replay's time zero falls.
    enum Zero: String, CaseIterable {
        case midnight
        case firstOp = "first_op"
    }

    private struct Pending {
        /// Creation time, Unix nanoseconds.
        var at: Int64
        var op: ReplayedOp
        var line: Int
    }

    private struct State {
        var ops: [Pending] = []
        var index: [String: Int] = [:]
        var variantSeen: String?
        var nodeNames: [String: NodeID] = [:]
        /// Some record named the requested variant.
        var variantFound = false
    }

    /// The ops of the log at `path` (as the user wrote it; `resolved` is where it is read).
    func read(name: String, path: String, resolved: String, variant: String?,
              zero: Zero = .midnight) throws(ScenarioError) -> TraceReplay {
        var state = State()
        try EventLogReader.forEachLine(path: resolved, maxBytes: maxBytes) { (line, number) throws(ScenarioError) in
            func failure(_ field: String, _ message: String) -> ScenarioError {
                ScenarioError(file: path, line: number, keyPath: field, message: message)
            }
            guard let line else { throw failure("", "line longer than \(EventLogReader.maxLineBytes) bytes") }
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return }
            guard let record = EventLogJSON.parse(line), case .object = record else {
                throw failure("", "expected one JSON object a line")
            }
            if let recordVariant = record["variant"]?.string {
                if let variant {
                    if recordVariant != variant { return }
                    state.variantFound = true
                } else if let seen = state.variantSeen, seen != recordVariant {
                    throw failure("variant", "the log holds variants \(quoted(seen)) and \(quoted(recordVariant)); "
                                  + "name one with variant: in the source")
                }
                state.variantSeen = recordVariant
            }
            guard let message = record["message"]?.string else { throw failure("message", "expected a string") }
            let isCreation = message == EventLogFormat.created
            guard isCreation || message == EventLogFormat.executionDuration else { return }
            guard let uuid = record["object_uuid"]?.string, !uuid.isEmpty else {
                throw failure("object_uuid", "expected the op's uuid (a string)")
            }
            guard let extra = EventLogAnalysis.extra(of: record) else { throw failure("extra", "expected an object") }
            guard let timestamp = record["timestamp"]?.nanoseconds else {
                throw failure("timestamp", "expected Unix seconds (a number)")
            }
            var measured: Int64?
            if !isCreation {
                let field = extra["seconds"] != nil ? "extra.seconds" : "duration"
                guard let seconds = (extra["seconds"] ?? record["duration"])?.nanoseconds, seconds >= 0 else {
                    throw failure(field, "expected the execution's seconds (a non-negative number)")
                }
                measured = seconds
                if let existing = state.index[uuid] {
                    state.ops[existing].op.measured = .nanoseconds(seconds)
                    return
                }
            } else if state.index[uuid] != nil {
                throw failure("object_uuid", "op \(quoted(uuid)) is created twice")
            }
            var created = timestamp
            if let measured {
                guard let wait = extra["wait_seconds"]?.nanoseconds, wait >= 0 else {
                    throw failure("extra.wait_seconds", "expected a non-negative number (this op has no creation record)")
                }
                created = timestamp - measured - wait
            }
            let op = try readOp(extra, record: record, measured: measured, state: &state, failure: failure)
            state.index[uuid] = state.ops.count
            state.ops.append(Pending(at: created, op: op, line: number))
        }
        if let variant, !state.variantFound {
            throw ScenarioError(file: path, keyPath: "variant", message: "no record names variant \(quoted(variant))")
        }
        guard !state.ops.isEmpty else {
            throw ScenarioError(file: path, message: "no ops to replay (expected \"\(EventLogFormat.created)\" or "
                                + "\"\(EventLogFormat.executionDuration)\" records)")
        }
        for pending in state.ops where pending.op.measured == nil {
            for task in pending.op.tasks where !knownTasks.contains(task) {
                throw ScenarioError(file: path, line: pending.line, keyPath: "extra.tasks",
                                    message: "unknown task \(quoted(task.name)) and no measured seconds for the op; "
                                        + "define it under overrides.tasks with a service distribution")
            }
        }
        // Creation order; equal times keep the log's order (a stable sort by index).
        let ordered = state.ops.indices.sorted { (state.ops[$0].at, $0) < (state.ops[$1].at, $1) }
        guard let first = ordered.first.map({ state.ops[$0].at }) else { return TraceReplay(name: name, ops: []) }
        let origin = zero == .midnight ? EventLogFormat.dayStart(ofNanoseconds: first) : first
        return TraceReplay(name: name, ops: ordered.map { index in
            var op = state.ops[index].op
            op.at = .nanoseconds(state.ops[index].at - origin)
            return op
        })
    }

    private func readOp(_ extra: EventLogJSON, record: EventLogJSON, measured: Int64?, state: inout State,
                        failure: (String, String) -> ScenarioError) throws(ScenarioError) -> ReplayedOp {
        let typeName = extra["operation_type"]?.string ?? record["object_type"]?.string ?? ""
        guard let type = OperationType(rawValue: typeName) else {
            let known = OperationType.allCases.map(\.rawValue).joined(separator: ", ")
            throw failure(extra["operation_type"] != nil ? "extra.operation_type" : "object_type",
                          "expected an operation type (\(known)), got \(quoted(typeName))")
        }
        guard let tasks = EventLogAnalysis.tasks(extra["tasks"]) else {
            throw failure("extra.tasks", "expected a non-empty list of task names")
        }
        guard let queueText = extra["queue_name"]?.string else {
            throw failure("extra.queue_name", "expected a queue name ({target}-{family}-{priority})")
        }
        let queue = try queueName(queueText, state: &state) { failure("extra.queue_name", $0) }
        func node(_ key: String) throws(ScenarioError) -> NodeID? {
            guard let value = extra[key] else { return nil }
            guard let name = value.string else { throw failure("extra.\(key)", "expected a string") }
            return try self.node(name, state: &state) { failure("extra.\(key)", $0) }
        }
        func name(_ key: String) throws(ScenarioError) -> String? {
            guard let value = extra[key] else { return nil }
            guard let text = value.string, !text.isEmpty else { throw failure("extra.\(key)", "expected a string") }
            return text
        }
        return ReplayedOp(at: .zero, type: type, tasks: tasks.map { TaskName($0) }, queue: queue,
                          networkID: try name("network_uuid").map(NetworkID.init), nodeID: try node("node_uuid"),
                          instanceID: try name("instance_uuid").map(InstanceID.init),
                          measured: measured.map { .nanoseconds($0) })
    }

    /// `{target}-{family}-{priority}`: the priority is the last part, the family the one before.
    private func queueName(_ text: String, state: inout State,
                           failure: (String) -> ScenarioError) throws(ScenarioError) -> QueueName {
        let expected = "expected {target}-{family}-{priority} (e.g. networknode-clusteroperation-user_facing), got \(quoted(text))"
        guard let lastDash = text.lastIndex(of: "-"),
              let priority = Priority(name: String(text[text.index(after: lastDash)...])) else { throw failure(expected) }
        let rest = text[..<lastDash]
        guard let familyDash = rest.lastIndex(of: "-"),
              let family = QueueFamily(rawValue: String(rest[rest.index(after: familyDash)...])) else { throw failure(expected) }
        let targetName = String(rest[..<familyDash])
        let target: QueueTarget
        switch targetName {
        case "networknode": target = .networkNode
        case "any": target = .any
        case "": throw failure(expected)
        default: target = .node(try node(targetName, state: &state, failure: failure))
        }
        if family == .network, case .node = target {} else if family == .network {
            throw failure("network-family queues exist only per node, got \(quoted(text))")
        }
        return QueueName(target, family, priority)
    }

    /// `node-K` of the cluster, or a real node's name given the next node in order of first
    /// appearance.
    private func node(_ name: String, state: inout State, failure: (String) -> ScenarioError) throws(ScenarioError) -> NodeID {
        let count = topology.nodes.count
        if name.hasPrefix("node-"), let number = Int(name.dropFirst(5)), number >= 1 {
            guard number <= count else { throw failure("node \(quoted(name)) is not in the scenario's \(count)-node cluster") }
            return NodeID(index: number - 1)
        }
        if let known = state.nodeNames[name] { return known }
        guard state.nodeNames.count < count else {
            throw failure("the log names more nodes than the scenario's \(count)-node cluster has (at \(quoted(name))); "
                          + "raise cluster.nodes")
        }
        let node = NodeID(index: state.nodeNames.count)
        state.nodeNames[name] = node
        return node
    }
}

extension WorkloadParser {
    /// `{name: day, trace: day.jsonl, variant: facade, zero: first_op}`: an event log replayed
    /// op by op; the path is relative to the scenario file's directory.
    func readTrace(_ node: YAMLNode) throws(ScenarioError) -> TraceReplay {
        let fields = try node.mapping(allowedKeys: ["name", "trace", "variant", "zero"])
        let name = try fields.required("name").string()
        let pathNode = try fields.required("trace")
        let path = try pathNode.string()
        guard !path.isEmpty else { throw pathNode.expected("an event log file (JSON lines)") }
        let directory = node.file.lastIndex(of: "/").map { String(node.file[...$0]) } ?? ""
        let resolved = path.hasPrefix("/") ? path : directory + path
        let variant = try fields.optional("variant")?.string()
        let zero = try fields.optional("zero")?.enumValue(TraceSourceReader.Zero.self) ?? .midnight
        let reader = TraceSourceReader(topology: topology, knownTasks: knownTasks, maxBytes: traceMaxBytes)
        do {
            return try reader.read(name: name, path: resolved, resolved: resolved, variant: variant, zero: zero)
        } catch {
            // Name the scenario's line too: the log is read on its behalf.
            throw ScenarioError(file: error.file, line: error.line, keyPath: error.keyPath,
                                message: error.message + " (read for \(node.file):\(node.line.map(String.init) ?? "?"): sources, trace \(quoted(name)))")
        }
    }
}
