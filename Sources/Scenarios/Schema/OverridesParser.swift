import Model
import Sim

/// Reads `overrides:` (of the scenario or of a variant): changes to any model default.
///
/// ```yaml
/// overrides:
///   sf_net: {batch_size: 10, singular_dequeue: round, defer: {ladder: {first: 100ms, cap: 15s}}}
///   sf_queues: {max_workers: 3, reserved_user_slots: 2, defer: {flat: 15s}}
///   idle: {flat: 200ms}
///   events: {write: database, kinds: {started: 0s}}
///   tasks:
///     network_apply_update_dnsmasq: {service: {lognormal: {median: 600ms, p99: 2.5s}}}
/// ```
///
/// The key of each setting is the one ``ModelSetting/catalog`` lists, so `simrun model show`
/// can say which settings a scenario changed.
enum OverridesParser {
    /// One overridable setting: its key and how to read it into a change of the config.
    struct Setting: Sendable {
        let key: String
        let read: @Sendable (YAMLNode) throws(ScenarioError) -> @Sendable (inout ModelConfig) -> Void
    }

    /// The setting `key`, read with `read` and stored at `path`.
    static func setting<Value: Sendable>(_ key: String, _ path: WritableKeyPath<ModelConfig, Value> & Sendable,
                                         _ read: @escaping @Sendable (YAMLNode) throws(ScenarioError) -> Value) -> Setting {
        Setting(key: key) { (node) throws(ScenarioError) in
            let value = try read(node)
            return { $0[keyPath: path] = value }
        }
    }

    /// An optional setting (`max_workers`: a number, or absent for the rule).
    static func setting<Value: Sendable>(_ key: String, _ path: WritableKeyPath<ModelConfig, Value?> & Sendable,
                                         _ read: @escaping @Sendable (YAMLNode) throws(ScenarioError) -> Value) -> Setting {
        Setting(key: key) { (node) throws(ScenarioError) in
            let value = try read(node)
            return { $0[keyPath: path] = value }
        }
    }

    static func duration(_ node: YAMLNode) throws(ScenarioError) -> Duration { try node.duration() }
    static func positiveDuration(_ node: YAMLNode) throws(ScenarioError) -> Duration { try node.positiveDuration() }
    static func distribution(_ node: YAMLNode) throws(ScenarioError) -> Distribution { try node.distribution() }
    static func flag(_ node: YAMLNode) throws(ScenarioError) -> Bool { try node.bool() }
    static func dequeue(_ node: YAMLNode) throws(ScenarioError) -> DequeueMode { try node.enumValue(DequeueMode.self) }

