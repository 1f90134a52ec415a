@testable import Model
import Sim
import Testing

/// The coalescing sets of the real system's history (model file, section 9) and the plan as
/// deployed, when its SQL never matched (#3878).
@Suite struct CoalescingSetTests {
    static let netA = NetworkID("net-a")
    static let dnsmasqLane = QueueName(.networkNode, .clusterOperation, .userFacingHighIO)

    /// `facade` with the batched claim and steps 4 and 5, 10 ms round trips, a 5 ms fold.
    static func config(_ set: CoalescingSet, sql: CoalescingSQL = .matches) -> ModelConfig {
        var config = ModelConfig.exact(.facade, roundTrip: .milliseconds(10), tasks: [
            FixedTask(.updateDnsmasq, seconds: 1), FixedTask(.ensureMesh, seconds: 0.5),
        ])
        config.steps = [.batchedDequeue, .workerFold, .enqueueDedup]
        config.coalescing = set
        config.coalescingSQL = sql
        config.foldCost = .constant(.milliseconds(5))
        return config
    }

    // MARK: As designed and as deployed

    /// Two update_dnsmasq ops on net-a claimed in one batch at the network node. As designed
    /// the first one's fold completes the second, whose row is then dropped; as deployed the
    /// fold runs (and costs its 5 ms) but matches nothing, so both run. Either way the fold
    /// ran once and the first op's task started at the same instant.
    @Test(arguments: CoalescingSQL.allCases)
    func theFoldRunsAndPaysItsCostButMatchesOnlyAsDesigned(sql: CoalescingSQL) throws {
        let bench = Bench(config: Self.config(.plan, sql: sql))
        bench.startNet(.n1)
        bench.run { driver in
            try await driver.sleep(until: 0.1)
            let first = await driver.create([.updateDnsmasq], on: Self.dnsmasqLane, network: Self.netA)
            let second = await driver.create([.updateDnsmasq], on: Self.dnsmasqLane, network: Self.netA)
            try await driver.awaitTerminal(first, deadline: 10)
            try await driver.awaitTerminal(second, deadline: 10)
        }
        let (first, second) = (try bench.createdOp(0), try bench.createdOp(1))
        // As deployed both ops run, and each runs its fold.
        #expect(bench.counts.foldsRun == (sql == .matches ? 1 : 2))
        #expect(bench.counts.folded == (sql == .matches ? 1 : 0))
        #expect(bench.events(second, .finished).count == (sql == .matches ? 0 : 1))
        // The first op's work starts after its `executing` write and the 5 ms fold either way.
        let started = try #require(bench.events(first, .started).first?.seconds)
        let finished = try #require(bench.events(first, .finished).first?.seconds)
        #expect(same(finished - started, 0.01 + 0.005 + 1))
    }

    /// Step 5's lookup: as designed an enqueue finds the pending sibling and inserts nothing;
    /// as deployed it pays the lookup's round trip and inserts anyway.
    @Test(arguments: CoalescingSQL.allCases)
    func theEnqueueLookupPaysItsRoundTripButFindsOnlyAsDesigned(sql: CoalescingSQL) throws {
        let bench = Bench(config: Self.config(.plan, sql: sql))
        bench.run { driver in
            let first = try await driver.enqueue(
                await driver.spec([.updateDnsmasq], on: Self.dnsmasqLane, network: Self.netA), caller: "api/a")
            let before = await driver.now
            let second = try await driver.enqueue(
                await driver.spec([.updateDnsmasq], on: Self.dnsmasqLane, network: Self.netA), caller: "api/b")
            #expect((second == first) == (sql == .matches))
            // Lookup, then (as deployed) the insert: one or two round trips.
            #expect(await driver.now - before == .milliseconds(sql == .matches ? 10 : 20))
        }
        #expect(bench.counts.enqueueLookups == 2)
        #expect(bench.counts.created == (sql == .matches ? 1 : 2))
    }

    // MARK: Phase 8 and phase 11

