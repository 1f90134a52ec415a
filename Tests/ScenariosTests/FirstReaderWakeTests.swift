import Foundation
import Model
import Scenarios
import Sim
import Testing

/// An insert wakes only the daemon whose read sees the row first (`IdlePlan`), not every
/// daemon that claims from its queue (``RunOptions/wakesEveryPoller``): the same report,
/// trace and round trips, with fewer kernel jobs where many daemons share a queue.
@Suite struct FirstReaderWake {
    typealias Same = NaivePollingEquivalence

    @Test(arguments: Same.shipped)
    func wakingTheFirstReaderGivesTheSameBytesAsWakingEveryPoller(path: String) throws {
        var scenario = try ScenarioParser.load(path: path)
        scenario.timeLimit = min(scenario.timeLimit, Same.cut)
        let everyPoller = try ScenarioRunner.run(scenario, measureWallTime: false, tracing: true, wakesEveryPoller: true)
        let firstReader = try ScenarioRunner.run(scenario, measureWallTime: false, tracing: true)
        Same.expectSameOutput(firstReader, everyPoller, strictlyFewerJobs: false)
    }

    /// Twelve nodes' sf-queues all claim from the `any` queues, the case the first reader is
    /// for: user-facing work and high-I/O blob fetches (whose disk load changes the pools'
    /// requests, so daemons stop in the middle of a plan), and a node stopped and restarted
    /// (a daemon cancelled with its plan published). Checked against waking every poller and
    /// against polling tick by tick, in the plan's batched dequeue, in the facade's singular
    /// one (a read per queue, so a plan's read order matters), and under the step-7 claim
    /// policies, which may serve another row than the one a daemon was woken for (so the
    /// first reader of what a claim leaves is chosen again).
    static let manyNodes = """
        name: many-nodes
        description: twelve nodes sharing the any queues
        seed: 21
        time_limit: 10m
        cluster: {nodes: 12, network_node: node-1, cpus: 6}
        database:
          round_trip: {lognormal: {median: 1ms, p99: 10ms}}
        overrides:
          maintain:
            unhealthy_probability: 0
          tasks:
            instance_work: {service: {uniform: [200ms, 1500ms]}}
            blob_fetch: {service: {lognormal: {median: 3s, p99: 20s}}, disk: 300}
        sources:
          - name: instance-work
            op: {type: node_inst_op, tasks: [instance_work], priority: user_facing, queue: any}
            arrivals: {poisson: 4/s}
            until: 8m
          - name: blob-fetches
            op: {type: node_blob_op, tasks: [blob_fetch], priority: background_high_io, queue: any}
            arrivals: {poisson: 1/s}
            until: 8m
        workload:
          - at: 3m
            node_stop: {node: node-5}
          - at: 270s
            node_start: {node: node-5}
        variants:
          plan: {era: plan}
          facade: {era: facade}
          drr: {era: plan, fairness: {policy: drr, weights: {user_facing: 4, background_high_io: 1}}}
          reserved: {era: plan, fairness: {policy: reserved_slots, slots: 1, lanes: [background_high_io]}}
          staleness: {era: plan, fairness: {policy: bounded_staleness, after: 20s}}
        """

    @Test(arguments: ["plan", "facade", "drr", "reserved", "staleness"])
    func manyNodesSharingAQueueGiveTheSameBytesWithFewerJobs(variant: String) throws {
        let scenario = try ScenarioParser.load(text: Self.manyNodes, file: "many-nodes.yaml")
        let firstReader = try ScenarioRunner.run(scenario, variants: [variant], measureWallTime: false, tracing: true)
        let everyPoller = try ScenarioRunner.run(scenario, variants: [variant], measureWallTime: false, tracing: true,
                                                 wakesEveryPoller: true)
        let naive = try ScenarioRunner.run(scenario, variants: [variant], measureWallTime: false, tracing: true,
                                           naivePolling: true)
        Same.expectSameOutput(firstReader, everyPoller, strictlyFewerJobs: true)
        Same.expectSameOutput(firstReader, naive, strictlyFewerJobs: true)
        let fast = try #require(firstReader.runs.first?.results.first)
        let slow = try #require(everyPoller.runs.first?.results.first)
        // Twelve pools woken on each insert against about one. The ops' own work is the same
        // in both, so the saving is a share of the total: measured 46,916 against 86,610 jobs
        // (`plan`) and 91,822 against 178,838 (`facade`); a third fewer is the floor checked.
        #expect(fast.jobs * 3 < slow.jobs * 2, "first reader \(fast.jobs) jobs, every poller \(slow.jobs)")
        #expect(fast.counts.executed > 1_000)
    }
}