    /// The settings of each section of `overrides:`, in the order error messages list them.
    static let sections: [(name: String, settings: [Setting])] = [
        ("sf_net", [
            setting("batch_size", \.netBatchSize) { (node) throws(ScenarioError) in try node.int(in: 1...256) },
            setting("dequeue", \.netDequeueOverride, dequeue),
            setting("singular_dequeue", \.netSingularDequeue) { (node) throws(ScenarioError) in
                try node.enumValue(SingularDequeueShape.self)
            },
            setting("defer", \.netDefer, readDefer),
            setting("workers", \.netWorkers) { (node) throws(ScenarioError) in try node.int(in: 0...64) },
            setting("worker_queue_capacity", \.netWorkerQueueCapacity) { (node) throws(ScenarioError) in
                try node.int(in: 1...100_000)
            },
        ]),
        ("sf_queues", [
            setting("dequeue", \.queuesDequeueOverride, dequeue),
            setting("singular_dequeue", \.queuesSingularDequeue) { (node) throws(ScenarioError) in
                let shape = try node.enumValue([SingularDequeueShape.round, .restart].map(\.rawValue))
                return SingularDequeueShape(rawValue: shape) ?? .round
            },
            // Pool sizes become `Int(max_workers)`: bounded so that every node's pool is a count
            // (cpus / cpus_per_worker <= 4096 / 0.001 = 4096000 workers at most).
            setting("max_workers", \.maxWorkersOverride) { (node) throws(ScenarioError) in
                try positive(node, atMost: maximumWorkers)
            },
            setting("min_workers", \.minimumWorkers) { (node) throws(ScenarioError) in
                try positive(node, atMost: maximumWorkers)
            },
            setting("cpus_per_worker", \.cpusPerWorker) { (node) throws(ScenarioError) in
                try node.double(in: 0.001...4096)
            },
            setting("reserved_user_slots", \.reservedUserSlots) { (node) throws(ScenarioError) in
                try node.int(in: 0...1000)
            },
            setting("disk_busy_threshold", \.diskBusyThresholdMillisecondsPerSecond) { (node) throws(ScenarioError) in
                try node.double(in: 0...1_000_000)
            },
            setting("disk_metric_refresh", \.diskMetricRefresh, positiveDuration),
            setting("defer", \.queuesDefer, readDefer),
        ]),
        ("reaper", [
            setting("interval", \.reaperInterval, positiveDuration),
            setting("claim_timeout", \.claimTimeout, positiveDuration),
            setting("max_attempts", \.maxAttempts) { (node) throws(ScenarioError) in try node.int(in: 1...1000) },
        ]),
        ("hard_delete", [
            setting("after", \.hardDeleteAfter, duration),
            setting("interval", \.hardDeleteInterval, duration),
        ]),
        ("waiters", [
            setting("poll", \.waiterPoll, positiveDuration),
            setting("api_async_wait", \.apiAsyncWait, positiveDuration),
            setting("rest_client_poll", \.restClientPoll, positiveDuration),
        ]),
        ("maintain", [
            setting("interval", \.maintainInterval, positiveDuration),
            setting("queue_depth_limit", \.maintainQueueDepthLimit) { (node) throws(ScenarioError) in
                try node.int(in: 0...)
            },
            setting("settle_time", \.maintainSettleTime, duration),
            setting("error_backoff", \.maintainErrorBackoff, duration),
            setting("error_streak", \.maintainErrorStreak) { (node) throws(ScenarioError) in try node.int(in: 1...1000) },
            setting("unhealthy_probability", \.maintainUnhealthyProbability) { (node) throws(ScenarioError) in
                try node.double(in: 0...1)
            },
            setting("mesh_only_fraction", \.maintainMeshOnlyFraction) { (node) throws(ScenarioError) in
                try node.double(in: 0...1)
            },
            setting("staggered", \.maintainStaggered, flag),
        ]),
        ("costs", [
            // Step 1's event write (the `started` kind of `events.kinds`).
            Setting(key: "started_event") { (node) throws(ScenarioError) in
                let cost = try node.distribution()
                return { $0.events.overrides[.started] = cost }
            },
            setting("fold", \.foldCost, distribution),
        ]),
        ("events", [
            Setting(key: "write") { (node) throws(ScenarioError) in
                let kind = try node.enumValue(["database", "spool"])
                return { config in
                    switch (kind, config.events.write) {
                    case ("database", .spool): config.events.write = .database(serialisation: ModelConfig.eventSerialisation)
                    case ("spool", .database): config.events.write = .spool(append: ModelConfig.spoolAppend)
                    default: break
                    }
                }
            },
            Setting(key: "serialisation") { (node) throws(ScenarioError) in
                let cost = try node.distribution()
                return { $0.events.write = .database(serialisation: cost) }
            },
            Setting(key: "append") { (node) throws(ScenarioError) in
                let cost = try node.distribution()
                return { $0.events.write = .spool(append: cost) }
            },
            setting("step1", \.startedEvent) { (node) throws(ScenarioError) in try node.enumValue(StartedEvent.self) },
            Setting(key: "kinds") { (node) throws(ScenarioError) in
                let fields = try node.mapping(allowedKeys: EventKind.allCases.map(\.rawValue))
                var costs: [(EventKind, Distribution)] = []
                for entry in fields.entries {
                    guard let kind = EventKind(rawValue: entry.key) else { continue }
                    costs.append((kind, try entry.value.distribution()))
                }
                let chosen = costs
                return { config in for (kind, cost) in chosen { config.events.overrides[kind] = cost } }
            },
        ]),
        ("coalescing", [
            Setting(key: "enqueue_dedup_queues") { (node) throws(ScenarioError) in
                var scopes: [QueueScope] = []
                for item in try node.elements() { scopes.append(try item.enumValue(QueueScope.self)) }
                let chosen = scopes
                return { $0.enqueueDedupQueues = chosen }
            },
            Setting(key: "fold_skips_batch_of_one") { (node) throws(ScenarioError) in
                let value = try node.bool()
                return { $0.coalescing.foldSkipsBatchOfOne = value }
            },
            Setting(key: "enqueue_reuse_needs_urgency") { (node) throws(ScenarioError) in
                let value = try node.bool()
                return { $0.coalescing.enqueueReuseNeedsUrgency = value }
            },
        ]),
        ("simulation", [
            setting("idle_rounds", \.idleRounds) { (node) throws(ScenarioError) in try node.enumValue(IdleRounds.self) },
        ]),
        ("startup", [
            setting("restore_each_network_once", \.startupRestoresEachNetworkOnce, flag),
            setting("release_claims", \.startupReleasesClaims, flag),
        ]),
    ]

