@testable import Model
import Sim
import Testing

/// What coalesces is data (model file, section 9: step 3's metadata and the follow-up): rules
/// per op type, each with its tasks and its key columns, read by steps 4 and 5.
@Suite struct CoalescingRuleTests {
    static let netA = NetworkID("net-a")
    static let netB = NetworkID("net-b")

    // MARK: The table

    /// `hasRule(for:task:)` (a table by type, task and queue scope) answers what
    /// `rule(for:task:)` finds, for every op type, every task some rule or profile names and
    /// every queue of the `any`, network-node and two nodes' targets, in each era with each
    /// named coalescing set (`phase8` and `phase11` limit rules to queue scopes) and with and
    /// without the follow-up.
    @Test func hasRuleAgreesWithTheRules() {
        var checked = 0, covered = 0
        for era in Era.allCases {
            for followUp in [false, true] {
                for set in CoalescingSet.named {
                    var config = ModelConfig.preset(era)
                    config.followUp = followUp
                    config.coalescing = set
                    let table = CoalescingTable(config)
                    var tasks = Set(config.tasks.keys)
                    for type in OperationType.allCases {
                        for rule in config.coalescingRules(for: type) { tasks.formUnion(rule.tasks) }
                    }
                    tasks.insert(TaskName("a task no rule names"))
                    let targets: [QueueTarget] = [.any, .networkNode, .node(NodeID(index: 0)), .node(NodeID(index: 2))]
                    let queues = targets.flatMap { target in
                        [QueueFamily.network, .clusterOperation].flatMap { family in
                            Priority.allCases.map { QueueName(target, family, $0) }
                        }
                    }
                    for type in OperationType.allCases {
                        for task in tasks.sorted() {
                            for queue in queues {
                                let spec = OpSpec(type: type, tasks: [task], priority: queue.priority, queue: queue,
                                                  randomKey: 0)
                                let expected = table.rule(for: spec, task: task) != nil
                                #expect(table.hasRule(for: spec, task: task) == expected,
                                        "\(era) followUp \(followUp) \(set.name): \(type) \(task) \(queue)")
                                checked += 1
                                if expected { covered += 1 }
                            }
                        }
                    }
                }
            }
        }
        // Both answers, many times each (a table that always said no would fail here).
        #expect(covered > 100 && checked - covered > 100, "\(covered) of \(checked) covered")
    }

    // MARK: The follow-up

    /// sf-queues on node-1 and node-2, zero round trips, polls every 0.2 s. A
    /// `create_hypervisor` op for (node-1, net-a) is created at 0.1 and runs from 0.2; its fold
    /// (5 ms) comes after two more ops are created at 0.2025: one for (node-1, net-a), one for
    /// (node-2, net-a). With the follow-up the first is folded and the second still runs on
    /// node-2; without it both run.
    @Test(arguments: [false, true])
    func followUpFoldsCreateHypervisorOnTheSameNodeAndNetworkOnly(followUp: Bool) throws {
        var config = ModelConfig.exact(.facade, tasks: [FixedTask(.createHypervisor, seconds: 1)])
        config.steps = [.batchedDequeue, .workerFold]
        config.followUp = followUp
        config.foldCost = .constant(.milliseconds(5))
        let bench = Bench(config: config, nodes: 2)
        bench.startQueues(.n1)
        bench.startQueues(.n2)
        bench.run { driver in
            func create(on node: NodeID) async -> OpID {
                await driver.create([.createHypervisor], on: QueueName(.node(node), .clusterOperation, .userFacing),
                                    type: .nodeNetOp, network: Self.netA, node: node)
            }
            try await driver.sleep(until: 0.1)
            let survivor = await create(on: .n1)
            try await driver.sleep(until: 0.2025)
            let sameNode = await create(on: .n1)
            let otherNode = await create(on: .n2)
            for op in [survivor, sameNode, otherNode] { try await driver.awaitTerminal(op, deadline: 10) }
            try await driver.sleep(until: 3)
        }
        let ops = bench.createdOps
        try #require(ops.count == 3)
        #expect(same(bench.times(ops[0], .started), [0.2]))
        #expect(bench.events(ops[1], .folded).map(\.detail) == (followUp ? ["coalesced into sibling op \(ops[0])"] : []))
        #expect(bench.events(ops[1], .started).count == (followUp ? 0 : 1))
        #expect(bench.events(ops[1], .skipped).count == (followUp ? 1 : 0))
        #expect(bench.events(ops[2], .folded).isEmpty)
        #expect(bench.events(ops[2], .started).map(\.by) == ["node-2/sf-queues"])
        #expect(bench.counts.folded == (followUp ? 1 : 0))
        #expect(bench.context.recorder.effectViolations.isEmpty)
    }

    @Test func followUpAddsItsRuleUnlessTheSetAlreadyCoalescesCreateHypervisor() {
        var config = ModelConfig.preset(.plan)
        #expect(config.coalescingRules(for: .nodeNetOp).isEmpty)
        config.followUp = true
        #expect(config.coalescingRules(for: .nodeNetOp) == [CoalescingRule.followUp])
        #expect(CoalescingRule.followUp.key == [.nodeUUID, .networkUUID])
        let own = CoalescingRule(type: .nodeNetOp, tasks: [.createHypervisor], key: [.networkUUID])
        config.coalescing.rules.append(own)
        #expect(config.coalescingRules(for: .nodeNetOp) == [own])
    }

    // MARK: Rules replace the plan's set; several rules per type

    /// sf-net on node-1 only (the network node); siblings parked on node-3's lane (not
    /// drained). The survivor is the hot-plug shape, `[create_network_node, ensure_mesh]` for
    /// (net-a, node-1). Rules: create_network_node and update_dnsmasq on `network_uuid`,
    /// ensure_mesh on (`network_uuid`, `node_uuid`). One fold transaction per rule, each for
    /// the survivor's own tasks under that rule: the first takes the create_network_node
    /// sibling on net-a (whatever its node), the second the mesh sibling for (net-a, node-1)
    /// but not the one for (net-a, node-2); the update_dnsmasq sibling is not the survivor's task.
    @Test func severalRulesForOneOpTypeEachFoldOnItsOwnKey() throws {
        var config = ModelConfig.exact(.facade, tasks: [FixedTask(.createNetworkNode, seconds: 1),
                                                        FixedTask(.ensureMesh, seconds: 1)])
        config.steps = [.batchedDequeue, .workerFold]
        config.foldCost = .constant(.milliseconds(5))
        config.coalescing = .custom([
            CoalescingRule(type: .netOp, tasks: [.createNetworkNode, .updateDnsmasq], key: [.networkUUID]),
            CoalescingRule(type: .netOp, tasks: [.ensureMesh], key: [.networkUUID, .nodeUUID]),
        ])
        let parked = QueueName(.node(.n3), .network, .userFacing)
        let bench = Bench(config: config, nodes: 3)
        bench.startNet(.n1)
        bench.run { driver in
            try await driver.sleep(until: 0.1)
            await driver.create([.createNetworkNode], on: parked, network: Self.netA, node: .n2)
            await driver.create([.ensureMesh], on: parked, network: Self.netA, node: .n1)
            await driver.create([.ensureMesh], on: parked, network: Self.netA, node: .n2)
            await driver.create([.updateDnsmasq], on: parked, network: Self.netA, node: .n1)
            let survivor = await driver.create([.createNetworkNode, .ensureMesh],
                                               on: QueueName(.networkNode, .clusterOperation, .userFacing),
                                               network: Self.netA, node: .n1)
            try await driver.awaitTerminal(survivor, deadline: 10)
        }
        let ops = bench.createdOps
        try #require(ops.count == 5)
        #expect(ops.prefix(4).map { bench.terminalState($0) ?? "pending" } == ["complete", "complete", "pending", "pending"])
        #expect(same(bench.times(ops[0], .folded), [0.205]))
        #expect(same(bench.times(ops[1], .folded), [0.21]))
        // Two fold transactions of 5 ms, then 2 s of tasks.
        #expect(same(bench.times(ops[4], .terminal), [2.21]))
    }

    /// The plan's set keys `ensure_mesh` on `network_uuid` alone; a rule list without
    /// `ensure_mesh` folds no mesh op; one that keys it on (`network_uuid`, `node_uuid`) folds
    /// only mesh ops for the same node. Six instance starts on net-1 over three nodes, all steps.
    @Test func aCoalescingListReplacesThePlansSet() {
        func foldedMesh(_ coalescing: [CoalescingRule]) -> (mesh: Int, dnsmasq: Int) {
            var config = ModelConfig.preset(.plan)
            config.coalescing = .custom(coalescing)
            let result = Cluster.run(config, nodes: 3, workload: SeedScenarioTests.sixInstanceStarts(), seed: 7)
            #expect(result.ending == .completed)
            // Six starts enqueue their dnsmasq ops a few round trips apart, so step 5 dedups most
            // of them before step 4 could fold them: count both.
            return (result.events(.folded, task: .ensureMesh).count,
                    result.events(.folded, task: .updateDnsmasq).count
                        + result.events(.deduplicated, task: .updateDnsmasq).count)
        }
        let plan = foldedMesh(CoalescingSet.plan.rules)
        #expect(plan.mesh > 0 && plan.dnsmasq > 0)
        let noMesh = foldedMesh([CoalescingRule(type: .netOp, tasks: [.updateDnsmasq], key: [.networkUUID])])
        #expect(noMesh.mesh == 0 && noMesh.dnsmasq > 0)
        let nothing = foldedMesh([])
        #expect(nothing.mesh == 0 && nothing.dnsmasq == 0)
    }
}
