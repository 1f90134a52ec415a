import Model
import Sim

/// Reads `overrides:` (of the scenario or of a variant): changes to any model default.
///
/// ```yaml
/// overrides:
///   sf_net: {batch_size: 10, defer: {ladder: {first: 100ms, cap: 15s}}}
///   sf_queues: {max_workers: 3, reserved_user_slots: 2, defer: {flat: 15s}}
///   idle: {flat: 200ms}
///   tasks:
///     network_apply_update_dnsmasq: {service: {lognormal: {median: 600ms, p99: 2.5s}}}
/// ```
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

    /// The settings of each section of `overrides:`, in the order error messages list them.
    static let sections: [(name: String, settings: [Setting])] = [
        ("sf_net", [
            setting("batch_size", \.netBatchSize) { (node) throws(ScenarioError) in try node.int(in: 1...256) },
            setting("defer", \.netDefer, readDefer),
            setting("workers", \.netWorkers) { (node) throws(ScenarioError) in try node.int(in: 0...64) },
            setting("worker_queue_capacity", \.netWorkerQueueCapacity) { (node) throws(ScenarioError) in
                try node.int(in: 1...100_000)
            },
        ]),
        ("sf_queues", [
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
            setting("disk_metric_refresh", \.diskMetricRefresh) { (node) throws(ScenarioError) in
                try node.positiveDuration()
            },
            setting("defer", \.queuesDefer, readDefer),
        ]),
        ("reaper", [
            setting("interval", \.reaperInterval) { (node) throws(ScenarioError) in try node.positiveDuration() },
            setting("claim_timeout", \.claimTimeout) { (node) throws(ScenarioError) in try node.positiveDuration() },
            setting("max_attempts", \.maxAttempts) { (node) throws(ScenarioError) in try node.int(in: 1...1000) },
        ]),
        ("waiters", [
            setting("poll", \.waiterPoll) { (node) throws(ScenarioError) in try node.positiveDuration() },
            setting("api_async_wait", \.apiAsyncWait) { (node) throws(ScenarioError) in try node.positiveDuration() },
            setting("rest_client_poll", \.restClientPoll) { (node) throws(ScenarioError) in
                try node.positiveDuration()
            },
        ]),
        ("maintain", [
            setting("interval", \.maintainInterval) { (node) throws(ScenarioError) in try node.positiveDuration() },
            setting("queue_depth_limit", \.maintainQueueDepthLimit) { (node) throws(ScenarioError) in
                try node.int(in: 0...)
            },
            setting("settle_time", \.maintainSettleTime) { (node) throws(ScenarioError) in try node.duration() },
            setting("error_backoff", \.maintainErrorBackoff) { (node) throws(ScenarioError) in try node.duration() },
            setting("unhealthy_probability", \.maintainUnhealthyProbability) { (node) throws(ScenarioError) in
                try node.double(in: 0...1)
            },
            setting("staggered", \.maintainStaggered) { (node) throws(ScenarioError) in try node.bool() },
        ]),
        ("costs", [
            setting("started_event", \.startedEventCost) { (node) throws(ScenarioError) in try node.distribution() },
            setting("fold", \.foldCost) { (node) throws(ScenarioError) in try node.distribution() },
        ]),
        ("startup", [
            setting("restore_each_network_once", \.startupRestoresEachNetworkOnce) { (node) throws(ScenarioError) in
                try node.bool()
            },
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
        setting("hard_delete_after", \.hardDeleteAfter) { (node) throws(ScenarioError) in try node.duration() },
    ]

    static var keys: [String] {
        ["sf_net", "sf_queues", "idle", "retry_delays", "reaper", "hard_delete_after", "waiters", "maintain", "tasks",
         "costs", "startup"]
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
                out += try readTasks(entry.value)
            }
        }
        return out
    }

    /// `tasks: {name: {service: <distribution>, failure_probability: 0.01, disk: 500}}`.
    /// A task not in the defaults must give `service`.
    static func readTasks(_ node: YAMLNode) throws(ScenarioError) -> [ConfigOverride] {
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
            // A node has one disk: a million ms/s is far beyond busy, and sums of loads stay finite.
            let disk = try fields.optional("disk")?.double(in: 0...1_000_000)
            out.append(ConfigOverride(keyPath: entry.value.path.description, line: entry.value.line,
                                      definesTask: task) { config in
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

    /// The largest pool size a scenario may ask for.
    static let maximumWorkers = 100_000.0

    /// A number in (0, `limit`].
    static func positive(_ node: YAMLNode, atMost limit: Double) throws(ScenarioError) -> Double {
        let value = try node.double(in: 0...limit)
        guard value > 0 else { throw node.expected("a number greater than 0 and at most \(plain(limit))") }
        return value
    }
}
