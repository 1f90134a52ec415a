import Foundation
import Model
@testable import Scenarios
import Sim
import Testing

/// The plan's steps through scenario files and the runner (model file, section 9): the seed's
/// six-instance-starts case, step 3's "no behaviour change" on shipped scenarios, coalescing
/// rules written in a scenario, and common random numbers across variants.
@Suite struct PlanStepScenarioTests {
    static func shipped(_ name: String) throws -> Scenario {
        try ScenarioParser.load(path: CLI.packageRoot.appendingPathComponent("scenarios/\(name)").path)
    }

    static func variant(_ name: String, _ steps: Set<PlanStep>) -> Variant {
        Variant(name: name, description: nil, settings: ModelSettings(steps: steps))
    }

    static let dnsmasq = TaskName.updateDnsmasq.name

    /// Six starts on one network (era `facade` plus the steps): six update_dnsmasq executions
    /// without coalescing; fewer with step 4, step 5, or both; and with all steps the task's
    /// p99 wait is below the baseline's.
    @Test func stepsFourAndFiveCutTheSixDnsmasqExecutionsAndAllStepsCutTheTail() throws {
        let scenario = try Self.shipped("six-instance-starts.yaml")
        let report = ScenarioRunner.run(scenario, chosen: [
            Self.variant("baseline", []), Self.variant("step-4", [.workerFold]),
            Self.variant("step-5", [.enqueueDedup]), Self.variant("steps-4-5", [.workerFold, .enqueueDedup]),
            Self.variant("all-steps", Set(PlanStep.allCases)),
        ], measureWallTime: false)
        #expect(report.isWhole)
        let waits = report.runs.map { $0.result.wait.byTask[Self.dnsmasq] }
        let executions = waits.map { $0?.count ?? 0 }
        #expect(executions[0] == 6)
        for (run, count) in zip(report.runs.dropFirst(), executions.dropFirst()) {
            #expect(count >= 1 && count < 6, "\(run.variant): \(count) update_dnsmasq executions")
        }
        let baseline = try #require(waits[0]).summary.p99
        let allSteps = try #require(waits[4]).summary.p99
        #expect(allSteps < baseline, "p99 \(allSteps) s with all steps vs \(baseline) s")
    }

    /// For every variant of the shipped scenarios that exercise coalescing (ci-functional: its
    /// `plan` variant only, to keep the test short), the variant with step 3 and the same
    /// variant without it give byte-identical JSON, table and trace.
    @Test(arguments: [("six-instance-starts.yaml", nil), ("node-restart.yaml", nil), ("ci-functional.yaml", "plan")])
    func stepThreeLeavesShippedScenarioReportsByteIdentical(file: String, only: String?) throws {
        let scenario = try Self.shipped(file)
        for named in scenario.variants where only == nil || named.name == only {
            let steps = scenario.config(for: named).steps
            var with = named
            with.settings.steps = steps.union([.coalescingMetadata])
            var without = named
            without.settings.steps = steps.subtracting([.coalescingMetadata])
            let first = ScenarioRunner.run(scenario, chosen: [with], measureWallTime: false, tracing: true)
            let second = ScenarioRunner.run(scenario, chosen: [without], measureWallTime: false, tracing: true)
            #expect(first.isWhole)
            #expect(first.json.rendered() == second.json.rendered(), "\(file) variant \(named.name)")
            #expect(first.table == second.table)
            #expect(first.traceLines == second.traceLines)
        }
    }

