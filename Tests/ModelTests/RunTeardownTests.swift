@testable import Model
import Sim
import Testing

/// A finished run leaves nothing of itself alive: its world (kernel, database, recorder,
/// daemons) is freed when the run returns, so a sweep or a benchmark that runs thousands of
/// scenarios in one process holds one run's memory, not the sum of them. Until the node
/// control's reference back to the cluster API was made weak, the two held each other and,
/// through them, every run's whole world (1.6 MB a run of `six-instance-starts.yaml`).
@Suite struct RunTeardownTests {
    static let net1 = NetworkID("net-1")

    /// Wires and runs a cluster as ``ClusterRun/run(config:topology:workload:options:)``
    /// does, keeping only weak references to its world; returns them once the run is over and
    /// every strong reference of this function is gone.
    static func runAndForget(_ era: Era) -> (database: SimDatabase?, simulation: Simulation?, ending: Simulation.Outcome.Ending) {
        weak var database: SimDatabase?
        weak var simulation: Simulation?
        let ending: Simulation.Outcome.Ending
        do {
            let config = ModelConfig.exact(era)
            let sim = Simulation()
            let recorder = RunRecorder(clock: sim, tracing: false, checkingEffects: false)
            let store = SimDatabase(sim: sim, config: config, recorder: recorder)
            let context = ClusterContext(runtime: sim, config: config,
                                         topology: Topology(nodeCount: 3, networkNode: .n1, cpus: [4, 4, 4]),
                                         store: store, recorder: recorder, random: RandomStream(seed: 1))
            // An instance start (the API and the node control at work, sf-net, sf-queues and
            // maintain on every node), then a node restart (the control starts daemons again).
            let workload = Workload(
                networks: [net1],
                events: [.action(at: 0, "start", .instanceStart(instance: InstanceID("new"), node: .n2,
                                                                interfaces: [net1], floatingIPs: false)),
                         .action(at: 30, "stop", .nodeStop(.n3)),
                         .action(at: 40, "start-again", .nodeStart(.n3))])
            let (tracker, _) = ClusterRun.start(context: context, workload: workload)
            sim.spawn("drain") { await store.waitUntilDrained(after: tracker) }
            ending = sim.run(limit: .seconds(10_000)).ending
            database = store
            simulation = sim
        }
        return (database, simulation, ending)
    }

    @Test(arguments: [Era.facade, .plan])
    func aFinishedRunLeavesNothingOfItselfAlive(_ era: Era) {
        let (database, simulation, ending) = Self.runAndForget(era)
        #expect(ending == .completed)
        #expect(database == nil, "the run's database outlived it")
        #expect(simulation == nil, "the run's kernel outlived it")
    }
}
