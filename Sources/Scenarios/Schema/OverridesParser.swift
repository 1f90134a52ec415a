import Model
import Sim

/// Reads `overrides:` (of the scenario or of a variant): changes to any model default.
///
/// ```yaml
/// overrides:
///   sf_net: {batch_size: 10, dequeue: batched, defer: {ladder: {first: 100ms, cap: 15s}}}
///   sf_queues: {max_workers: 3, reserved_user_slots: 2, defer: {flat: 15s}}
///   idle: {flat: 200ms}
///   tasks:
///     network_apply_update_dnsmasq: {service: {lognormal: {median: 600ms, p99: 2.5s}}}
/// ```
enum OverridesParser {
    static let keys = ["sf_net", "sf_queues", "idle", "retry_delays", "reaper", "hard_delete_after", "waiters",
                       "maintain", "tasks", "costs", "startup"]

    static func read(_ node: YAMLNode) throws(ScenarioError) -> [ConfigOverride] {
        let mapping = try node.mapping(allowedKeys: keys)
        var out: [ConfigOverride] = []
        func add(_ node: YAMLNode, _ apply: @escaping @Sendable (inout ModelConfig) -> Void) {
            out.append(ConfigOverride(keyPath: node.path.description, apply: apply))
        }
        if let node = mapping.optional("sf_net") {
            let net = try node.mapping(allowedKeys: ["batch_size", "defer", "workers", "worker_queue_capacity"])
            if let value = net.optional("batch_size") {
                let size = try value.int(in: 1...256)
                add(value) { $0.netBatchSize = size }
            }
            if let value = net.optional("workers") {
                let workers = try value.int(in: 0...64)
                add(value) { $0.netWorkers = workers }
            }
            if let value = net.optional("worker_queue_capacity") {
                let capacity = try value.int(in: 1...100_000)
                add(value) { $0.netWorkerQueueCapacity = capacity }
            }
            if let value = net.optional("defer") {
                let policy = try readDefer(value)
                add(value) { $0.netDefer = policy }
            }
        }
        if let node = mapping.optional("sf_queues") {
            out += try readQueues(node)
        }
        if let value = mapping.optional("idle") {
            let policy = try readIdle(value)
            add(value) { $0.idle = policy }
        }
        if let value = mapping.optional("retry_delays") {
            var read: [Duration] = []
            for item in try value.elements() { read.append(try item.duration()) }
            let delays = read
            add(value) { $0.retryDelays = delays }
        }
        if let node = mapping.optional("reaper") {
            let reaper = try node.mapping(allowedKeys: ["interval", "claim_timeout", "max_attempts"])
            if let value = reaper.optional("interval") {
                let interval = try value.positiveDuration()
                add(value) { $0.reaperInterval = interval }
            }
            if let value = reaper.optional("claim_timeout") {
                let timeout = try value.positiveDuration()
                add(value) { $0.claimTimeout = timeout }
            }
            if let value = reaper.optional("max_attempts") {
                let attempts = try value.int(in: 1...1000)
                add(value) { $0.maxAttempts = attempts }
            }
        }
        if let value = mapping.optional("hard_delete_after") {
            let after = try value.duration()
            add(value) { $0.hardDeleteAfter = after }
        }
        if let node = mapping.optional("waiters") {
            let waiters = try node.mapping(allowedKeys: ["poll", "api_async_wait", "rest_client_poll"])
            if let value = waiters.optional("poll") {
                let poll = try value.positiveDuration()
                add(value) { $0.waiterPoll = poll }
            }
            if let value = waiters.optional("api_async_wait") {
                let wait = try value.positiveDuration()
                add(value) { $0.apiAsyncWait = wait }
            }
            if let value = waiters.optional("rest_client_poll") {
                let poll = try value.positiveDuration()
                add(value) { $0.restClientPoll = poll }
            }
        }
        if let node = mapping.optional("maintain") {
            out += try readMaintain(node)
        }
        if let node = mapping.optional("tasks") {
            out += try readTasks(node)
        }
        if let node = mapping.optional("startup") {
            let startup = try node.mapping(allowedKeys: ["restore_each_network_once"])
            if let value = startup.optional("restore_each_network_once") {
                let once = try value.bool()
                add(value) { $0.startupRestoresEachNetworkOnce = once }
            }
        }
        if let node = mapping.optional("costs") {
            let costs = try node.mapping(allowedKeys: ["started_event", "fold"])
            if let value = costs.optional("started_event") {
                let cost = try value.distribution()
                add(value) { $0.startedEventCost = cost }
            }
            if let value = costs.optional("fold") {
                let cost = try value.distribution()
                add(value) { $0.foldCost = cost }
            }
        }
        return out
    }

