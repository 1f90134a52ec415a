import Sim

/// sf-net on one node (model file 4): a single thread that claims network work and runs the
/// items one after another.
///
/// It drains the node's five `{node}-network-*` lanes and, on the network node, then the five
/// `networknode-clusteroperation-*` lanes. With the singular dequeue (`facade`) it asks each
/// queue in that order for one row and runs the first it gets; with the batched dequeue
/// (`plan`) it claims up to `BATCH_SIZE` rows over all queues in one round trip.
actor NetDispatcher {
    nonisolated let context: ClusterContext
    nonisolated var unownedExecutor: UnownedSerialExecutor { context.sim.executor.asUnownedSerialExecutor() }
    let node: NodeID
    let queues: [QueueName]
    let claimer: String
    private let connection: SimConnection
    private let processor: ItemProcessor
    private let wake: Signal

    init(context: ClusterContext, node: NodeID) {
        self.context = context
        self.node = node
        var queues = QueueName.lanes(.node(node), .network)
        if node == context.topology.networkNode {
            queues += QueueName.lanes(.networkNode, .clusterOperation)
        }
        self.queues = queues
        claimer = "\(node)/sf-net"
        connection = context.connect(claimer)
        processor = ItemProcessor(context: context, claimer: claimer, requireQueuedAfterDependencies: false,
                                  memory: DeferMemory(policy: context.config.netDefer, source: .inMemory))
        wake = Signal(executor: context.sim.executor)
    }

    /// The dispatcher loop; returns when the task is cancelled.
    func run() async {
        let config = context.config
        if config.idle == .wakeOnEnqueue { await context.database.subscribe(wake, to: queues) }
        var idleRounds = 0
        do {
            while true {
                let items = try await connection.claim(queues, limit: context.config.netBatchSize,
                                                      mode: context.config.netDequeue)
                if items.isEmpty {
                    try await idle(rounds: idleRounds)
                    idleRounds += 1
                    continue
                }
                idleRounds = 0
                for item in items {
                    _ = try await processor.process(item, on: connection)
                }
            }
        } catch {
            // Cancelled: the node stopped or the run ended.
        }
    }

    private func idle(rounds: Int) async throws {
        let policy = context.config.idle
        if policy == .wakeOnEnqueue {
            try await context.database.waitForWork(queues, signal: wake)
        } else {
            try await context.clock.sleep(for: policy.sleep(afterIdleRounds: rounds))
        }
    }
}