    /// Settings written directly under `overrides:`.
    static let topSettings: [Setting] = [
        setting("idle", \.idle, readIdle),
        setting("retry_delays", \.retryDelays) { (node) throws(ScenarioError) in
            var delays: [Duration] = []
            for item in try node.elements() { delays.append(try item.duration()) }
            return delays
        },
        // The earlier spelling of `hard_delete.after`, still accepted.
        setting("hard_delete_after", \.hardDeleteAfter, duration),
    ]

    static var keys: [String] {
        topSettings.map(\.key) + sections.map(\.name) + ["tasks"]
    }

    static func read(_ node: YAMLNode) throws(ScenarioError) -> [ConfigOverride] {
        let mapping = try node.mapping(allowedKeys: keys)
        var out: [ConfigOverride] = []
        for entry in mapping.entries {
            if let setting = topSettings.first(where: { $0.key == entry.key }) {
                out.append(ConfigOverride(keyPath: entry.value.path.description, line: entry.value.line,
                                          apply: try setting.read(entry.value)))
            } else if let section = sections.first(where: { $0.name == entry.key }) {
                let fields = try entry.value.mapping(allowedKeys: section.settings.map(\.key))
                for field in fields.entries {
                    guard let setting = section.settings.first(where: { $0.key == field.key }) else { continue }
                    out.append(ConfigOverride(keyPath: field.value.path.description, line: field.value.line,
                                              apply: try setting.read(field.value)))
                }
            } else if entry.key == "tasks" {
                out += try TaskOverridesParser.read(entry.value)
            }
        }
        return out
    }

    /// `{flat: 15s}` or `{ladder: {first: 100ms, cap: 15s, max_doublings: 64}}`.
    static func readDefer(_ node: YAMLNode) throws(ScenarioError) -> DeferPolicy {
        let mapping = try node.mapping(allowedKeys: ["flat", "ladder"])
        let kind = try mapping.exactlyOne(of: ["flat", "ladder"])
        if kind.key == "flat" { return .flat(try kind.value.duration()) }
        let ladder = try kind.value.mapping(allowedKeys: ["first", "cap", "max_doublings"])
        let first = try ladder.required("first").positiveDuration()
        let cap = try ladder.required("cap").positiveDuration()
        guard cap >= first else { throw ladder.node.error("cap must be at least first") }
        let doublings = try ladder.optional("max_doublings")?.int(in: 0...1000) ?? DeferPolicy.defaultMaxDoublings
        return .ladder(first: first, cap: cap, maxDoublings: doublings)
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

    /// The largest pool size a scenario may ask for.
    static let maximumWorkers = 100_000.0

    /// A number in (0, `limit`]: every out-of-range value gets the same message.
    static func positive(_ node: YAMLNode, atMost limit: Double) throws(ScenarioError) -> Double {
        let what = "a number greater than 0 and at most \(plain(limit))"
        let value: Double
        do { value = try node.double(in: 0...limit) } catch { throw node.expected(what) }
        guard value > 0 else { throw node.expected(what) }
        return value
    }
}