    /// `coalescing:` in a scenario replaces the plan's set: without `network_ensure_mesh` in
    /// it, no mesh op folds while update_dnsmasq still coalesces (folded by step 4 or
    /// deduplicated by step 5); a variant may list several rules for one op type, each on its
    /// own key.
    @Test func aScenarioCoalescingListReplacesThePlansSet() throws {
        let scenario = try ScenarioParser.load(text: """
            seed: 42
            era: plan
            cluster: {nodes: 3, network_node: node-1, cpus: 16}
            networks: [net-a]
            coalescing:
              - {type: net_op, tasks: [network_apply_update_dnsmasq], key: [network_uuid]}
            workload:
              - at: 0s
                repeat: {count: 6, every: 0s}
                instance_start: {name: "web-{i}", node: [node-2, node-3], interfaces: [net-a]}
            variants:
              no-mesh: {}
              plan-set:
                coalescing:
                  - {type: net_op, tasks: [network_apply_update_dnsmasq, network_ensure_mesh, network_apply_create_network_node], key: [network_uuid]}
              mesh-per-node:
                coalescing:
                  - {type: net_op, tasks: [network_apply_update_dnsmasq], key: [network_uuid]}
                  - {type: net_op, tasks: [network_ensure_mesh], key: [network_uuid, node_uuid]}
            """, file: "coalescing.yaml")
        let noMesh = try #require(scenario.variant(named: "no-mesh"))
        #expect(scenario.config(for: noMesh).coalescing.rules
                == [CoalescingRule(type: .netOp, tasks: [.updateDnsmasq], key: [.networkUUID])])
        let perNode = try #require(scenario.variant(named: "mesh-per-node"))
        #expect(scenario.config(for: perNode).coalescingRules(for: .netOp).map(\.key)
                == [[.networkUUID], [.networkUUID, .nodeUUID]])
        let report = try ScenarioRunner.run(scenario, variants: ["no-mesh", "plan-set", "mesh-per-node"],
                                            measureWallTime: false, tracing: true)
        #expect(report.isWhole)
        func folded(_ run: ReplicatedVariant, _ task: TaskName) -> Int {
            run.result.trace.filter { ($0.kind == .folded || $0.kind == .deduplicated) && $0.task == task.name }.count
        }
        let (none, plan, node) = (report.runs[0], report.runs[1], report.runs[2])
        #expect(folded(none, .ensureMesh) == 0 && folded(none, .updateDnsmasq) > 0)
        #expect(folded(plan, .ensureMesh) > 0)
        #expect(!plan.result.effectViolations.isEmpty)
        #expect(folded(node, .updateDnsmasq) > 0)
        #expect(node.result.effectViolations.isEmpty)
    }

    /// Common random numbers: every variant of the steps matrix replays the same service
    /// times. With round trips and the event write at zero, an instance start op's
    /// `finished - started` is exactly its service time; the six values (distinct, drawn from
    /// the default lognormal) are the same in every variant, and another seed changes them.
    @Test func everyVariantOfTheMatrixReplaysTheSameServiceTimes() throws {
        let scenario = try ScenarioParser.load(text: """
            seed: 11
            cluster: {nodes: 3, network_node: node-1, cpus: 16}
            database: {round_trip: 0s}
            overrides:
              costs: {started_event: 0s}
            networks: [net-a]
            workload:
              - at: 0s
                repeat: {count: 6, every: 0s}
                instance_start: {name: "web-{i}", node: [node-2, node-3], interfaces: [net-a, net-a]}
            """, file: "crn.yaml")
        func services(_ run: ReplicatedVariant) -> [Double] {
            let trace = run.result.trace.filter { $0.task == TaskName.instanceStart.name }
            return Set(trace.map(\.op)).compactMap { op -> Double? in
                guard let started = trace.first(where: { $0.op == op && $0.kind == .started }),
                      let finished = trace.first(where: { $0.op == op && $0.kind == .finished }) else { return nil }
                return (finished.time - started.time).seconds
            }.sorted()
        }
        let report = ScenarioRunner.run(scenario, chosen: StepsMatrix.variants(), measureWallTime: false, tracing: true)
        #expect(report.isWhole)
        let baseline = services(report.runs[0])
        #expect(baseline.count == 6 && Set(baseline).count == 6, "\(baseline)")
        for run in report.runs.dropFirst() {
            #expect(services(run) == baseline, "\(run.variant)")
        }
        // The matrix does change the runs: coalescing folds ops, so op counts differ.
        #expect(report.runs.map(\.result.counts.executed).max() != report.runs.map(\.result.counts.executed).min())
        let other = ScenarioRunner.run(scenario, chosen: [StepsMatrix.variants()[0]], seed: 12,
                                       measureWallTime: false, tracing: true)
        #expect(services(other.runs[0]) != baseline)
    }
}
