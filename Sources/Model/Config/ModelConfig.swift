import Sim

/// Every parameter of the model, in one place. ``preset(_:)`` fills it for an era; a scenario
/// file may override any field. Numbers carry the source they come from.
public struct ModelConfig: Sendable {
    public var era: Era

    /// Ideal mode: zero round trips, daemons woken on enqueue instead of polling, exact pool
    /// sizes (no overshoot, no reserved slots, one item per sf-net claim). The model then
    /// reduces to a textbook queue.
    public var ideal: Bool

    // MARK: Database

    /// One database round trip (each statement or transaction costs one). Assumed: median
    /// 1 ms, p99 10 ms on a LAN MariaDB; the fold transaction measured p50 3.7 ms, p99 88.6 ms
    /// (seed plan, step 4) is a heavier statement.
    public var roundTrip: Distribution

    // MARK: sf-net (`shakenfist/daemons/network`)

    /// Items per claim (`BATCH_SIZE`, model file 4).
    public var netBatchSize: Int
    public var netDequeue: DequeueMode
    /// sf-net's in-memory defer ladder: 0.1 s doubling, cap 15 s (model file 7).
    public var netDefer: DeferPolicy

    // MARK: sf-queues (`shakenfist/daemons/queues`)

    public var queuesDequeue: DequeueMode
    /// `max_workers = max(minimum, cpus / cpusPerWorker)` (model file 5).
    public var minimumWorkers: Double
    public var cpusPerWorker: Double
    /// A fixed pool size instead of the rule above (nil: use the rule).
    public var maxWorkersOverride: Double?
    /// Slots kept free for user lanes: background is requested only if busy <= max - this.
    public var reservedUserSlots: Int
    /// `*_high_io` background lanes are skipped while disk busy exceeds this (ms per s).
    public var diskBusyThresholdMillisecondsPerSecond: Double
    /// How often the disk metric is refreshed (a node metric, model file 5).
    public var diskMetricRefresh: Duration
    /// sf-queues dependency defer: flat 15 s in facade/plan, ladder in later (model file 7).
    public var queuesDefer: DeferPolicy

    // MARK: Both daemons

    public var idle: IdlePolicy
    /// Transient-failure retry delays; after the last the op errors (model file 7).
    public var retryDelays: [Duration]

    // MARK: Reaper and clean-up (model file 7)

    public var reaperInterval: Duration
    public var claimTimeout: Duration
    public var maxAttempts: Int
    public var hardDeleteAfter: Duration

    // MARK: Waiters (model file 8)

    /// An API handler waiting for its op (`raise_for_error`) polls this often...
    public var waiterPoll: Duration
    /// ...and gives up with a timeout after this long (`API_ASYNC_WAIT`).
    public var apiAsyncWait: Duration
    /// A REST client waiting for an asynchronous request (instance start) polls this often,
    /// with no deadline of its own.
    public var restClientPoll: Duration

    // MARK: maintain.py (model file 8b)

    public var maintainInterval: Duration
    /// Skip the whole pass when the node's network queue depth exceeds this.
    public var maintainQueueDepthLimit: Int
    /// A network whose state changed more recently than this is skipped.
    public var maintainSettleTime: Duration
    /// A network whose last op errored more recently than this is skipped.
    public var maintainErrorBackoff: Duration
    /// Probability that one pass finds one network unhealthy on one node (assumed; 0 = healthy).
    public var maintainUnhealthyProbability: Double
    /// Nodes' passes out of step (daemons start at different moments): the first pass comes
    /// after a random fraction of the interval. Off: every node's first pass at one interval.
    public var maintainStaggered: Bool

    // MARK: Tasks

    public var tasks: [TaskName: TaskProfile]

    /// The profile of `task`; unknown tasks run instantly (scenario validation rejects them first).
    public func profile(_ task: TaskName) -> TaskProfile {
        tasks[task] ?? TaskProfile(service: .zero)
    }

    /// `max_workers` for a node with `cpus` CPUs (a float, as in the daemon).
    public func maxWorkers(cpus: Int) -> Double {
        maxWorkersOverride ?? max(minimumWorkers, Double(cpus) / cpusPerWorker)
    }

    /// The defaults of `era`. Sources: model file sections 1 and 4-8.
    public static func preset(_ era: Era) -> ModelConfig {
        var config = ModelConfig(
            era: era,
            ideal: false,
            roundTrip: .lognormal(median: .milliseconds(1), p99: .milliseconds(10)),
            netBatchSize: 10,
            netDequeue: .singular,
            netDefer: .ladder(first: .milliseconds(100), cap: .seconds(15)),
            queuesDequeue: .singular,
            minimumWorkers: 3,
            cpusPerWorker: 2,
            maxWorkersOverride: nil,
            reservedUserSlots: 2,
            diskBusyThresholdMillisecondsPerSecond: 800,
            diskMetricRefresh: .seconds(30),
            queuesDefer: .flat(.seconds(15)),
            idle: .flat(.milliseconds(200)),
            retryDelays: [.seconds(15), .seconds(30), .seconds(60)],
            reaperInterval: .seconds(60),
            claimTimeout: .seconds(1800),
            maxAttempts: 5,
            hardDeleteAfter: .seconds(30),
            waiterPoll: .milliseconds(100),
            apiAsyncWait: .seconds(15),
            restClientPoll: .seconds(1),
            maintainInterval: .seconds(30),
            maintainQueueDepthLimit: 50,
            maintainSettleTime: .seconds(60),
            maintainErrorBackoff: .seconds(60),
            maintainUnhealthyProbability: 0,
            maintainStaggered: true,
            tasks: DefaultTaskProfiles.all)
        switch era {
        case .inline, .facade:
            break
        case .plan:
            // Step 2: one batched claim for all queues, in both daemons.
            config.netDequeue = .batched
            config.queuesDequeue = .batched
        case .later:
            config.netDequeue = .batched
            config.queuesDequeue = .batched
            config.idle = .backoff([.milliseconds(200), .milliseconds(400), .milliseconds(800),
                                    .milliseconds(1600), .seconds(2)])
            config.queuesDefer = .ladder(first: .milliseconds(100), cap: .seconds(15))
            config.apiAsyncWait = .seconds(60)
        }
        return config
    }

    /// Switches to ideal mode (see ``ideal``).
    public mutating func makeIdeal() {
        ideal = true
        roundTrip = .zero
        idle = .wakeOnEnqueue
        netBatchSize = 1
        reservedUserSlots = 0
    }
}
