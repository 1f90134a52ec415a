import Model
import Scenarios
import Sim
import Testing

/// Parses `yaml` as a whole scenario file named `s.yaml`; returns the one-line error or nil.
private func scenarioError(_ yaml: String) -> String? {
    do {
        _ = try ScenarioParser.load(text: yaml, file: "s.yaml")
        return nil
    } catch {
        return error.description
    }
}

private let minimal = """
    networks: [net-a]
    workload:
      - at: 0s
        instance_start: {node: node-2, interfaces: [net-a]}

    """

@Test func minimalScenarioTakesDocumentedDefaults() throws {
    let scenario = try ScenarioParser.load(text: minimal, file: "dir/minimal.yaml")
    #expect(scenario.name == "minimal")
    #expect(scenario.seed == 1)
    #expect(scenario.timeLimit == .seconds(3600))
    #expect(scenario.topology.nodes.count == 3)
    #expect(scenario.topology.networkNode == NodeID(index: 0))
    #expect(scenario.variants.map(\.name) == ["facade"])
    #expect(scenario.workload.events.count == 1)
}

@Test func repeatExpandsNamesAndCyclesNodes() throws {
    let scenario = try ScenarioParser.load(text: """
        networks: [net-a]
        workload:
          - at: 1s
            repeat: {count: 3, every: 2s}
            instance_start: {name: "web-{i}", node: [node-2, node-3], interfaces: [net-a]}
          - at: 10s
            repeat: {count: 2}
            instance_start: {name: db, node: node-1, interfaces: [net-a]}
        """, file: "s.yaml")
    let starts = scenario.workload.events.compactMap { event -> (Duration, String, Int)? in
        guard case .instanceStart(let instance, let node, _, _) = event.action else { return nil }
        return (event.at, instance.name, node.index)
    }
    #expect(starts.map(\.0) == [.seconds(1), .seconds(3), .seconds(5), .seconds(10), .seconds(10)])
    #expect(starts.map(\.1) == ["web-1", "web-2", "web-3", "db-1", "db-2"])
    #expect(starts.map(\.2) == [1, 2, 1, 0, 0])
}

@Test func variantSettingsApplyAfterScenarioSettings() throws {
    let scenario = try ScenarioParser.load(text: """
        era: plan
        overrides:
          sf_net: {batch_size: 4}
          waiters: {api_async_wait: 20s}
        variants:
          base: {}
          small:
            overrides:
              sf_net: {batch_size: 2}
          old:
            era: facade
            ideal: true
        """, file: "s.yaml")
    let base = try #require(scenario.variant(named: "base"))
    let small = try #require(scenario.variant(named: "small"))
    let old = try #require(scenario.variant(named: "old"))
    #expect(scenario.config(for: base).netBatchSize == 4)
    #expect(scenario.config(for: base).netDequeue == .batched)
    #expect(scenario.config(for: base).apiAsyncWait == .seconds(20))
    #expect(scenario.config(for: small).netBatchSize == 2)
    // Ideal mode sets one item per sf-net claim; the scenario's override comes after it.
    #expect(scenario.config(for: old).netDequeue == .singular)
    #expect(scenario.config(for: old).roundTrip == .zero)
    #expect(scenario.config(for: old).netBatchSize == 4)
}

@Test func taskOverridesDefineNewTasksAndChangeDefaults() throws {
    let scenario = try ScenarioParser.load(text: """
        overrides:
          tasks:
            blob_fetch: {service: {exponential: 6s}, disk: 400}
            network_apply_update_dnsmasq: {failure_probability: 0.5}
        sources:
          - name: blobs
            op: {type: node_blob_op, tasks: [blob_fetch], priority: background_high_io, queue: any}
            arrivals: {every: 10s}
            count: 3
        """, file: "s.yaml")
    let config = scenario.config(for: scenario.variants[0])
    #expect(config.tasks["blob_fetch"] == TaskProfile(service: .exponential(mean: .seconds(6)),
                                                      diskMillisecondsPerSecond: 400))
    #expect(config.tasks[.updateDnsmasq]?.failureProbability == 0.5)
    #expect(config.tasks[.updateDnsmasq]?.service == DefaultTaskProfiles.all[.updateDnsmasq]?.service)
    #expect(scenario.workload.sources.first?.arrivals == .fixed(.seconds(10)))
}

// MARK: One test per class of mistake, asserting the whole one-line message.

