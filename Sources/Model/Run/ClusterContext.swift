import Sim

/// The cluster's shape: which nodes exist, which is the network node, their CPUs.
public struct Topology: Sendable {
    public var nodes: [NodeID]
    public var networkNode: NodeID
    /// CPUs per node, indexed like `nodes`.
    public var cpus: [Int]

    public init(nodeCount: Int, networkNode: NodeID, cpus: [Int]) {
        self.nodes = (0..<nodeCount).map { NodeID(index: $0) }
        self.networkNode = networkNode
        self.cpus = cpus
    }

    public func cpus(of node: NodeID) -> Int { cpus[node.index] }
}

/// What every model actor of one run shares.
public struct ClusterContext: Sendable {
    public let sim: Simulation
    public let config: ModelConfig
    public let topology: Topology
    public let database: SimDatabase
    public let recorder: RunRecorder
    /// The run's root random stream; every stream is derived from it by name.
    public let random: RandomStream

    public var clock: SimClock { sim.clock }

    /// A new database connection whose round trips come from the stream `db/<name>`.
    func connect(_ name: String) -> SimConnection {
        SimConnection(database: database, clock: sim.clock, roundTrip: config.roundTrip, name: name,
                      random: random.derived("db/" + name))
    }
}
