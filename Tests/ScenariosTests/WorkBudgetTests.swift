import Model
import Scenarios
import Sim
import Testing

private func scenario(_ yaml: String) throws -> Scenario {
    try ScenarioParser.load(text: yaml, file: "s.yaml")
}

private func cost(_ yaml: String) throws -> RunCost {
    let loaded = try scenario(yaml)
    return RunCost(of: loaded, config: loaded.config(for: loaded.variants[0]))
}

private func refusal(_ yaml: String, replications: Int = 1, maxOps: Double = WorkBudget.defaultMaxOps) -> String? {
    do {
        let loaded = try scenario(yaml)
        try WorkBudget(maxOps: maxOps).check(loaded, variants: loaded.variants, replications: replications)
        return nil
    } catch {
        return String(describing: error)
    }
}

private func source(_ arrivals: String, _ limits: String) -> String {
    """
    overrides:
      tasks:
        customer: {service: 1s}
    sources:
      - name: s
        op: {type: node_inst_op, tasks: [customer], priority: user_facing, queue: any}
        arrivals: \(arrivals)
        \(limits)
    """
}

/// The estimate of a run's work before it starts, and the budget that refuses what a
/// 2-core, 8 GB machine cannot finish.
@Suite struct WorkBudgetTests {
    /// Six instance starts on one network of a 3-node cluster: each enqueues one mesh op per
    /// participating node (at most the three), one dnsmasq op and its start op: 6 x 5 = 30
    /// (the facade run creates 29: node-1 is both network node and a participant).
    @Test func instanceStartsCountTheirOps() throws {
        let estimate = try cost("""
            networks: [net-a]
            workload:
              - at: 0s
                repeat: {count: 6}
                instance_start: {name: "w-{i}", node: [node-2, node-3], interfaces: [net-a]}
            """)
        #expect(estimate.ops == 30)
        #expect(estimate.parts.first?.location == SourceLocation(line: 3, keyPath: "workload[0]"))
    }

    /// A source stops at its count, its `until` or the time limit, whichever comes first.
    @Test func sourcesArriveUntilTheFirstOfCountUntilAndTheTimeLimit() throws {
        #expect(try cost(source("{every: 1s}", "count: 10\n    until: 1h")).ops == 10)
        #expect(try cost(source("{every: 1s}", "until: 100s")).ops == 100)
        #expect(try cost("time_limit: 50s\n" + source("{poisson: 2/s}", "until: 1h")).ops == 100)
        #expect(try cost(source("{distribution: 0s}", "until: 1h")).ops == .infinity)
    }

    /// Every variant and replication is a run of its own: 25,000 ops a run, two variants,
    /// two replications fit a budget of 100,000 ops; three do not.
    @Test func variantsAndReplicationsMultiply() throws {
        let yaml = source("{every: 1ms}", "count: 25000") + "\nvariants: {a: {}, b: {}}\n"
        #expect(refusal(yaml, replications: 2, maxOps: 100_000) == nil)
        let refused = try #require(refusal(yaml, replications: 3, maxOps: 100_000))
        #expect(refused.hasPrefix("s.yaml:5: sources[0]: this would create about 150000 ops"))
        #expect(refused.contains("(2 variants x 3 replications)"))
    }

    /// A loop whose period is zero does not move the clock: the kernel's per-instant guard
    /// stops it, so the estimate leaves it out instead of calling it infinite.
    @Test func aZeroPeriodDeferIsLeftToTheKernel() throws {
        let estimate = try cost("""
            ideal: true
            networks: [net-a]
            overrides:
              sf_queues: {defer: {flat: 0s}}
            workload:
              - at: 0s
                instance_start: {name: web, node: node-2, interfaces: [net-a]}
            """)
        #expect(!estimate.parts.contains { $0.what == "dependency defers" })
        #expect(estimate.wakeups.isFinite)
    }

    /// A million repetitions (the schema's maximum) are read in one pass over the file:
    /// 5,000,000 ops, which the default budget then refuses with the estimate.
    @Test func theLargestRepeatIsReadAndThenRefusedByTheBudget() throws {
        let yaml = """
            networks: [net-a]
            workload:
              - at: 0s
                repeat: {count: 1000000}
                instance_start: {name: "w-{i}", node: node-2, interfaces: [net-a]}
            """
        #expect(try scenario(yaml).workload.events.count == 1_000_000)
        #expect(refusal(yaml) == "s.yaml:3: workload[0]: this would create about 5.0e6 ops and wake the model's "
            + "loops about 6.4e7 times (1 variant x 1 replication); the budget is 4.0e6 ops and 2.0e7 wake-ups "
            + "(--max-ops raises both); the largest part: this event, about 5.0e6 ops per run")
    }

    /// The shipped scenarios fit the default budget with their baselines' replications.
    @Test(arguments: ["ci-functional", "node-restart", "six-instance-starts", "mmc"])
    func shippedScenariosFitTheDefaultBudget(_ name: String) throws {
        let loaded = try ScenarioParser.load(path: CLI.packageRoot.appendingPathComponent("scenarios/\(name).yaml").path)
        try WorkBudget().check(loaded, variants: loaded.variants, replications: 10)
    }
}
