import Model
import Sim
import Testing

/// `maintain.py` (model file, section 8b): every 30 s per node; whole pass skipped when the
/// node's network queue depth exceeds 50; per network skipped if its state changed < 60 s
/// ago, if healthy, if it has a pending op, if its last op errored < 60 s ago, or if its last
/// five ops all errored. Otherwise background reconciliation, never waited for.
///
/// Every network here is unhealthy on every pass (`maintainUnhealthyProbability = 1`) and round
/// trips are zero, so passes fall exactly on t = 30, 60, 90, ... The networks exist from t = 0,
/// so the pass at 30 is inside the 60 s settle time and the first reconciliation is at 60.
@Suite struct MaintainerTests {
    static let network = NetworkID("net-1")

    static func config(reconcileSeconds: Double, failing: Bool = false) -> ModelConfig {
        var config = ModelConfig.exact(.facade, tasks: [
            FixedTask(.createNetworkNode, seconds: reconcileSeconds, failureProbability: failing ? 1 : 0),
            FixedTask(.createHypervisor, seconds: 1), FixedTask(.ensureMesh, seconds: 1),
            FixedTask("hog", seconds: 1000),
        ])
        config.maintainUnhealthyProbability = 1
        // A failing reconciliation errors at once instead of retrying (section 7's retries
        // are not what this tests).
        if failing { config.retryDelays = [] }
        return config
    }

    /// Reconciliation ops (by creation time) of `task`.
    static func reconciliations(_ result: RunResult, _ task: TaskName = .createNetworkNode) -> [Double] {
        result.events(.created, task: task).map(\.seconds)
    }

    /// One node (the network node). Reconciliation takes 100 s: the op of t = 60 is pending
    /// through the passes at 90, 120 and 150, so the next is at 180, then 300. The run stays
    /// open until 350 and ends when the op of 300 completes.
    @Test func maintainWaitsForTheNetworkToSettleAndSkipsItWhileItHasAPendingOp() {
        let workload = Workload(networks: [Self.network], events: [.action(at: 350, "keep-open", .nodeStart(.n1))])
        let result = Cluster.run(Self.config(reconcileSeconds: 100), workload: workload)
        #expect(same(Self.reconciliations(result), [60, 180, 300]))
        #expect(result.events(.created, task: .createNetworkNode).allSatisfy {
            $0.queue == "networknode-clusteroperation-background"
        })
        // Maintain never waits for its ops.
        #expect(result.counts.waitsCompleted == 0 && result.counts.waitsTimedOut == 0)
    }

    /// Reconciliation fails after 1 s. Each error holds the network off for 60 s (passes at 90
    /// and 120 skip the error of 61), so reconciliations come at 60, 150, 240, 330 and 420;
    /// after five errors in a row the network is left alone for good.
    @Test func maintainBacksOffAfterAnErrorAndGivesUpAfterFiveErrors() {
        let workload = Workload(networks: [Self.network], events: [.action(at: 700, "keep-open", .nodeStart(.n1))])
        let result = Cluster.run(Self.config(reconcileSeconds: 1, failing: true), workload: workload)
        #expect(same(Self.reconciliations(result), [60, 150, 240, 330, 420]))
        #expect(result.counts.errored == 5)
    }

    /// Depth = claimed + due + deferred rows on the node's network lanes. A hog op holds sf-net
    /// and `rows - 1` more wait behind it. With 51 rows every pass is skipped. With 50 the pass
    /// at 60 reconciles; its op then waits behind the hogs too, so later passes skip the
    /// network (pending op) and, at 51 rows, the whole pass.
    @Test(arguments: [(50, true), (51, false)])
    func maintainSkipsThePassWhileTheNodesNetworkQueueDepthExceeds50(rows: Int, reconciles: Bool) {
        let lane = QueueName(.node(.n1), .network, .userFacing)
        let hogs = (0..<rows).map { ScheduledAction.op(at: 0, "hog-\($0)", "hog", on: lane, type: .netOp) }
        let workload = Workload(networks: [Self.network], events: hogs)
        let result = Cluster.run(Self.config(reconcileSeconds: 1), workload: workload, limit: .seconds(100))
        #expect(same(Self.reconciliations(result), reconciles ? [60] : []))
    }

    /// Three nodes, network node node-3, an instance on node-2: node-2 and node-3 carry net-1,
    /// node-1 does not and never reconciles it. Hypervisor reconciliation goes to the node's own
    /// background lanes. The pending-op gate is per network, across nodes: no op of another
    /// pass is created while one is pending.
    @Test func maintainReconcilesOnlyNetworksTheNodeCarries() {
        let workload = Workload(networks: [Self.network],
                                instances: [ExistingInstance(instance: InstanceID("inst-1"), node: .n2,
                                                             interfaces: [Self.network])],
                                events: [.action(at: 300, "keep-open", .nodeStart(.n1))])
        let result = Cluster.run(Self.config(reconcileSeconds: 1), nodes: 3, networkNode: 2, workload: workload)
        let created = result.trace.filter { $0.kind == .created }
        #expect(!created.isEmpty)
        #expect(created.allSatisfy { !$0.queue.hasPrefix("node-1") })
        let hypervisorTasks = [TaskName.createHypervisor.name, TaskName.ensureMesh.name]
        let hypervisor = created.filter { hypervisorTasks.contains($0.task) }
        #expect(!hypervisor.isEmpty)
        #expect(hypervisor.allSatisfy {
            $0.queue == "node-2-clusteroperation-background" || $0.queue == "node-2-network-background"
        })
        // Replay creations and terminals in order: at most one pass's ops pending at a time.
        var pending = Set<OpID>()
        var lastPassTime = -1.0
        for event in result.trace where event.kind == .created || event.kind == .terminal {
            if event.kind == .terminal { pending.remove(event.op); continue }
            #expect(pending.isEmpty || same(event.seconds, lastPassTime),
                    "\(event.op) created while \(pending) pending")
            pending.insert(event.op)
            lastPassTime = event.seconds
        }
    }
}
