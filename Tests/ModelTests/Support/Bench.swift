@testable import Model
import Sim
import Testing

/// A test bench that wires model actors by hand inside one ``Simulation``: the database, the
/// daemons a test asks for, and a scripted driver that writes ops and states directly into the
/// database (no round trip), so a test controls exactly what the daemons find and when.
///
/// `ClusterRun` is the way to run a whole cluster; the bench is for rules that need an op the
/// workload cannot express (a `depends_on` on an sf-net op, an op stuck in `executing`).
final class Bench: Sendable {
    let sim = Simulation()
    let context: ClusterContext
    let database: SimDatabase

    init(config: ModelConfig, nodes: Int = 1, networkNode: Int = 0, cpus: Int = 4, seed: UInt64 = 1) {
        let recorder = RunRecorder(clock: sim, tracing: true, checkingEffects: true)
        let database = SimDatabase(sim: sim, config: config, recorder: recorder)
        self.database = database
        context = ClusterContext(
            runtime: sim, config: config,
            topology: Topology(nodeCount: nodes, networkNode: NodeID(index: networkNode),
                               cpus: Array(repeating: cpus, count: nodes)),
            store: database, recorder: recorder, random: RandomStream(seed: seed))
    }

    var trace: [TraceEvent] { context.recorder.trace }
    var counts: OpCounts { context.recorder.counts }

    /// Starts sf-net on `node` as a daemon.
    func startNet(_ node: NodeID) {
        let net = NetDispatcher(context: context, node: node)
        sim.spawn("\(node)/sf-net", role: .daemon) { await net.run() }
    }

    /// Starts sf-queues on `node` as a daemon.
    func startQueues(_ node: NodeID) {
        let pool = QueueWorkerPool(context: context, node: node)
        sim.spawn("\(node)/sf-queues", role: .daemon) { await pool.run() }
    }

    /// Runs `body` as the foreground task: the run ends when it returns (daemons are then
    /// cancelled) or at `limit`. An error other than the cancellation at `limit` fails the test.
    @discardableResult
    func run(limit: Duration? = nil, _ body: @escaping @Sendable (Driver) async throws -> Void) -> Simulation.Outcome {
        let driver = Driver(context: context, database: database)
        sim.spawn("script") {
            do {
                try await body(driver)
            } catch is CancellationError {
                // The time limit ended the run.
            } catch {
                Issue.record("the script failed: \(error)")
            }
        }
        return sim.run(limit: limit)
    }

    /// Every op the run created, in creation order.
    var createdOps: [OpID] { trace.filter { $0.kind == .created }.map(\.op) }

    /// The `index`th op the run created (0 = first).
    func createdOp(_ index: Int, sourceLocation: SourceLocation = #_sourceLocation) throws -> OpID {
        try #require(createdOps.dropFirst(index).first, "op \(index) was never created", sourceLocation: sourceLocation)
    }

    /// Trace events of `op`, optionally of one kind, in order.
    func events(_ op: OpID, _ kind: TraceEvent.Kind? = nil) -> [TraceEvent] {
        trace.of(op, kind)
    }

    /// Times (seconds) of `op`'s events of one kind.
    func times(_ op: OpID, _ kind: TraceEvent.Kind) -> [Double] {
        events(op, kind).map(\.seconds)
    }

    /// The state `op` ended in (from its `terminal` event), or nil if it never ended.
    func terminalState(_ op: OpID) -> String? {
        events(op, .terminal).last?.detail
    }
}

