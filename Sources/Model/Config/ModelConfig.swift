import Sim

/// Every parameter of the model, in one place. ``preset(_:)`` fills it for an era; a scenario
/// file may override any field. Where each default comes from (the model file, or an
/// assumption and why) is stated beside it and listed by ``ModelSetting/catalog``, which
/// `simrun model show` prints.
public struct ModelConfig: Sendable {
    public var era: Era

    /// Ideal mode: zero round trips (and zero event-write and fold costs), daemons woken on
    /// enqueue instead of polling, exact pool sizes (no overshoot, no reserved slots, one item
    /// per sf-net claim). The model then reduces to a textbook queue.
    public var ideal: Bool

    // MARK: Database

    /// One database round trip (each statement or transaction costs one). Assumed: median
    /// 1 ms, p99 10 ms on a LAN MariaDB; the fold transaction measured p50 3.7 ms, p99 88.6 ms
    /// (seed plan, step 4) is a heavier statement.
    public var roundTrip: Distribution
    /// The server's cap on one claim's `limit` (model file 3: 256).
    public var claimCap: Int

    // MARK: The seed plan (model file 9)

    /// Which of the plan's six steps are on.
    public var steps: Set<PlanStep>
    /// The follow-up: `network_apply_create_hypervisor` coalesces on (node, network).
    public var followUp: Bool
    /// What coalesces (read by steps 4 and 5): the plan's set in `facade` and `plan`, phase
    /// 11's in `later`.
    public var coalescing: CoalescingSet
    /// Whether steps 4 and 5's SQL matches (as designed) or is inert (as deployed, #3878).
    public var coalescingSQL: CoalescingSQL
    /// Step 5 applies to single-task `net_op`s on these queues (the plan: `networknode` only).
    public var enqueueDedupQueues: [QueueScope]
    /// Step 4: the fold transaction, measured p50 3.7 ms, p90 5.2 ms, p99 88.6 ms (seed plan);
    /// the ends (1 ms, 150 ms) are assumed.
    public var foldCost: Distribution

    // MARK: Events (model file 4)

    /// What each eventlog write costs on the path that emits it.
    public var events: EventCosts
    /// Step 1: a separate `started executing` event, or its fields on `execution duration`.
    public var startedEvent: StartedEvent

    /// Step 7: how each daemon's claim orders the lanes (default: strict priority, as today).
    public var fairness: FairnessSettings = .strict

    /// The dequeue both daemons use: batched with step 2, singular without.
    public var dequeue: DequeueMode { steps.contains(.batchedDequeue) ? .batched : .singular }

    /// The coalescing rules of `type` (the follow-up's included when it is on). A type may
    /// have several rules, with disjoint tasks, each on its own key.
    public func coalescingRules(for type: OperationType) -> [CoalescingRule] {
        var rules = coalescing.rules.filter { $0.type == type }
        if followUp && type == CoalescingRule.followUp.type
            && !rules.contains(where: { $0.tasks.contains(.createHypervisor) }) {
            rules.append(CoalescingRule.followUp)
        }
        return rules
    }

    /// Not in the plan: a caller-site audit of node startup (`startup_tasks.py`) like step 6's,
    /// restoring each network once instead of once per instance. The follow-up coalesces
    /// concurrent `create_hypervisor` ops, but startup waits for each before the next, so only
    /// a caller-side change removes the N - 1 redundant ones.
    public var startupRestoresEachNetworkOnce: Bool

    // MARK: Network work placement (model file 1)

    /// `inline` era: network work runs inline in the caller under a per-network lock.
    public var inlineNetworkWork: Bool
    /// `later` era: sf-net's dispatcher hands items to this many workers (0: it runs them itself).
    public var netWorkers: Int
    /// `later` era: each worker's FIFO holds at most this many items; the dispatcher blocks.
    public var netWorkerQueueCapacity: Int

    // MARK: sf-net (`shakenfist/daemons/network`)

    /// Items per claim (`BATCH_SIZE`, model file 4).
    public var netBatchSize: Int
    /// The dequeue sf-net uses when set; otherwise step 2 decides.
    public var netDequeueOverride: DequeueMode?
    public var netDequeue: DequeueMode { netDequeueOverride ?? dequeue }
    /// How the singular dequeue walks sf-net's queues (model file 4: rounds, by default).
    public var netSingularDequeue: SingularDequeueShape
    /// sf-net's in-memory defer ladder: 0.1 s doubling, cap 15 s (model file 7).
    public var netDefer: DeferPolicy

    // MARK: sf-queues (`shakenfist/daemons/queues`)

    /// The dequeue sf-queues uses when set; otherwise step 2 decides.
    public var queuesDequeueOverride: DequeueMode?
    public var queuesDequeue: DequeueMode { queuesDequeueOverride ?? dequeue }
    /// How the singular dequeue walks sf-queues' queues (`round` or `restart`).
    public var queuesSingularDequeue: SingularDequeueShape
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
    /// A daemon clears the claims on its own queues when it starts (`restart_work_queue`,
    /// model file 7), so a crashed node's claimed rows come back when it restarts.
    public var startupReleasesClaims: Bool

    // MARK: Reaper and clean-up (model file 7)

