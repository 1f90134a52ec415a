import Sim

extension ClusterContext {
    /// How a caller gets an op done: in the `inline` era network work runs right here, under
    /// the network's lock, and nil is returned (there is no op to depend on or wait for);
    /// otherwise the op is created through `create_and_enqueue`.
    nonisolated(nonsending)
    func enqueue(_ spec: OpSpec, caller: @autoclosure () -> String, on connection: any QueueConnection)
        async throws -> OpID? {
        if config.inlineNetworkWork && spec.type.isNetworkWork {
            try await runInline(spec, on: connection)
            return nil
        }
        return try await createAndEnqueue(spec, caller: caller(), on: connection)
    }

    /// `create_and_enqueue`: how every caller creates an op, then writes its `operation
    /// created` event (on the caller's path).
    ///
    /// With step 5, a `net_op` that is single-task, coalescible, on a queue step 5 covers
    /// (the plan: `networknode`) and free of `depends_on`/`runs_after` first looks up the
    /// oldest pending sibling (same type, task and key; with phase 11's set, only one at least
    /// as urgent) and, if there is one, writes its dedup event and returns its uuid, inserting
    /// nothing. The lookup and the insert are separate round trips with no lock between them,
    /// so two callers can both miss and both insert; step 4's fold catches the duplicate at
    /// dispatch.
    nonisolated(nonsending)
    func createAndEnqueue(_ spec: OpSpec, caller: @autoclosure () -> String, on connection: any QueueConnection)
        async throws -> OpID {
        var random = config.events.isFree(.created) && config.events.isFree(.deduplicated)
            ? RandomStream(key: spec.randomKey) : RandomStream(parent: spec.randomKey, name: "event/enqueue")
        if steps.enqueueDedup, spec.type == .netOp, spec.tasks.count == 1,
           config.enqueueDedupQueues.contains(where: { $0.contains(spec.queue) }),
           spec.dependsOn.isEmpty, spec.runsAfter.isEmpty,
           let rule = coalescing.rule(for: spec, task: spec.tasks[0]),
           let key = CoalescingKey(spec, columns: rule.key) {
            let urgency = coalescing.set.enqueueReuseNeedsUrgency ? spec.priority : nil
            recorder.enqueueLookupRan()
            if let existing = try await connection.findPending(type: spec.type, task: spec.tasks[0], key: key,
                                                               columns: rule.key, atLeastAsUrgentAs: urgency) {
                recorder.deduplicated(spec, scope: config.profile(spec.tasks[0]).scope, caller: caller(), into: existing)
                if !config.events.isFree(.deduplicated) {
                    try await connection.writeEvent(.deduplicated, costs: config.events, random: &random)
                }
                return existing
            }
        }
        let id = try await connection.createOp(spec)
        if !config.events.isFree(.created) {
            try await connection.writeEvent(.created, costs: config.events, random: &random)
        }
        return id
    }

    /// Who waits for an op, and how (model file 8).
    enum WaitStyle {
        /// An API handler (`raise_for_error`): polls every 0.1 s, times out at `API_ASYNC_WAIT`.
        case api
        /// A REST client polling an asynchronous request every 1 s until it is done.
        case restClient
    }
}
