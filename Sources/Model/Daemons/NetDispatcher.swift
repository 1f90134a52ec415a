import DequeModule
import Sim

/// sf-net on one node (model file 4): claims network work and runs the items one after
/// another.
///
/// It drains the node's five `{node}-network-*` lanes and, on the network node, then the five
/// `networknode-clusteroperation-*` lanes. With the singular dequeue (`facade`) it works in
/// rounds by default: one singular dequeue per queue in that order, then the collected items
/// in order, then the next round (``SingularDequeueShape`` has the other shapes: a walk that
/// restarts after every item, and one drainer thread per queue). With the batched dequeue
/// (`plan`) it claims up to `BATCH_SIZE` rows over all queues in one round trip.
///
/// In the `later` era the dispatcher runs nothing itself: it routes each claimed item by
/// crc32(network_uuid) % workers into that worker's FIFO (at most `netWorkerQueueCapacity`
/// items; the dispatcher blocks while it is full), and each worker runs its items in order.
actor NetDispatcher {
    nonisolated let context: ClusterContext
    /// The run's executor, kept: it is asked on every hop to this actor.
    nonisolated let unownedExecutor: UnownedSerialExecutor
    let node: NodeID
    let queues: [QueueName]
    let claimer: String
    private let connection: any QueueConnection
    private let processor: ItemProcessor
    /// `later` era: one FIFO per worker, the signal that wakes it, and one for free space.
    private var lanes: [Deque<WorkItem>] = []
    /// The last skipped stretch's walk storage, for the next (taken while a stretch runs).
    private var idleStorage: IdleGrid.Storage?
    private var laneSignals: [any WakeSignal] = []
    private let space: any WakeSignal

    init(context: ClusterContext, node: NodeID) {
        unownedExecutor = context.runtime.actorExecutor
        self.context = context
        self.node = node
        var queues = QueueName.lanes(.node(node), .network)
        if node == context.topology.networkNode {
            queues += QueueName.lanes(.networkNode, .clusterOperation)
        }
        self.queues = queues
        claimer = "\(node)/sf-net"
        connection = context.connect(claimer)
        processor = ItemProcessor(context: context, node: node, claimer: claimer, requireQueuedAfterDependencies: false,
                                  memory: DeferMemory(policy: context.config.netDefer, source: .inMemory))
        space = context.runtime.makeSignal()
    }

    /// The dispatcher; returns when the task is cancelled.
    func run() async {
        let config = context.config
        let workers = startWorkers()
        defer { for worker in workers { worker.cancel() } }
        do {
            if config.startupReleasesClaims {
                let released = try await connection.releaseClaims(on: queues, claimedByPrefix: "\(node)/")
                context.recorder.releasedAtStartup(released)
            }
            if context.steps.netDequeue == .singular && config.netSingularDequeue == .threadPerQueue {
                // One drainer per queue; this task drains the first and owns the others.
                let drainers = queues.dropFirst().map { queue in
                    context.runtime.spawn("\(claimer)/drainer/\(queue)", role: .daemon) { [self] in
                        await drainQuietly([queue], connection: context.connect("\(claimer)/drainer/\(queue)"))
                    }
                }
                defer { for drainer in drainers { drainer.cancel() } }
                try await drain(Array(queues.prefix(1)), connection: connection)
            } else {
                try await drain(queues, connection: connection)
            }
        } catch is CancellationError {
            // The node stopped or the run ended.
        } catch {
            context.recorder.daemonFailed(claimer, error)
        }
    }

    private func drainQuietly(_ queues: [QueueName], connection: any QueueConnection) async {
        do {
            try await drain(queues, connection: connection)
        } catch is CancellationError {
            // Cancelled with the dispatcher.
        } catch {
            context.recorder.daemonFailed("\(claimer)/drainer", error)
        }
    }

    /// Claims from `queues` and runs (or routes) what it gets, idling when a claim is empty.
    private func drain(_ queues: [QueueName], connection: any QueueConnection) async throws {
        let config = context.config
        let wake = CountedSignal(context.runtime.makeSignal())
        let skipping = IdleClaims.skipsIdleClaims(context, on: connection)
        if config.idle == .wakeOnEnqueue || skipping != nil { await context.store.subscribe(wake, to: queues) }
        var idleRounds = 0
        while true {
            do {
                try await round(queues, connection: connection, skipping: skipping, wake: wake, idleRounds: &idleRounds)
            } catch let error as DatabaseError where error.isUnavailable {
                // DatabaseUnavailable: sleep 5 s and claim again; an item it was running stays
                // claimed until the reaper frees it.
                context.recorder.databaseUnavailable(claimer, error)
                try await context.runtime.sleep(for: DatabaseFailurePolicy.shakenFist.unavailableBackoff)
            }
        }
    }

    /// One claim and what it brought, or one idle sleep (on the simulated database, the idle
    /// claims up to the one that can see a row: ``IdleClaims``). Inlined into `drain`'s loop:
    /// one async frame less per round (see ``SimConnection``).
    @inline(__always)
    private func round(_ queues: [QueueName], connection: any QueueConnection, skipping: SimConnection?,
                       wake: CountedSignal, idleRounds: inout Int) async throws {
        let config = context.config
        var items = try await connection.claim(queues, limit: config.netBatchSize, mode: context.steps.netDequeue,
                                               shape: config.netSingularDequeue)
        if items.isEmpty {
            if config.idle == .wakeOnEnqueue {
                try await context.store.waitForWork(queues, signal: wake)
                idleRounds += 1
                return
            }
            guard let skipping else {
                try await context.runtime.sleep(for: config.idle.sleep(afterIdleRounds: idleRounds))
                idleRounds += 1
                return
            }
            idleRounds += 1
            let request = IdleClaims.Request(queues: queues, limit: config.netBatchSize,
                                             mode: context.steps.netDequeue,
                                             shape: config.netSingularDequeue)
            var idle = IdleClaims(connection: skipping, request: request, idle: config.idle, signal: wake,
                                  idleRounds: idleRounds, now: context.runtime.now,
                                  publishesPlan: !context.wakesEveryPoller, storage: idleStorage.take(),
                                  approximate: config.leapsIdleRounds)
            defer { idleStorage = idle.handOverStorage() }
            switch try await idle.skip(idleRounds: &idleRounds) {
            case .claimed(let found): items = found
            case .roundStartsNow: return
            }
        }
        idleRounds = 0
        for item in items {
            if lanes.isEmpty {
                _ = try await processor.process(item, on: connection)
            } else {
                try await route(item)
            }
        }
    }

    /// `later` era: starts the workers (none before it).
    private func startWorkers() -> [SimTask] {
        let count = context.config.netWorkers
        lanes = Array(repeating: Deque(), count: count)
        laneSignals = (0..<count).map { _ in context.runtime.makeSignal() }
        return (0..<count).map { index in
            context.runtime.spawn("\(claimer)/worker-\(index)", role: .daemon) { [self] in await work(lane: index) }
        }
    }

    private func route(_ item: WorkItem) async throws {
        let lane = Int(crc32(item.networkID?.name ?? "") % UInt32(lanes.count))
        while lanes[lane].count >= context.config.netWorkerQueueCapacity { try await space.wait() }
        lanes[lane].append(item)
        laneSignals[lane].notifyAll()
    }

    private func work(lane: Int) async {
        let name = "\(claimer)/worker-\(lane)"
        let connection = context.connect(name)
        do {
            while true {
                guard let item = lanes[lane].popFirst() else {
                    try await laneSignals[lane].wait()
                    continue
                }
                space.notifyAll()
                do {
                    _ = try await processor.process(item, on: connection)
                } catch let error as DatabaseError where error.isUnavailable {
                    // The item stays claimed until the reaper frees it; the worker goes on.
                    context.recorder.itemLeftToReaper(name, item, error)
                }
            }
        } catch is CancellationError {
            // Cancelled with the dispatcher.
        } catch {
            context.recorder.daemonFailed("\(claimer)/worker-\(lane)", error)
        }
    }
}

/// CRC-32 (IEEE 802.3, as Python's `zlib.crc32`) of the UTF-8 bytes of `text`.
func crc32(_ text: String) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in text.utf8 {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
    }
    return ~crc
}