    /// Phase 8 folds only on `networknode-` queues and not `ensure_mesh`: the network node's
    /// sf-net runs a dnsmasq op that folds its networknode sibling but not one parked on a
    /// node's network lane, and a mesh op folds nothing.
    @Test func phaseEightFoldsDnsmasqOnlyOnNetworkNodeQueuesAndNeverMesh() throws {
        let parked = QueueName(.node(.n3), .network, .userFacing)
        let bench = Bench(config: Self.config(.phase8), nodes: 3)
        bench.startNet(.n1)
        bench.run { driver in
            try await driver.sleep(until: 0.1)
            let meshSibling = await driver.create([.ensureMesh], on: parked, network: Self.netA, node: .n1)
            let parkedDnsmasq = await driver.create([.updateDnsmasq], on: parked, network: Self.netA)
            let mesh = await driver.create([.ensureMesh], on: QueueName(.node(.n1), .network, .userFacing),
                                           network: Self.netA, node: .n1)
            let first = await driver.create([.updateDnsmasq], on: Self.dnsmasqLane, network: Self.netA)
            let second = await driver.create([.updateDnsmasq], on: Self.dnsmasqLane, network: Self.netA)
            for op in [mesh, first, second] { try await driver.awaitTerminal(op, deadline: 10) }
            #expect(await driver.load(meshSibling)?.state == .queued)
            #expect(await driver.load(parkedDnsmasq)?.state == .queued)
        }
        #expect(bench.counts.folded == 1)
        let second = try bench.createdOp(4)
        #expect(bench.events(second, .folded).count == 1)
    }

    /// Phase 11 keys `ensure_mesh` on (network, node) on family `network` queues: a mesh op for
    /// node-1 folds the queued mesh op for node-1 but not the one for node-2.
    @Test func phaseElevenFoldsMeshOnlyForTheSameNode() throws {
        let parked = QueueName(.node(.n3), .network, .userFacing)
        var config = Self.config(.phase11)
        config.coalescing.foldSkipsBatchOfOne = false
        let bench = Bench(config: config, nodes: 3)
        bench.startNet(.n1)
        bench.run { driver in
            try await driver.sleep(until: 0.1)
            let sameNode = await driver.create([.ensureMesh], on: parked, network: Self.netA, node: .n1)
            let otherNode = await driver.create([.ensureMesh], on: parked, network: Self.netA, node: .n2)
            let mesh = await driver.create([.ensureMesh], on: QueueName(.node(.n1), .network, .userFacing),
                                           network: Self.netA, node: .n1)
            try await driver.awaitTerminal(mesh, deadline: 10)
            #expect(await driver.load(sameNode)?.state == .complete)
            #expect(await driver.load(otherNode)?.state == .queued)
        }
        #expect(bench.counts.folded == 1)
    }

    /// Phase 11 skips the fold when the dispatcher's claim returned one item: a dnsmasq op
    /// claimed alone leaves its queued sibling (created after the claim) to run, and the
    /// sibling, claimed alone in turn, skips its fold too; claimed together, the first one's
    /// fold takes the sibling (whose item is then dropped without a fold of its own).
    @Test(arguments: [false, true])
    func phaseElevenSkipsTheFoldForAClaimOfOne(together: Bool) throws {
        let bench = Bench(config: Self.config(.phase11))
        bench.startNet(.n1)
        bench.run { driver in
            try await driver.sleep(until: 0.1)
            let first = await driver.create([.updateDnsmasq], on: Self.dnsmasqLane, network: Self.netA)
            // The 0.2 s poll claims at 0.21 (after its 10 ms round trip); the sibling either
            // exists by then or is created just after, while the first op runs.
            try await driver.sleep(until: together ? 0.15 : 0.25)
            let second = await driver.create([.updateDnsmasq], on: Self.dnsmasqLane, network: Self.netA)
            try await driver.awaitTerminal(first, deadline: 10)
            try await driver.awaitTerminal(second, deadline: 10)
        }
        #expect(bench.counts.foldsSkipped == (together ? 0 : 2))
        #expect(bench.counts.folded == (together ? 1 : 0))
    }

    /// Phase 11's enqueue reuse only of an op at least as urgent: a pending background dnsmasq
    /// op is not reused for a user-facing request, but a pending user-facing one is reused for
    /// a background request. (The plan's set reuses either.)
    @Test(arguments: [CoalescingSet.plan, .phase11])
    func phaseElevenReusesOnlyAnOpAtLeastAsUrgent(set: CoalescingSet) throws {
        let background = QueueName(.networkNode, .clusterOperation, .background)
        let userFacing = QueueName(.networkNode, .clusterOperation, .userFacing)
        let bench = Bench(config: Self.config(set))
        bench.run { driver in
            let pendingBackground = try await driver.enqueue(
                await driver.spec([.updateDnsmasq], on: background, network: Self.netA), caller: "maintain")
            let urgent = try await driver.enqueue(
                await driver.spec([.updateDnsmasq], on: userFacing, network: Self.netA), caller: "api/a")
            #expect((urgent == pendingBackground) == (set.name == "plan"))
            let lax = try await driver.enqueue(
                await driver.spec([.updateDnsmasq], on: background, network: Self.netA), caller: "maintain/2")
            #expect(lax == pendingBackground)
        }
    }
}