/// The scripted caller of a ``Bench``: it runs on the simulation's executor, as model code must.
actor Driver {
    nonisolated let context: ClusterContext
    nonisolated let database: SimDatabase
    nonisolated var unownedExecutor: UnownedSerialExecutor { context.runtime.actorExecutor }
    private var nextKey: UInt64 = 0

    init(context: ClusterContext, database: SimDatabase) {
        self.context = context
        self.database = database
    }

    var now: Duration { context.runtime.now }

    /// Creates an op (its state and its row) directly in the database, at the current instant.
    @discardableResult
    func create(_ tasks: [TaskName], on queue: QueueName, type: OperationType = .netOp,
                network: NetworkID? = nil, node: NodeID? = nil, parameters: [String] = [],
                dependsOn: [OpID] = [], runsAfter: [OpID] = []) async -> OpID {
        await database.createOp(spec(tasks, on: queue, type: type, network: network, node: node,
                                             parameters: parameters, dependsOn: dependsOn, runsAfter: runsAfter))
    }

    /// The spec ``create(_:on:type:network:node:parameters:dependsOn:runsAfter:)`` writes,
    /// each with its own random key.
    func spec(_ tasks: [TaskName], on queue: QueueName, type: OperationType = .netOp,
              network: NetworkID? = nil, node: NodeID? = nil, parameters: [String] = [],
              dependsOn: [OpID] = [], runsAfter: [OpID] = []) -> OpSpec {
        nextKey += 1
        return OpSpec(type: type, tasks: tasks, priority: queue.priority, queue: queue, networkID: network,
                      nodeID: node, dependsOn: dependsOn, runsAfter: runsAfter, parameters: parameters,
                      randomKey: nextKey)
    }

    /// Creates an op the way callers do (`create_and_enqueue`: step 5, the created event).
    func enqueue(_ spec: OpSpec, caller: String) async throws -> OpID {
        try await context.createAndEnqueue(spec, caller: caller, on: context.connect(caller))
    }

    func setState(_ op: OpID, _ state: OpState) async {
        await database.setState(op, state)
    }

    func load(_ op: OpID) async -> OpRecord? {
        await database.loadOp(op)
    }

    func sleep(until seconds: Double) async throws {
        try await context.runtime.sleep(until: .seconds(double: seconds))
    }

    /// Sleeps until `op` is terminal (checked every 0.1 s), or throws at `deadline` seconds.
    func awaitTerminal(_ op: OpID, deadline: Double) async throws {
        while await database.loadOp(op).map({ !$0.state.isTerminal }) ?? false {
            guard now < .seconds(double: deadline) else { throw BenchTimeout() }
            try await context.runtime.sleep(for: .milliseconds(100))
        }
    }
}

struct BenchTimeout: Error {}

// MARK: Shared fixtures

extension NodeID {
    static let n1 = NodeID(index: 0)
    static let n2 = NodeID(index: 1)
    static let n3 = NodeID(index: 2)
}

/// A task with a fixed service time; ``ModelConfig/exact(_:roundTrip:tasks:)`` registers it.
struct FixedTask {
    let name: TaskName
    let profile: TaskProfile

    init(_ name: TaskName, seconds: Double, failureProbability: Double = 0, diskMillisecondsPerSecond: Double = 0) {
        self.name = name
        profile = TaskProfile(service: .constant(.seconds(double: seconds)), failureProbability: failureProbability,
                              diskMillisecondsPerSecond: diskMillisecondsPerSecond)
    }
}

extension ModelConfig {
    /// An era preset with constant round trips (zero unless given), so times in a trace are
    /// exact sums a test can state.
    static func exact(_ era: Era, roundTrip: Duration = .zero, tasks: [FixedTask] = []) -> ModelConfig {
        var config = ModelConfig.preset(era)
        config.roundTrip = .constant(roundTrip)
        // Event writes cost nothing unless a test prices them, so traces are exact sums.
        config.events = EventCosts(write: .spool(append: .zero))
        config.maintainStaggered = false
        // A default task keeps its scope and its handler; only its timing is replaced.
        for task in tasks {
            var profile = task.profile
            if let known = config.tasks[task.name] {
                profile.scope = known.scope
                profile.enqueues = known.enqueues
            }
            config.tasks[task.name] = profile
        }
        return config
    }
}

extension [TraceEvent] {
    /// The events of `op`, optionally of one kind, in order.
    func of(_ op: OpID, _ kind: TraceEvent.Kind? = nil) -> [TraceEvent] {
        filter { $0.op == op && (kind == nil || $0.kind == kind) }
    }
}

extension TraceEvent {
    /// Seconds since the start of the run.
    var seconds: Double { time.seconds }

    /// `wait_seconds` of a `started` event.
    var waitSeconds: Double? {
        guard kind == .started, let field = detail.split(separator: " ").first(where: { $0.hasPrefix("wait_seconds=") })
        else { return nil }
        return Double(field.dropFirst("wait_seconds=".count))
    }

    /// `defer_count` of a `started` event.
    var deferCount: Int? {
        guard kind == .started, let field = detail.split(separator: " ").first(where: { $0.hasPrefix("defer_count=") })
        else { return nil }
        return Int(field.dropFirst("defer_count=".count))
    }
}

/// Compares seconds to the nanosecond grid the simulator works on.
func same(_ a: Double, _ b: Double) -> Bool { abs(a - b) < 1e-6 }

/// Element by element, and the same count.
func same(_ a: [Double], _ b: [Double]) -> Bool { a.count == b.count && zip(a, b).allSatisfy { same($0, $1) } }
