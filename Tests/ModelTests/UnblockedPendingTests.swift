@testable import Model
import Sim
import Testing

/// The recorder's count of pending ops none of whose dependencies is pending (the progress
/// watch's quick test, `RunRecorder.hasUnblockedPending`), against the same answer worked
/// out from every pending op after each step. Ops are made with random `depends_on` and
/// `runs_after` on older ops (pending, ended, or never made) and end in random order. (Ops
/// depend on older ops only: a dependency made after its dependent is not tracked.)
@Suite struct UnblockedPendingTests {
    static let queues = [QueueName(.any, .clusterOperation, .userFacing),
                         QueueName(.node(NodeID(index: 1)), .clusterOperation, .background)]

    @Test(arguments: [UInt64(1), 2, 3, 4])
    func matchesAScanOfThePendingOps(seed: UInt64) {
        var random = RandomStream(seed: seed)
        let recorder = RunRecorder(clock: Simulation(), tracing: false, checkingEffects: false)
        var pending: [OpID: OpSpec] = [:]
        var next = 0
        for _ in 0..<3000 {
            if pending.isEmpty || random.next() % 3 != 0 {
                next += 1
                // An op depends on older ops (as in the model); id 0 is never made.
                let older = { OpID(Int(random.next() % UInt64(next))) }
                let dependsOn = (0..<Int(random.next() % 3)).map { _ in older() }
                let runsAfter = (0..<Int(random.next() % 2)).map { _ in older() }
                let queue = Self.queues[Int(random.next() % 2)]
                let spec = OpSpec(type: .netOp, tasks: ["t"], priority: queue.priority, queue: queue,
                                  dependsOn: dependsOn, runsAfter: runsAfter, randomKey: UInt64(next))
                let id = OpID(next)
                recorder.created(id, spec)
                pending[id] = spec
            } else {
                let ids = pending.keys.sorted()
                let id = ids[Int(random.next() % UInt64(ids.count))]
                let spec = pending.removeValue(forKey: id)!
                let state: OpState = random.next() % 2 == 0 ? .complete : .error
                recorder.terminal(OpRecord(id: id, spec: spec, createdAt: .zero, state: state, stateChangedAt: .zero),
                                  at: .zero, byFold: false)
            }
            for queue in Self.queues {
                let expected = pending.contains { _, spec in
                    spec.queue == queue && (spec.dependsOn + spec.runsAfter).allSatisfy { pending[$0] == nil }
                }
                #expect(recorder.hasUnblockedPending { $0 == queue } == expected)
            }
        }
    }
}