@Test func unknownTopLevelKeyIsNamedWithSuggestion() {
    #expect(scenarioError("seed: 1\ntme_limit: 10m\n")
        == "s.yaml:2: unknown key \"tme_limit\" (expected one of: name, description, parameters, seed, time_limit, era, ideal, "
        + "steps, follow_up, coalescing, coalescing_sql, cluster, database, overrides, networks, instances, workload, sources, "
        + "variants, default_variants, fairness, figures); "
        + "did you mean \"time_limit\"?")
}

@Test func unknownNestedKeyNamesItsPath() {
    #expect(scenarioError("overrides:\n  sf_net: {batch: 3}\n")
        == "s.yaml:2: overrides.sf_net: unknown key \"batch\" (expected one of: batch_size, dequeue, singular_dequeue, defer, workers, worker_queue_capacity)")
}

@Test func wrongTypeSaysWhatWasFound() {
    #expect(scenarioError("seed: [1, 2]\n") == "s.yaml:1: seed: expected an integer from 0 to 18446744073709551615, got a list")
}

@Test func durationWithoutUnitIsRejected() {
    #expect(scenarioError("time_limit: 600\n")
        == "s.yaml:1: time_limit: expected a duration with a unit (e.g. 0.2s, 150ms, 15m), got \"600\"")
}

@Test func negativeDurationIsRejected() {
    #expect(scenarioError("workload:\n  - at: -1s\n    node_stop: {node: node-1}\n")
        == "s.yaml:2: workload[0].at: must not be negative, got \"-1s\"")
}

/// Empty names and an empty list of default variants would run with nothing to tell apart,
/// or nothing at all: refused where they are written.
@Test func emptyNamesAndNoDefaultVariantsAreRejected() {
    #expect(scenarioError("networks: [\"\", net-a]\n") == "s.yaml:1: networks[0]: expected a name, got \"\"")
    #expect(scenarioError("networks: [net-a]\ninstances: [{name: '', node: node-2, interfaces: [net-a]}]\n")
        == "s.yaml:2: instances[0].name: expected a name, got \"\"")
    #expect(scenarioError("variants: {a: {}}\ndefault_variants: []\n")
        == "s.yaml:2: default_variants: expected at least one variant, got an empty list")
}

@Test func zeroTimeLimitIsRejected() {
    #expect(scenarioError("time_limit: 0s\n")
        == "s.yaml:1: time_limit: expected a duration greater than zero, got \"0s\"")
}

@Test func impossibleClusterIsRejected() {
    #expect(scenarioError("cluster: {nodes: 0}\n") == "s.yaml:1: cluster.nodes: expected an integer from 1 to 1000, got \"0\"")
    #expect(scenarioError("cluster: {nodes: 2, network_node: node-3}\n")
        == "s.yaml:1: cluster.network_node: expected a node name node-1 ... node-2, got \"node-3\"")
    #expect(scenarioError("cluster: {nodes: 2, cpus: [4]}\n")
        == "s.yaml:1: cluster.cpus: expected 2 CPU counts (one per node), got 1")
}

@Test func unknownNetworkIsRejected() {
    #expect(scenarioError("networks: [net-a]\nworkload:\n  - at: 0s\n    instance_start: {node: node-2, interfaces: [net-b]}\n")
        == "s.yaml:4: workload[0].instance_start.interfaces[0]: unknown network \"net-b\" (declared: net-a; "
        + "list it under networks or create it)")
}

@Test func unknownInstanceIsRejected() {
    #expect(scenarioError("workload:\n  - at: 0s\n    instance_delete: {name: ghost}\n")
        == "s.yaml:3: workload[0].instance_delete.name: no instance \"ghost\" is declared or started in this workload")
}