    public var reaperInterval: Duration
    public var claimTimeout: Duration
    public var maxAttempts: Int
    /// An op is hard-deleted by the first sweep at which it has been terminal this long...
    public var hardDeleteAfter: Duration
    /// ...and sweeps run this often (`per_deleted_object_checks()`, every 15 min). Zero: an op
    /// is deleted the instant it has been terminal for `hardDeleteAfter` (no sweep).
    public var hardDeleteInterval: Duration

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
    /// The circuit breaker: a network whose last this-many ops all errored is skipped.
    public var maintainErrorStreak: Int
    /// Probability that one pass finds one network unhealthy on one node (assumed; 0 = healthy).
    public var maintainUnhealthyProbability: Double
    /// Of the unhealthy findings, the fraction that are mesh-only drift (assumed).
    public var maintainMeshOnlyFraction: Double
    /// Nodes' passes out of step (daemons start at different moments): the first pass comes
    /// after a random fraction of the interval. Off: every node's first pass at one interval.
    public var maintainStaggered: Bool

    // MARK: Tasks

    public var tasks: [TaskName: TaskProfile]

    // MARK: The simulation, not the system

    /// How the idle rounds a daemon sleeps through are drawn (``IdleRounds``): `exact` unless
    /// a scenario asks for `approximate` (`overrides.simulation.idle_rounds`).
    public var idleRounds: IdleRounds = .exact

    /// The profile of `task`; unknown tasks run instantly (scenario validation rejects them first).
    public func profile(_ task: TaskName) -> TaskProfile {
        tasks[task] ?? TaskProfile(service: .zero)
    }

    /// `max_workers` for a node with `cpus` CPUs (a float, as in the daemon).
    public func maxWorkers(cpus: Int) -> Double {
        maxWorkersOverride ?? max(minimumWorkers, Double(cpus) / cpusPerWorker)
    }

    /// The defaults of `era`. Sources: model file sections 1 and 3-8; ``ModelSetting/catalog``
    /// states the source of each.
    public static func preset(_ era: Era) -> ModelConfig {
        var config = ModelConfig(
            era: era,
            ideal: false,
            roundTrip: .lognormal(median: .milliseconds(1), p99: .milliseconds(10)),
            claimCap: 256,
            steps: [],
            followUp: false,
            coalescing: .plan,
            coalescingSQL: .matches,
            enqueueDedupQueues: [.networkNode],
            foldCost: .quantiles([.init(0, .milliseconds(1)), .init(0.5, .microseconds(3700)),
                                  .init(0.9, .microseconds(5200)), .init(0.99, .microseconds(88600)),
                                  .init(1, .milliseconds(150))]),
            events: EventCosts(write: .database(serialisation: Self.eventSerialisation)),
            startedEvent: .separate,
            startupRestoresEachNetworkOnce: false,
            inlineNetworkWork: false,
            netWorkers: 0,
            netWorkerQueueCapacity: 20,
            netBatchSize: 10,
            netDequeueOverride: nil,
            netSingularDequeue: .round,
            netDefer: .ladder(first: .milliseconds(100), cap: .seconds(15)),
            queuesDequeueOverride: nil,
            queuesSingularDequeue: .round,
            minimumWorkers: 3,
            cpusPerWorker: 2,
            maxWorkersOverride: nil,
            reservedUserSlots: 2,
            diskBusyThresholdMillisecondsPerSecond: 800,
            diskMetricRefresh: .seconds(30),
            queuesDefer: .flat(.seconds(15)),
            idle: .flat(.milliseconds(200)),
            retryDelays: [.seconds(15), .seconds(30), .seconds(60)],
            startupReleasesClaims: true,
            reaperInterval: .seconds(60),
            claimTimeout: .seconds(1800),
            maxAttempts: 5,
            hardDeleteAfter: .seconds(30),
            hardDeleteInterval: .seconds(900),
            waiterPoll: .milliseconds(100),
            apiAsyncWait: .seconds(15),
            restClientPoll: .seconds(1),
            maintainInterval: .seconds(30),
            maintainQueueDepthLimit: 50,
            maintainSettleTime: .seconds(60),
            maintainErrorBackoff: .seconds(60),
            maintainErrorStreak: 5,
            maintainUnhealthyProbability: 0,
            maintainMeshOnlyFraction: 0,
            maintainStaggered: true,
            tasks: DefaultTaskProfiles.all)
        switch era {
        case .inline:
            config.inlineNetworkWork = true
        case .facade:
            break
        case .plan:
            config.steps = Set(PlanStep.allCases)
        case .later:
            config.steps = Set(PlanStep.allCases)
            config.coalescing = .phase11
            config.netWorkers = 4
            config.idle = .backoff([.milliseconds(200), .milliseconds(400), .milliseconds(800),
                                    .milliseconds(1600), .seconds(2)])
            config.queuesDefer = .ladder(first: .milliseconds(100), cap: .seconds(15))
            config.apiAsyncWait = .seconds(60)
            config.events = EventCosts(write: .spool(append: Self.spoolAppend))
        }
        return config
    }

    /// Serialising one event before its insert (`facade`, `plan`). Assumed: median 0.2 ms,
    /// p99 1 ms (a small JSON document built in Python).
    public static let eventSerialisation = Distribution.lognormal(median: .microseconds(200), p99: .milliseconds(1))
    /// Appending one event to the per-process spool (`later`). Assumed 0.1 ms (model file 4).
    public static let spoolAppend = Distribution.constant(.microseconds(100))

    /// Switches to ideal mode (see ``ideal``).
    public mutating func makeIdeal() {
        ideal = true
        roundTrip = .zero
        idle = .wakeOnEnqueue
        netBatchSize = 1
        reservedUserSlots = 0
        events = EventCosts(write: .spool(append: .zero))
        foldCost = .zero
    }
}
