@testable import Model
import Sim
import Testing

/// The eras around the plan (model file, section 1): `inline`, where callers did network work
/// themselves under a per-network lock, and `later`, where sf-net's dispatcher hands items to
/// four workers by crc32 of the network.
@Suite struct EraTests {
    static let netA = NetworkID("net-a")
    static let netB = NetworkID("net-b")

    // MARK: inline

    /// Three floating-IP adds (1 s each, zero round trips) at t = 0, 0.1 and 0.2 for instances
    /// on `networks`. On one network they take its lock in arrival order: lock waits 0, 0.9 and
    /// 1.8 s (a last-come order would give 1.9 for the second); the third on another network
    /// does not wait. No op is created; the waits are reported under `inline-network-lock`.
    @Test(arguments: [
        ([netA, netA, netA], 1.8, 0.9, 2.8),
        ([netA, netA, netB], 0.9, 0.3, 1.9),
    ])
    func inlineNetworkWorkSerializesCallersPerNetworkInArrivalOrder(
        networks: [NetworkID], maxWait: Double, meanWait: Double, maxCompletion: Double
    ) {
        let instances = networks.enumerated().map { index, network in
            ExistingInstance(instance: InstanceID("i\(index)"), node: .n2, interfaces: [network])
        }
        let events = instances.enumerated().map { index, instance in
            ScheduledAction.action(at: 0.1 * Double(index), "float-\(index)", .floatingIPAdd(instance.instance))
        }
        let result = Cluster.run(.exact(.inline, tasks: [FixedTask(.addFloatingIP, seconds: 1)]), nodes: 2,
                                 workload: Workload(networks: [Self.netA, Self.netB], instances: instances,
                                                    events: events))
        #expect(result.ending == .completed)
        #expect(result.trace.filter { $0.kind == .created }.isEmpty)
        #expect(Array(result.wait.byQueue.keys) == ["inline-network-lock"])
        let wait = result.wait.byQueue["inline-network-lock"]
        #expect(wait?.count == 3)
        #expect(wait.map { same($0.maxSeconds, maxWait) } == true, "max wait \(wait?.maxSeconds ?? -1)")
        #expect(wait.map { same($0.meanSeconds, meanWait) } == true, "mean wait \(wait?.meanSeconds ?? -1)")
        #expect(same(result.completion.all.maxSeconds, maxCompletion), "max completion \(result.completion.all.maxSeconds)")
    }

    /// An instance start in the `inline` era: the mesh and dnsmasq work runs in the caller, so
    /// the only op in any queue is the start itself, with nothing to depend on.
    @Test func inlineInstanceStartQueuesOnlyTheStartOp() {
        let workload = Workload(networks: [Self.netA], events: [
            .action(at: 0, "start", .instanceStart(instance: InstanceID("new"), node: .n2, interfaces: [Self.netA],
                                                   floatingIPs: false)),
        ])
        let result = Cluster.run(.exact(.inline), nodes: 2, workload: workload)
        #expect(result.ending == .completed)
        #expect(result.trace.filter { $0.kind == .created }.map(\.task) == [TaskName.instanceStart.name])
        #expect(result.wait.byQueue.keys.sorted() == ["inline-network-lock", "node-2-clusteroperation-user_waiting"])
        // ensure_mesh on node-1 and node-2, then update_dnsmasq.
        #expect(result.wait.byQueue["inline-network-lock"]?.count == 3)
        #expect(result.counts.deferred == 0)
    }

    // MARK: later

    /// `zlib.crc32`, which the real dispatcher routes by.
    @Test func crc32MatchesZlib() {
        #expect(crc32("123456789") == 0xCBF4_3926)
        #expect(crc32("") == 0)
        // Python: zlib.crc32(b"net-a") etc.; lanes (% 4) 1, 3, 1, 2.
        #expect(["net-a", "net-b", "net-c", "net-d"].map(crc32) == [2_780_820_141, 1_018_602_263, 1_269_928_833,
                                                                    3_587_507_746])
    }

    /// `later` with constant 1 s work, zero round trips and no event cost.
    static func laterConfig(capacity: Int = 20) -> ModelConfig {
        var config = ModelConfig.exact(.later, tasks: [FixedTask("work", seconds: 1)])
        config.events = EventCosts(write: .spool(append: .zero))
        config.netWorkerQueueCapacity = capacity
        return config
    }

    static let lane = QueueName(.node(.n1), .network, .userFacing)

    /// Six items claimed together at 0.2 s: net-a (three) and net-c share lane 1, net-b is on
    /// lane 3, net-d on lane 2. Lane 1 runs its four items one after another in claim order;
    /// the other lanes run theirs at once, concurrently. Each worker has its own connection.
    @Test func laterRoutesItemsByCrc32ToFIFOLanesThatRunConcurrently() throws {
        let bench = Bench(config: Self.laterConfig())
        bench.startNet(.n1)
        bench.run { driver in
            try await driver.sleep(until: 0.1)
            for network in ["net-a", "net-b", "net-a", "net-c", "net-a", "net-d"] {
                await driver.create(["work"], on: Self.lane, network: NetworkID(network))
            }
            try await driver.sleep(until: 6)
        }
        let starts = bench.createdOps.map { bench.times($0, .started) }
        // Ops: a1 b1 a2 c1 a3 d1.
        #expect(same(starts.flatMap { $0 }, [0.2, 0.2, 1.2, 2.2, 3.2, 0.2]), "starts \(starts)")
        let lanes = bench.context.recorder.roundTrips.keys.filter { $0.hasPrefix("node-1/sf-net/worker-") }.sorted()
        #expect(lanes == ["node-1/sf-net/worker-1", "node-1/sf-net/worker-2", "node-1/sf-net/worker-3"])
    }

    /// A lane holds at most `capacity` waiting items and the dispatcher blocks while the lane it
    /// routes to is full. With capacity 1, four net-a items and then one net-b item claimed at
    /// 0.2 s: the net-b item is routed only once the fourth net-a item fits (2.2 s), although
    /// its own lane is idle; with capacity 20 it runs at once.
    @Test(arguments: [(1, 2.2), (20, 0.2)])
    func laterDispatcherBlocksWhileTheChosenLaneIsFull(capacity: Int, otherStart: Double) throws {
        let bench = Bench(config: Self.laterConfig(capacity: capacity))
        bench.startNet(.n1)
        bench.run { driver in
            try await driver.sleep(until: 0.1)
            for network in [Self.netA, Self.netA, Self.netA, Self.netA, Self.netB] {
                await driver.create(["work"], on: Self.lane, network: network)
            }
            try await driver.sleep(until: 6)
        }
        let starts = bench.createdOps.map { bench.times($0, .started) }
        #expect(same(starts.flatMap { $0 }, [0.2, 1.2, 2.2, 3.2, otherStart]), "starts \(starts)")
    }
}