@Test func unknownTaskIsRejected() {
    #expect(scenarioError("""
        sources:
          - name: s
            op: {type: net_op, tasks: [frobnicate], priority: user_facing, queue: any}
            arrivals: {every: 1s}
            count: 1
        """) == "s.yaml:3: sources[0].op.tasks[0]: unknown task \"frobnicate\"; define it under overrides.tasks "
        + "with a service distribution")
}

@Test func endlessSourceIsRejected() {
    #expect(scenarioError("""
        sources:
          - name: s
            op: {type: net_op, tasks: [network_ensure_mesh], priority: user_facing, queue: node-1, family: network}
            arrivals: {poisson: 2/s}
        """) == "s.yaml:2: sources[0]: a source needs \"count\" or \"until\" (or both), or it never ends")
}

@Test func eventWithTwoActionsIsRejected() {
    #expect(scenarioError("workload:\n  - at: 0s\n    node_stop: {node: node-1}\n    node_start: {node: node-1}\n")
        == "s.yaml:2: workload[0]: expected exactly one of: instance_start, instance_delete, network_create, "
        + "network_delete, floating_ip_add, floating_ip_remove, node_stop, node_start, op; got node_stop, node_start")
}

@Test func badEraSuggestsNearest() {
    #expect(scenarioError("era: facde\n")
        == "s.yaml:1: era: expected one of: inline, facade, plan, later; got \"facde\"; did you mean \"facade\"?")
}

// MARK: Every number overridable; parameters

@Test func theClaimCapCircuitBreakerAndExponentClampAreOverridable() throws {
    let scenario = try ScenarioParser.load(text: """
        database: {claim_cap: 8}
        overrides:
          maintain: {error_streak: 3}
          sf_net: {dequeue: batched, singular_dequeue: thread_per_queue,
                   defer: {ladder: {first: 100ms, cap: 1h, max_doublings: 3}}}
          sf_queues: {dequeue: singular, singular_dequeue: restart}
          hard_delete: {after: 10s, interval: 0s}
          events: {step1: folded, kinds: {created: 0s}}
        """, file: "s.yaml")
    let config = scenario.config(for: try #require(scenario.variants.first))
    #expect(config.claimCap == 8)
    #expect(config.maintainErrorStreak == 3)
    #expect(config.netDefer.delay(afterDefers: 10) == .milliseconds(800))
    #expect(config.netDequeue == .batched && config.queuesDequeue == .singular)
    #expect(config.netSingularDequeue == .threadPerQueue && config.queuesSingularDequeue == .restart)
    #expect(config.hardDeleteAfter == .seconds(10) && config.hardDeleteInterval == .zero)
    #expect(config.startedEvent == .foldedIntoExecutionDuration && config.events.overrides[.created] == .zero)
}

@Test func sfQueuesHasNoDrainerThreadPerQueue() {
    #expect(scenarioError("overrides:\n  sf_queues: {singular_dequeue: thread_per_queue}\n")
        == "s.yaml:2: overrides.sf_queues.singular_dequeue: expected one of: round, restart; got \"thread_per_queue\"")
}

@Test func aHandlerEnqueueingAnUnknownTaskSuggestsTheNearestOne() {
    #expect(scenarioError("""
        overrides:
          tasks:
            parent: {service: 1s, enqueues: [{type: net_op, task: network_ensure_mash, priority: user_facing,
                                              queue: this_node, family: network}]}
        """)?.hasSuffix("unknown task \"network_ensure_mash\" (did you mean \"network_ensure_mesh\"?); "
                        + "define it under overrides.tasks with a service distribution") == true)
}

@Test func aNamedCoalescingSetAndInertSQLAreSwitches() throws {
    let scenario = try ScenarioParser.load(text: """
        era: plan
        variants:
          deployed: {coalescing_sql: inert}
          phase8: {coalescing: phase8}
        """, file: "s.yaml")
    let deployed = scenario.config(for: try #require(scenario.variant(named: "deployed")))
    #expect(deployed.coalescingSQL == .inert && deployed.coalescing == .plan)
    #expect(scenario.config(for: try #require(scenario.variant(named: "phase8"))).coalescing == .phase8)
}

@Test func parametersAreSubstitutedWholeOrInsideAString() throws {
    let scenario = try ScenarioParser.load(text: """
        parameters: {pace: 12s, count: 3, prefix: web}
        networks: [net-a]
        workload:
          - at: 0s
            repeat: {count: "${count}", every: "${pace}"}
            instance_start: {name: "${prefix}-{i}", node: node-2, interfaces: [net-a]}
        """, file: "s.yaml")
    #expect(scenario.workload.events.map(\.at) == [.zero, .seconds(12), .seconds(24)])
    #expect(scenario.workload.events.map(\.label) == ["workload[0]#1", "workload[0]#2", "workload[0]#3"])
}

/// A parameter nothing uses is a misspelling or a leftover: an error at its key, with the
/// nearest used name.
@Test func aParameterNothingUsesIsAnError() {
    #expect(scenarioError("parameters: {pace: 12s, paec: 10s}\ntime_limit: \"${pace}\"\n")
        == "s.yaml:1: parameters.paec: no ${paec} in the file uses this parameter; did you mean \"pace\"?")
}

@Test func anUnknownParameterIsAnErrorAtTheKeyThatUsesIt() {
    #expect(scenarioError("parameters: {pace: 12s}\ntime_limit: \"${paec}\"\n")
        == "s.yaml:2: time_limit: unknown parameter \"paec\" (declared: pace; declare it under parameters)")
}