    private static func readQueues(_ node: YAMLNode) throws(ScenarioError) -> [ConfigOverride] {
        let queues = try node.mapping(allowedKeys: ["max_workers", "min_workers", "cpus_per_worker",
                                                    "reserved_user_slots", "disk_busy_threshold",
                                                    "disk_metric_refresh", "defer"])
        var out: [ConfigOverride] = []
        func add(_ node: YAMLNode, _ apply: @escaping @Sendable (inout ModelConfig) -> Void) {
            out.append(ConfigOverride(keyPath: node.path.description, apply: apply))
        }
        if let value = queues.optional("max_workers") {
            let workers = try positive(value)
            add(value) { $0.maxWorkersOverride = workers }
        }
        if let value = queues.optional("min_workers") {
            let workers = try positive(value)
            add(value) { $0.minimumWorkers = workers }
        }
        if let value = queues.optional("cpus_per_worker") {
            let cpus = try positive(value)
            add(value) { $0.cpusPerWorker = cpus }
        }
        if let value = queues.optional("reserved_user_slots") {
            let slots = try value.int(in: 0...1000)
            add(value) { $0.reservedUserSlots = slots }
        }
        if let value = queues.optional("disk_busy_threshold") {
            let threshold = try value.double(in: 0...)
            add(value) { $0.diskBusyThresholdMillisecondsPerSecond = threshold }
        }
        if let value = queues.optional("disk_metric_refresh") {
            let refresh = try value.positiveDuration()
            add(value) { $0.diskMetricRefresh = refresh }
        }
        if let value = queues.optional("defer") {
            let policy = try readDefer(value)
            add(value) { $0.queuesDefer = policy }
        }
        return out
    }

    private static func readMaintain(_ node: YAMLNode) throws(ScenarioError) -> [ConfigOverride] {
        let maintain = try node.mapping(allowedKeys: ["interval", "queue_depth_limit", "settle_time",
                                                      "error_backoff", "unhealthy_probability", "staggered"])
        var out: [ConfigOverride] = []
        func add(_ node: YAMLNode, _ apply: @escaping @Sendable (inout ModelConfig) -> Void) {
            out.append(ConfigOverride(keyPath: node.path.description, apply: apply))
        }
        if let value = maintain.optional("interval") {
            let interval = try value.positiveDuration()
            add(value) { $0.maintainInterval = interval }
        }
        if let value = maintain.optional("queue_depth_limit") {
            let limit = try value.int(in: 0...)
            add(value) { $0.maintainQueueDepthLimit = limit }
        }
        if let value = maintain.optional("settle_time") {
            let settle = try value.duration()
            add(value) { $0.maintainSettleTime = settle }
        }
        if let value = maintain.optional("error_backoff") {
            let backoff = try value.duration()
            add(value) { $0.maintainErrorBackoff = backoff }
        }
        if let value = maintain.optional("unhealthy_probability") {
            let probability = try value.double(in: 0...1)
            add(value) { $0.maintainUnhealthyProbability = probability }
        }
        if let value = maintain.optional("staggered") {
            let staggered = try value.bool()
            add(value) { $0.maintainStaggered = staggered }
        }
        return out
    }

    /// `tasks: {name: {service: <distribution>, failure_probability: 0.01, disk: 500}}`.
    /// A task not in the defaults must give `service`.
    private static func readTasks(_ node: YAMLNode) throws(ScenarioError) -> [ConfigOverride] {
        var out: [ConfigOverride] = []
        for entry in try node.entries() {
            let task = TaskName(entry.key)
            let fields = try entry.value.mapping(allowedKeys: ["service", "failure_probability", "disk"])
            let known = DefaultTaskProfiles.all[task]
            guard known != nil || fields.contains("service") else {
                throw entry.value.error("task \"\(entry.key)\" is not a default task, so it needs a service distribution")
            }
            let service = try fields.optional("service")?.distribution()
            let failure = try fields.optional("failure_probability")?.double(in: 0...1)
            let disk = try fields.optional("disk")?.double(in: 0...)
            out.append(ConfigOverride(keyPath: entry.value.path.description, definesTask: task) { config in
                var profile = config.tasks[task] ?? TaskProfile(service: .zero)
                if let service { profile.service = service }
                if let failure { profile.failureProbability = failure }
                if let disk { profile.diskMillisecondsPerSecond = disk }
                config.tasks[task] = profile
            })
        }
        return out
    }

    /// `{flat: 15s}` or `{ladder: {first: 100ms, cap: 15s}}`.
    static func readDefer(_ node: YAMLNode) throws(ScenarioError) -> DeferPolicy {
        let mapping = try node.mapping(allowedKeys: ["flat", "ladder"])
        let kind = try mapping.exactlyOne(of: ["flat", "ladder"])
        if kind.key == "flat" { return .flat(try kind.value.duration()) }
        let ladder = try kind.value.mapping(allowedKeys: ["first", "cap"])
        let first = try ladder.required("first").positiveDuration()
        let cap = try ladder.required("cap").positiveDuration()
        guard cap >= first else { throw ladder.node.error("cap must be at least first") }
        return .ladder(first: first, cap: cap)
    }

    /// `{flat: 200ms}` or `{backoff: [200ms, 400ms, 800ms, 1.6s, 2s]}`.
    static func readIdle(_ node: YAMLNode) throws(ScenarioError) -> IdlePolicy {
        let mapping = try node.mapping(allowedKeys: ["flat", "backoff"])
        let kind = try mapping.exactlyOne(of: ["flat", "backoff"])
        if kind.key == "flat" { return .flat(try kind.value.positiveDuration()) }
        var steps: [Duration] = []
        for item in try kind.value.elements() { steps.append(try item.positiveDuration()) }
        guard !steps.isEmpty else { throw kind.value.expected("at least one sleep") }
        return .backoff(steps)
    }

    private static func positive(_ node: YAMLNode) throws(ScenarioError) -> Double {
        let value = try node.double(in: 0...)
        guard value > 0 else { throw node.expected("a number greater than zero") }
        return value
    }
}
