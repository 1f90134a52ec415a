import Model
import Scenarios
import Sim

extension MariaDBConnection {
    // MARK: Claims

    nonisolated(nonsending) func claim(_ queues: [QueueName], limit: Int, mode: DequeueMode,
                                       shape: SingularDequeueShape) async throws -> [WorkItem] {
        store.remember(queues)
        var items: [WorkItem]
        switch (mode, shape) {
        case (.batched, _):
            items = try await claimBatch(queues, limit: limit)
        case (.singular, .round):
            items = []
            for queue in queues where items.count < limit {
                items += try await dequeueOne(queue)
            }
        case (.singular, .restart), (.singular, .threadPerQueue):
            items = []
            for queue in queues {
                items = try await dequeueOne(queue)
                if !items.isEmpty { break }
            }
        }
        for index in items.indices { items[index].claimBatch = items.count }
        return items
    }

    /// The batched claim (`FIELD()` order, `SKIP LOCKED`), or its bounded-staleness form.
    nonisolated(nonsending) func claimBatch(_ queues: [QueueName], limit: Int) async throws -> [WorkItem] {
        let cap = min(max(limit, 0), store.config.claimCap)
        guard cap > 0, !queues.isEmpty else { return [] }
        var values: [String: SQLValue] = ["queues": .list(queues.map { .text($0.description) }), "limit": .int(cap),
                                          "claimer": .text(name)]
        var statement = "claim"
        let fairness = store.config.fairness
        let policy = name.contains("/sf-queues") ? fairness.sfQueues : fairness.sfNet
        if case .boundedStaleness(let after) = policy {
            statement = "claim_bounded_staleness"
            values["after"] = .number(store.wallSeconds(after))
        }
        return try await claimRows(statement, SendableValues(values))
    }

    /// The singular dequeue: at most one row of one queue.
    nonisolated(nonsending) func dequeueOne(_ queue: QueueName) async throws -> [WorkItem] {
        try await claimRows("dequeue_one", SendableValues(["queue": .text(queue.description),
                                                             "claimer": .text(name)]))
    }

    /// Selects rows with `statement` (locking them) and marks them claimed, one transaction.
    private nonisolated(nonsending) func claimRows(_ statement: String, _ values: SendableValues) async throws
        -> [WorkItem] {
        let rows = try await run("claim") { [store] session -> [[String?]] in
            try session.transaction {
                let rows = try session.query(store.sql.render(statement, values.values, escape: session.escape)).rows
                guard !rows.isEmpty else { return [] }
                var update = values.values
                update["ids"] = .list(rows.map { .int(Int($0.first.flatMap { $0 } ?? "") ?? 0) })
                try session.execute(store.sql.render("mark_claimed", update, escape: session.escape))
                return rows
            }
        }
        let now = store.runtime.now
        return try rows.map { try item($0, claimedAt: now) }
    }

    /// A claimed row as a ``WorkItem``: `id, queue_name, payload, scheduled_at, created_at, attempts`.
    private func item(_ row: [String?], claimedAt: Duration) throws -> WorkItem {
        func bad(_ why: String) -> DatabaseError {
            .other(code: 0, "\(store.sql.source): a claimed row \(why) (the claim statements must select "
                   + "id, queue_name, payload, scheduled_at, created_at, attempts)")
        }
        guard row.count >= 6, let id = Int(row[0] ?? "") else { throw bad("has no id") }
        guard let queue = store.queue(named: row[1] ?? "") else { throw bad("names an unknown queue") }
        guard let payload = try? JSONValue.parse(row[2] ?? ""), let uuid = payload["op_uuid"]?.stringValue,
              let op = LiveStore.opID(uuid: uuid),
              let type = OperationType(rawValue: payload["op_type"]?.stringValue ?? "") else {
            throw bad("has an unreadable payload")
        }
        return WorkItem(rowID: RowID(id), queue: queue, opID: op, opType: type,
                        networkID: payload["network"]?.stringValue.map { NetworkID($0) },
                        deferCount: Int(payload["defer_count"]?.int64Value ?? 0),
                        retries: Int(payload["retries"]?.int64Value ?? 0),
                        scheduledAt: store.runTime(Double(row[3] ?? "") ?? 0),
                        createdAt: store.runTime(Double(row[4] ?? "") ?? 0),
                        claimedAt: claimedAt, claimedBy: name, attempts: (Int(row[5] ?? "") ?? 0) + 1)
    }

    // MARK: Rows

    nonisolated(nonsending) func deleteRow(_ id: RowID) async throws {
        _ = try await row("delete_row", ["id": .int(id.value)])
    }

    nonisolated(nonsending) func reschedule(_ item: WorkItem, after delay: Duration, isDefer: Bool) async throws {
        let uuid = LiveStore.uuid(item.opID)
        let values = SendableValues([
            "queue": .text(item.queue.description), "delay": .number(store.wallSeconds(delay)),
            "payload": .text(Self.payload(uuid: uuid, type: item.opType, network: item.networkID,
                                          defers: item.deferCount + (isDefer ? 1 : 0),
                                          retries: item.retries + (isDefer ? 0 : 1))),
            "state_uuid": .text(LiveStore.dashed(uuid)), "id": .int(item.rowID.value),
            "uuid": .text(uuid), "event": .text("simrun:deferred"),
        ])
        try await run("reschedule") { [store] session in
            try session.transaction {
                var statements = ["insert_row", "requeue_state", "delete_row"]
                if isDefer { statements.append("event") }
                for statement in statements {
                    try session.execute(store.sql.render(statement, values.values, escape: session.escape))
                }
            }
        }
    }

