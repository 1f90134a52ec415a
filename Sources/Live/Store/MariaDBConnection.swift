import Dispatch
import Model
import Scenarios
import Sim

/// One daemon's (or producer's) connection to the live server: every ``QueueConnection``
/// call is one statement or transaction of the SQL file, run on this connection's own thread
/// (the model's executor never blocks). A deadlock or a lost connection is retried with
/// jitter (``DatabaseFailurePolicy``), reconnecting as needed; then it fails as unavailable.
///
/// Used by one task at a time, like ``SimConnection``; its session is touched only on its
/// dispatch queue.
final class MariaDBConnection: QueueConnection, @unchecked Sendable {
    let store: LiveStore
    let name: String
    /// Who this connection is for the database-load figures, looked up once.
    private let kind: RunRecorder.LoadKind
    private var random: RandomStream
    private let queue: DispatchQueue
    private var session: MariaDBSession?

    /// A connection of the store's own (draining, releasing, reading counters), its kind
    /// found from its name.
    convenience init(store: LiveStore, name: String, random: RandomStream) {
        self.init(store: store, name: name, kind: store.recorder.loadKind(of: name), random: random)
    }

    init(store: LiveStore, name: String, kind: RunRecorder.LoadKind, random: RandomStream) {
        self.store = store
        self.name = name
        self.kind = kind
        self.random = random.derived("retry")
        queue = DispatchQueue(label: "simrun.live.\(name)")
    }

    // MARK: Running statements

    /// Runs `body` with this connection's session on its thread, retrying transient failures.
    nonisolated(nonsending) func run<T: Sendable>(_ what: String,
                                                         _ body: @escaping @Sendable (MariaDBSession) throws -> T)
        async throws -> T {
        store.recorder.roundTrip(by: name, kind: kind)
        var random = self.random
        let value = try await store.policy.retry(what, random: &random, runtime: store.runtime) {
            try await self.once(body)
        }
        self.random = random
        store.noteSuccess()
        return value
    }

