@testable import Model
import Sim
import Testing

/// The effect check (`Coalescing/Effect.swift`): every folded or deduplicated op's change must
/// be produced by its survivor chain after it was requested; otherwise coalescing lost work.
@Suite struct EffectCheckTests {
    static let network = SeedScenarioTests.network

    static func sixStarts(_ coalescing: [CoalescingRule]) -> RunResult {
        var config = ModelConfig.preset(.plan)
        config.coalescing = .custom(coalescing)
        let result = Cluster.run(config, nodes: 3, workload: SeedScenarioTests.sixInstanceStarts(), seed: 7)
        #expect(result.ending == .completed)
        return result
    }

    /// The plan keys `ensure_mesh` on `network_uuid` alone, yet each mesh op configures the node
    /// it runs on. A node's sf-net running its mesh op folds the mesh ops queued for the other
    /// nodes on that network, so those nodes' meshes are never configured: each violation names
    /// the folded op, the task, the node whose change was lost, and what the survivor did instead.
    @Test func theEffectCheckCatchesAFoldThatSkipsAnotherNodesMesh() throws {
        let result = Self.sixStarts(CoalescingSet.plan.rules)
        let violations = result.effectViolations
        #expect(!violations.isEmpty)
        #expect(violations.count <= result.events(.folded, task: .ensureMesh).count)
        for violation in violations {
            #expect(violation.kind == .folded)
            #expect(violation.task == .ensureMesh)
            #expect(violation.victim.hasPrefix("op-"))
            let lostNode = try #require(violation.effect.split(separator: " ").last.map(String.init))
            #expect(violation.effect == "network \(Self.network) on \(lostNode)")
            // The survivor chain ran ensure_mesh on a node, never on the lost one.
            #expect(violation.reason.contains("ran network_ensure_mesh for network \(Self.network) on node-"))
            #expect(!violation.reason.contains("on \(lostNode)"))
            #expect(violation.description.contains("folded into \(violation.survivor)"))
        }
        // Coalescing update_dnsmasq (a network's change, folded or deduplicated) loses nothing.
        #expect(result.events(.folded, task: .updateDnsmasq).count
                + result.events(.deduplicated, task: .updateDnsmasq).count > 0)
        #expect(!violations.contains { $0.task == .updateDnsmasq })
    }

    /// Keyed on (`network_uuid`, `node_uuid`), a mesh op folds only mesh ops for its own node:
    /// nothing is lost.
    @Test func keyingEnsureMeshOnNetworkAndNodeLosesNothing() {
        let result = Self.sixStarts([
            CoalescingRule(type: .netOp, tasks: [.updateDnsmasq, .createNetworkNode], key: [.networkUUID]),
            CoalescingRule(type: .netOp, tasks: [.ensureMesh], key: [.networkUUID, .nodeUUID]),
        ])
        #expect(result.counts.folded > 0)
        #expect(result.effectViolations.isEmpty)
    }

    /// A survivor that errors after folding its sibling (its task fails, no retry left): the
    /// sibling was completed but its change never made.
    @Test func aSurvivorThatErrorsAfterFoldingLosesItsSiblingsWork() throws {
        var config = ModelConfig.exact(.facade, tasks: [FixedTask(.updateDnsmasq, seconds: 1, failureProbability: 1)])
        config.steps = [.batchedDequeue, .workerFold]
        config.retryDelays = []
        let lane = QueueName(.networkNode, .clusterOperation, .userFacingHighIO)
        let bench = Bench(config: config)
        bench.startNet(.n1)
        bench.run { driver in
            try await driver.sleep(until: 0.1)
            let survivor = await driver.create([.updateDnsmasq], on: lane, network: Self.network)
            await driver.create([.updateDnsmasq], on: lane, network: Self.network)
            try await driver.awaitTerminal(survivor, deadline: 10)
            try await driver.sleep(until: 2)
        }
        let (survivor, sibling) = (try bench.createdOp(0), try bench.createdOp(1))
        #expect(bench.terminalState(survivor) == "error")
        #expect(bench.terminalState(sibling) == "complete")
        #expect(bench.context.recorder.effectViolations == [EffectViolation(
            kind: .folded, victim: sibling.description, task: .updateDnsmasq, effect: "network \(Self.network)",
            survivor: survivor, reason: "no execution made the change after it was requested")])
    }

    /// The same two ops with a task that succeeds: no violation (the check is not trigger-happy).
    @Test func aSurvivorThatRunsItsTaskLosesNothing() throws {
        var config = ModelConfig.exact(.facade, tasks: [FixedTask(.updateDnsmasq, seconds: 1)])
        config.steps = [.batchedDequeue, .workerFold]
        let lane = QueueName(.networkNode, .clusterOperation, .userFacingHighIO)
        let bench = Bench(config: config)
        bench.startNet(.n1)
        bench.run { driver in
            try await driver.sleep(until: 0.1)
            let survivor = await driver.create([.updateDnsmasq], on: lane, network: Self.network)
            await driver.create([.updateDnsmasq], on: lane, network: Self.network)
            try await driver.awaitTerminal(survivor, deadline: 10)
        }
        #expect(bench.counts.folded == 1)
        #expect(bench.context.recorder.effectViolations.isEmpty)
    }
}