    nonisolated(nonsending) func reap() async throws -> (released: Int, errored: Int) {
        let values = SendableValues(["claim_timeout": .number(store.wallSeconds(store.config.claimTimeout))])
        let maxAttempts = store.config.maxAttempts
        let errored = try await run("reap") { [store] session -> (released: Int, errored: [String]) in
            try session.transaction {
                let rows = try session.query(store.sql.render("reap_select", values.values, escape: session.escape)).rows
                var release: [SQLValue] = []
                var errored: [String] = []
                for row in rows where row.count >= 3 {
                    guard let id = Int(row[0] ?? "") else { continue }
                    if (Int(row[1] ?? "") ?? 0) >= maxAttempts {
                        try session.execute(store.sql.render("delete_row", ["id": .int(id)], escape: session.escape))
                        if let uuid = row[2] { errored.append(uuid) }
                    } else {
                        release.append(.int(id))
                    }
                }
                if !release.isEmpty {
                    try session.execute(store.sql.render("release_rows", ["ids": .list(release)], escape: session.escape))
                }
                for uuid in errored {
                    try session.execute(store.sql.render("set_state", [
                        "state": .text(OpState.error.rawValue), "state_uuid": .text(LiveStore.dashed(uuid)),
                        "message": .text("reaped after too many attempts")], escape: session.escape))
                }
                return (release.count, errored)
            }
        }
        for uuid in errored.errored {
            if let id = LiveStore.opID(uuid: uuid) { store.recordTerminal(id, .error, byFold: false) }
        }
        return (errored.released, errored.errored.count)
    }

    nonisolated(nonsending) func releaseClaims(on queues: [QueueName], claimedByPrefix prefix: String)
        async throws -> Int {
        store.remember(queues)
        let values = SendableValues(["queues": .list(queues.map { .text($0.description) }), "prefix": .text(prefix)])
        return try await run("release claims") { [store] session -> Int in
            try session.transaction {
                let rows = try session.query(store.sql.render("release_claims_select", values.values,
                                                              escape: session.escape)).rows
                guard !rows.isEmpty else { return 0 }
                let ids = rows.compactMap { Int($0.first.flatMap { $0 } ?? "") }.map { SQLValue.int($0) }
                let states = rows.compactMap { $0.count > 1 ? $0[1] : nil }.map { SQLValue.text(LiveStore.dashed($0)) }
                try session.execute(store.sql.render("release_rows", ["ids": .list(ids)], escape: session.escape))
                if !states.isEmpty {
                    try session.execute(store.sql.render("requeue_executing", ["state_uuids": .list(states)],
                                                         escape: session.escape))
                }
                return ids.count
            }
        }
    }

    // MARK: Reads

    nonisolated(nonsending) func depth(of queues: [QueueName]) async throws -> Int {
        try await count("depth", ["queues": .list(queues.map { .text($0.description) })])
    }

    nonisolated(nonsending) func hasPendingOp(network: NetworkID) async throws -> Bool {
        try await count("has_pending_op", ["network_uuid": .text(LiveStore.columnUUID(network.name))]) > 0
    }

    nonisolated(nonsending) func recentOutcomes(network: NetworkID) async throws -> [(at: Duration, state: OpState)] {
        let values = SendableValues(["network_uuid": .text(LiveStore.columnUUID(network.name))])
        let rows = try await run("recent outcomes") { [store] session in
            try session.query(store.sql.render("recent_outcomes", values.values, escape: session.escape)).rows
        }
        return rows.reversed().compactMap { row in
            guard row.count >= 2, let at = Double(row[0] ?? ""), let state = OpState(rawValue: row[1] ?? "") else {
                return nil
            }
            return (store.runTime(at), state)
        }
    }

    nonisolated(nonsending) func writeEvent(_ kind: EventKind, costs: EventCosts, random: inout RandomStream)
        async throws {
        guard !costs.isFree(kind) else { return }
        if costs.isRoundTrip(kind) {
            _ = try await row("event", ["uuid": .text(String(repeating: "0", count: 32)), "event": .text(kind.rawValue)])
        } else {
            // Spooled (the `later` era): a local append, no statement.
            try await store.runtime.sleep(for: costs.sample(kind, roundTrip: .zero, &random))
        }
    }

    nonisolated(nonsending) func writeLock() async throws { _ = try await row("now") }

    nonisolated(nonsending) func read() async throws { _ = try await row("now") }

    nonisolated(nonsending) func writeErrorReport(_ id: OpID) async throws {
        _ = try await row("event", ["uuid": .text(LiveStore.uuid(id)), "event": .text("error report")])
    }
}