    private func once<T: Sendable>(_ body: @escaping @Sendable (MariaDBSession) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            queue.async { [self] in
                continuation.resume(with: Result {
                    do {
                        let session = try self.session ?? MariaDBSession(store.url)
                        self.session = session
                        return try body(session)
                    } catch let error as DatabaseError {
                        if case .lostConnection = error { self.session = nil }
                        store.noteFailure(error)
                        throw error
                    }
                })
            }
        }
    }

    private func render(_ session: MariaDBSession, _ statement: String, _ values: [String: SQLValue] = [:],
                        key: [String] = []) throws -> String {
        try store.sql.render(statement, values, key: key, escape: session.escape)
    }

    /// The first cell of `statement`'s first row as a number.
    nonisolated(nonsending) func count(_ statement: String, _ values: [String: SQLValue] = [:]) async throws -> Int {
        let row = try await row(statement, values)
        return Int(row.first.flatMap { $0 } ?? "") ?? 0
    }

    nonisolated(nonsending) func row(_ statement: String, _ values: [String: SQLValue] = [:]) async throws
        -> [String?] {
        let sendable = SendableValues(values)
        return try await run(statement) { [store] session in
            try session.query(store.sql.render(statement, sendable.values, escape: session.escape)).rows.first ?? []
        }
    }

    // MARK: Ops and states

    nonisolated(nonsending) func createOp(_ spec: OpSpec) async throws -> OpID {
        let id = store.newOp(spec)
        let uuid = LiveStore.uuid(id)
        store.recorder.created(id, spec)
        store.noteCreated(id, at: store.runtime.now)
        let op = SendableValues([
            "uuid": .text(uuid), "type": .text(spec.type.rawValue),
            "node_uuid": spec.nodeID.map { .text(LiveStore.columnUUID($0.description)) } ?? .null,
            "instance_uuid": spec.instanceID.map { .text(LiveStore.columnUUID($0.name)) } ?? .null,
            "network_uuid": spec.networkID.map { .text(LiveStore.columnUUID($0.name)) } ?? .null,
            "priority": .text(spec.priority.name),
            "metadata": .text(JSONValue.object([("tasks", .array(spec.tasks.map { .string($0.name) }))]).rendered()),
            "state_uuid": .text(LiveStore.dashed(uuid)),
            "queue": .text(spec.queue.description), "delay": .number(0),
            "payload": .text(Self.payload(uuid: uuid, type: spec.type, network: spec.networkID, defers: 0, retries: 0)),
        ])
        store.remember([spec.queue])
        try await run("create op") { [store] session in
            try session.transaction {
                for statement in ["insert_op", "insert_state", "insert_row"] {
                    try session.execute(store.sql.render(statement, op.values, escape: session.escape))
                }
            }
        }
        return id
    }

    static func payload(uuid: String, type: OperationType, network: NetworkID?, defers: Int, retries: Int) -> String {
        var fields: [(String, JSONValue)] = [("op_uuid", .string(uuid)), ("op_type", .string(type.rawValue)),
                                             ("defer_count", .int(defers)), ("retries", .int(retries))]
        if let network { fields.append(("network", .string(network.name))) }
        return JSONValue.object(fields).rendered()
    }

    nonisolated(nonsending) func loadOp(_ id: OpID) async throws -> OpRecord? {
        guard let spec = store.spec(id) else { return nil }
        let uuid = LiveStore.uuid(id)
        let row = try await row("load_op", ["uuid": .text(uuid), "state_uuid": .text(LiveStore.dashed(uuid))])
        guard row.count >= 3, let created = Double(row[0] ?? ""), let state = OpState(rawValue: row[1] ?? ""),
              let changed = Double(row[2] ?? "") else { return nil }
        return OpRecord(id: id, spec: spec, createdAt: store.runTime(created), state: state,
                        stateChangedAt: store.runTime(changed))
    }

    @discardableResult
    nonisolated(nonsending) func setState(_ id: OpID, _ state: OpState) async throws -> Bool {
        let uuid = LiveStore.uuid(id)
        let values = SendableValues(["state": .text(state.rawValue), "state_uuid": .text(LiveStore.dashed(uuid)),
                                     "message": .null, "uuid": .text(uuid), "event": .text("simrun:executed")])
        let changed = try await run("set state") { [store] session in
            try session.transaction { () throws -> Bool in
                let changed = try session.query(store.sql.render("set_state", values.values, escape: session.escape))
                    .affected > 0
                if changed && state == .executing {
                    try session.execute(store.sql.render("event", values.values, escape: session.escape))
                }
                return changed
            }
        }
        if changed && state.isTerminal { store.recordTerminal(id, state, byFold: false) }
        return changed
    }

    // MARK: Coalescing

    nonisolated(nonsending) func findPending(type: OperationType, task: TaskName, key: CoalescingKey,
                                             columns: [TargetColumn], atLeastAsUrgentAs priority: Priority?)
        async throws -> OpID? {
        var values = Self.keyValues(key, columns)
        values["type"] = .text(type.rawValue)
        values["task"] = .text(task.name)
        values["priority_rank"] = .int(priority.map { Self.rank($0) } ?? 99)
        let bound = SendableValues(values)
        let names = columns.map(\.rawValue)
        let found = try await run("find pending") { [store] session -> String? in
            try session.query(store.sql.render("find_pending", bound.values, key: names, escape: session.escape))
                .rows.first?.first ?? nil
        }
        guard let found, let id = LiveStore.opID(uuid: found) else { return nil }
        _ = try await row("event", ["uuid": .text(found), "event": .text("simrun:deduplicated")])
        return id
    }

    nonisolated(nonsending) func fold(into survivor: OpID, type: OperationType, tasks: [TaskName],
                                      key: CoalescingKey, columns: [TargetColumn], cost: Duration)
        async throws -> [OpRecord] {
        var values = Self.keyValues(key, columns)
        values["type"] = .text(type.rawValue)
        values["tasks"] = .list(tasks.map { .text($0.name) })
        values["survivor"] = .text(LiveStore.uuid(survivor))
        let bound = SendableValues(values)
        let names = columns.map(\.rawValue)
        let folded = try await run("fold") { [store] session -> [String] in
            try session.transaction {
                let uuids = try session.query(store.sql.render("fold_select", bound.values, key: names,
                                                               escape: session.escape)).rows.compactMap { $0.first ?? nil }
                guard !uuids.isEmpty else { return [] }
                var update = bound.values
                update["state_uuids"] = .list(uuids.map { .text(LiveStore.dashed($0)) })
                try session.execute(store.sql.render("fold_update", update, escape: session.escape))
                return uuids
            }
        }
        return folded.compactMap { LiveStore.opID(uuid: $0) }.sorted().compactMap { id in
            store.recordTerminal(id, .complete, byFold: true)
        }
    }

    private static func keyValues(_ key: CoalescingKey, _ columns: [TargetColumn]) -> [String: SQLValue] {
        var values: [String: SQLValue] = [:]
        for (column, value) in zip(columns, key.values) {
            values["key_\(column.rawValue)"] = .text(LiveStore.columnUUID(value))
        }
        return values
    }

    /// A priority's position in the lane order (1 = most urgent), as `FIELD()` numbers it.
    static func rank(_ priority: Priority) -> Int {
        (Priority.allCases.firstIndex(of: priority) ?? 98) + 1
    }
}

/// Bound values handed to a connection's thread (plain values only).
struct SendableValues: @unchecked Sendable {
    let values: [String: SQLValue]
    init(_ values: [String: SQLValue]) { self.values = values }
}
