import Sim

extension ClusterContext {
    /// `create_and_enqueue`: how every caller creates an op.
    ///
    /// With step 5, a `net_op` that is single-task, coalescible, for the `networknode` target and
    /// free of `depends_on`/`runs_after` first looks up the oldest pending sibling (same type,
    /// task and key) and, if there is one, returns its uuid and inserts nothing. The lookup and
    /// the insert are separate round trips with no lock between them, so two callers can both
    /// miss and both insert; step 4's fold catches the duplicate at dispatch.
    func createAndEnqueue(_ spec: OpSpec, caller: @autoclosure () -> String, on connection: SimConnection,
                          isolation: isolated (any Actor)? = #isolation) async throws -> OpID {
        if steps.enqueueDedup, spec.type == .netOp, spec.tasks.count == 1,
           spec.queue.target == .networkNode, spec.dependsOn.isEmpty, spec.runsAfter.isEmpty,
           let rule = coalescing.rule(for: spec.type, task: spec.tasks[0]),
           let key = CoalescingKey(spec, columns: rule.key) {
            if let existing = try await connection.findPending(type: spec.type, task: spec.tasks[0], key: key,
                                                               columns: rule.key) {
                recorder.deduplicated(spec, caller: caller(), into: existing)
                return existing
            }
        }
        return try await connection.createOp(spec)
    }
}
