@testable import Model
import Sim
import Testing

/// Step 5, enqueue-side dedup (model file, sections 9 and 11): before inserting a single-task
/// coalescible `net_op` for the `networknode` target without `depends_on`/`runs_after`, look up
/// the oldest `queued` sibling (same type, key and task) and return it instead of inserting.
/// Lookup and insert are separate round trips without a lock.
@Suite struct EnqueueDedupTests {
    static let netA = NetworkID("net-a")
    static let dnsmasqLane = QueueName(.networkNode, .clusterOperation, .userFacingHighIO)

    /// `facade` with step 5 (plus whatever `extra` adds), 10 ms round trips. The plan's
    /// coalescing set and, so the `net_op`-only guard can be seen by itself, a rule that would
    /// let `net_ip_op` coalesce update_dnsmasq too.
    static func config(_ extra: Set<PlanStep> = []) -> ModelConfig {
        var config = ModelConfig.exact(.facade, roundTrip: .milliseconds(10),
                                       tasks: [FixedTask(.updateDnsmasq, seconds: 1)])
        config.steps = Set([.enqueueDedup]).union(extra)
        config.coalescing = .custom(CoalescingSet.plan.rules
            + [CoalescingRule(type: .netIPOp, tasks: [.updateDnsmasq], key: [.networkUUID])])
        return config
    }

    /// No daemon runs: whatever is enqueued stays `queued` unless the script changes it.
    @Test func stepFiveReturnsTheOldestPendingSiblingAndInsertsNothing() throws {
        let bench = Bench(config: Self.config())
        bench.run { driver in
            let older = await driver.create([.updateDnsmasq], on: Self.dnsmasqLane, network: Self.netA)
            let newer = await driver.create([.updateDnsmasq], on: Self.dnsmasqLane, network: Self.netA)
            let returned = try await driver.enqueue(
                await driver.spec([.updateDnsmasq], on: Self.dnsmasqLane, network: Self.netA), caller: "api/x")
            #expect(returned == older)
            #expect(returned != newer)
            // One round trip (the lookup), no insert.
            #expect(same(await driver.now.seconds, 0.01))
            #expect(await bench.database.depth(of: [Self.dnsmasqLane]) == 2)
        }
        let older = try bench.createdOp(0)
        #expect(bench.createdOps.count == 2)
        #expect(bench.counts.deduplicated == 1)
        #expect(bench.trace.filter { $0.kind == .deduplicated }.map(\.detail) == ["enqueue by api/x returned \(older)"])
    }

    /// Each guard of step 5, with a queued sibling that would match if the guard were not
    /// there (same network, and the new op's first task is update_dnsmasq).
    enum Guard: String, CaseIterable, Sendable {
        case dependsOn, runsAfter, multiTask, targetIsNotNetworkNode, typeIsNotNetOp, siblingIsExecuting, stepIsOff
    }

    @Test(arguments: Guard.allCases)
    func stepFiveInsertsANewOpWhenAGuardApplies(_ check: Guard) throws {
        let bench = Bench(config: check == .stepIsOff ? .exact(.facade, roundTrip: .milliseconds(10)) : Self.config())
        bench.run { driver in
            let type: OperationType = check == .typeIsNotNetOp ? .netIPOp : .netOp
            let sibling = await driver.create([.updateDnsmasq], on: Self.dnsmasqLane, type: type, network: Self.netA)
            if check == .siblingIsExecuting { await driver.setState(sibling, .executing) }
            let tasks: [TaskName] = check == .multiTask ? [.updateDnsmasq, .addFloatingIP] : [.updateDnsmasq]
            let queue = check == .targetIsNotNetworkNode
                ? QueueName(.node(.n1), .network, .userFacingHighIO) : Self.dnsmasqLane
            let spec = await driver.spec(tasks, on: queue, type: type, network: Self.netA,
                                         dependsOn: check == .dependsOn ? [sibling] : [],
                                         runsAfter: check == .runsAfter ? [sibling] : [])
            let returned = try await driver.enqueue(spec, caller: "api/x")
            #expect(returned != sibling)
        }
        #expect(bench.createdOps.count == 2)
        #expect(bench.counts.deduplicated == 0)
    }

    /// The race: two callers enqueue at t = 0; both lookups (t = 0.01) miss, both insert
    /// (t = 0.02). One duplicate, no more: a third caller at t = 0.05 finds the older of the two.
    @Test func twoCallersWhoseLookupsBothMissBothInsert() throws {
        let bench = Bench(config: Self.config())
        bench.run { driver in
            for caller in ["api/a", "api/b"] {
                let spec = await driver.spec([.updateDnsmasq], on: Self.dnsmasqLane, network: Self.netA)
                bench.sim.spawn(caller) { _ = try? await driver.enqueue(spec, caller: caller) }
            }
            try await driver.sleep(until: 0.05)
            let third = try await driver.enqueue(
                await driver.spec([.updateDnsmasq], on: Self.dnsmasqLane, network: Self.netA), caller: "api/c")
            #expect(third == OpID(1))
        }
        let created = bench.trace.filter { $0.kind == .created }
        #expect(created.count == 2)
        #expect(created.allSatisfy { same($0.seconds, 0.02) })
        #expect(bench.counts.deduplicated == 1)
    }

    /// The same race with sf-net running and step 4 on: the first of the two to run folds the
    /// other, whose row is dropped at dispatch. update_dnsmasq runs once; nothing is lost.
    @Test func theWorkerSideFoldCatchesTheRacesDuplicateAtDispatch() throws {
        let bench = Bench(config: Self.config([.batchedDequeue, .workerFold]))
        bench.startNet(.n1)
        bench.run { driver in
            try await driver.sleep(until: 0.1)
            for caller in ["api/a", "api/b"] {
                let spec = await driver.spec([.updateDnsmasq], on: Self.dnsmasqLane, network: Self.netA)
                bench.sim.spawn(caller) { _ = try? await driver.enqueue(spec, caller: caller) }
            }
            try await driver.sleep(until: 5)
        }
        let (first, second) = (try bench.createdOp(0), try bench.createdOp(1))
        #expect(bench.counts.deduplicated == 0)
        #expect(bench.events(first, .finished).map(\.detail) == [TaskName.updateDnsmasq.name])
        #expect(bench.events(second, .folded).map(\.detail) == ["coalesced into sibling op \(first)"])
        #expect(bench.events(second, .skipped).map(\.detail) == ["skipping op already in terminal state"])
        #expect(bench.counts.executed == 1)
        #expect(bench.context.recorder.effectViolations.isEmpty)
    }
}
