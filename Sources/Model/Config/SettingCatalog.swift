import Sim

/// Where a default comes from.
public enum Provenance: Sendable, Equatable {
    /// Stated by the model of the real system (`docs/model.md`, which follows the model file's
    /// sections): the section.
    case sourced(String)
    /// Not known from the real system: chosen here, for the reason given.
    case assumed(String)
}

/// One setting of ``ModelConfig``: its name in scenario files, how to show its value, and
/// where its default comes from in each era. `simrun model show` prints the catalog for a
/// run, marking the settings a scenario changed.
public struct ModelSetting: Sendable {
    /// The key path a scenario writes it at (`overrides.sf_net.batch_size`, `steps`).
    public let key: String
    public let value: @Sendable (ModelConfig) -> String
    public let provenance: @Sendable (Era) -> Provenance

    init(_ key: String, _ provenance: Provenance, _ value: @escaping @Sendable (ModelConfig) -> String) {
        self.key = key
        self.value = value
        self.provenance = { _ in provenance }
    }

    init(_ key: String, byEra provenance: @escaping @Sendable (Era) -> Provenance,
         _ value: @escaping @Sendable (ModelConfig) -> String) {
        self.key = key
        self.value = value
        self.provenance = provenance
    }

    /// Every setting, in the order `model show` lists them; tasks are listed per task by
    /// ``taskSettings(_:)``.
    public static let catalog: [ModelSetting] = [
        ModelSetting("era", .sourced("§1"), { $0.era.rawValue }),
        ModelSetting("ideal", .assumed("off: the real system pays round trips and polls"), { "\($0.ideal)" }),
        ModelSetting("steps", .sourced("§1, §9 (none in facade; all in plan and later)"), { config in
            config.steps.isEmpty ? "none" : config.steps.sorted().map(\.description).joined(separator: ", ")
        }),
        ModelSetting("follow_up", .sourced("§9 (not landed: off)"), { "\($0.followUp)" }),
        ModelSetting("coalescing", .sourced("§9 (plan: PR #3194; later: phase 11)"), { render($0.coalescing) }),
        ModelSetting("coalescing_sql", .sourced("§9 (matches: the plan as designed; inert: as deployed, #3878)"),
                     { $0.coalescingSQL.rawValue }),
        ModelSetting("overrides.coalescing.enqueue_dedup_queues", byEra: { era in
            era == .later
                ? .assumed("phase 11 is not said to widen step 5; kept the plan's networknode-only lookup")
                : .sourced("§9 step 5 (networknode targets only)")
        }, { $0.enqueueDedupQueues.map(\.rawValue).joined(separator: ", ") }),
        ModelSetting("overrides.costs.fold", .sourced("§9 step 4 (p50 3.7 ms, p90 5.2 ms, p99 88.6 ms; ends assumed)"),
                     { $0.foldCost.description }),
        ModelSetting("database.round_trip", .assumed("LAN MariaDB, median 1 ms, p99 10 ms: no measurement known"),
                     { $0.roundTrip.description }),
        ModelSetting("database.claim_cap", .sourced("§3"), { "\($0.claimCap)" }),
        ModelSetting("overrides.events.write", .sourced("§4 (database insert in facade and plan; spool in later)"),
                     { render($0.events.write) }),
        ModelSetting("overrides.events.serialisation",
                     .assumed("median 0.2 ms, p99 1 ms: a small JSON document built in Python; not measured"),
                     { config in
            if case .database(let serialisation) = config.events.write { return serialisation.description }
            return "-"
        }),
        ModelSetting("overrides.events.kinds", .assumed("none: every kind costs the era's write"), { config in
            config.events.overrides.isEmpty ? "none"
                : config.events.overrides.keys.sorted().map { "\($0.rawValue) \(config.events.overrides[$0]!)" }
                    .joined(separator: "; ")
        }),
        ModelSetting("overrides.events.step1", .sourced("§9 (a separate event at pickup; folded: §4's merged step 1)"),
                     { $0.startedEvent.rawValue }),
        ModelSetting("overrides.sf_net.batch_size", .sourced("§4 (BATCH_SIZE)"), { "\($0.netBatchSize)" }),
        ModelSetting("overrides.sf_net.dequeue", .sourced("§1, §9 step 2 (batched with step 2)"),
                     { $0.netDequeue.rawValue }),
        ModelSetting("overrides.sf_net.singular_dequeue", .sourced("§4 (rounds; other shapes selectable)"),
                     { $0.netSingularDequeue.rawValue }),
        ModelSetting("overrides.sf_net.defer", .sourced("§7"), { render($0.netDefer) }),
        ModelSetting("overrides.sf_net.workers", .sourced("§1 (4 in later)"), { "\($0.netWorkers)" }),
        ModelSetting("overrides.sf_net.worker_queue_capacity", .sourced("§1"), { "\($0.netWorkerQueueCapacity)" }),
        ModelSetting("overrides.sf_queues.dequeue", .sourced("§1, §9 step 2"), { $0.queuesDequeue.rawValue }),
        ModelSetting("overrides.sf_queues.singular_dequeue",
                     .assumed("rounds, as sf-net's (§4); the model file does not describe sf-queues' singular walk"),
                     { $0.queuesSingularDequeue.rawValue }),
        ModelSetting("overrides.sf_queues.min_workers", .sourced("§5"), { plain($0.minimumWorkers) }),
        ModelSetting("overrides.sf_queues.cpus_per_worker", .sourced("§5"), { plain($0.cpusPerWorker) }),
        ModelSetting("overrides.sf_queues.max_workers", .sourced("§5 (the rule, unless fixed)"),
                     { $0.maxWorkersOverride.map(plain) ?? "max(min_workers, cpus / cpus_per_worker)" }),
        ModelSetting("overrides.sf_queues.reserved_user_slots", .sourced("§5"), { "\($0.reservedUserSlots)" }),
        ModelSetting("overrides.sf_queues.disk_busy_threshold", .sourced("§5 (ms per s)"),
                     { plain($0.diskBusyThresholdMillisecondsPerSecond) }),
        ModelSetting("overrides.sf_queues.disk_metric_refresh", .sourced("§5"), { seconds($0.diskMetricRefresh) }),
        ModelSetting("overrides.sf_queues.defer", .sourced("§7"), { render($0.queuesDefer) }),
        ModelSetting("overrides.idle", .sourced("§6"), { render($0.idle) }),
        ModelSetting("overrides.simulation.idle_rounds",
                     .assumed("exact: every skipped round's round trips drawn, the results of polling tick by tick"),
                     { $0.idleRounds.rawValue }),
        ModelSetting("overrides.retry_delays", .sourced("§7"), { $0.retryDelays.map(seconds).joined(separator: ", ") }),
        ModelSetting("overrides.startup.release_claims", .sourced("§7 (restart_work_queue); reviving the ops of "
                                                                  + "released rows as queued is assumed"),
                     { "\($0.startupReleasesClaims)" }),
        ModelSetting("overrides.startup.restore_each_network_once",
                     .assumed("off: a caller-side fix not in the plan, kept to measure it"),
                     { "\($0.startupRestoresEachNetworkOnce)" }),
        ModelSetting("overrides.reaper.interval", .sourced("§7"), { seconds($0.reaperInterval) }),
        ModelSetting("overrides.reaper.claim_timeout", .sourced("§7"), { seconds($0.claimTimeout) }),
        ModelSetting("overrides.reaper.max_attempts", .sourced("§7"), { "\($0.maxAttempts)" }),
        ModelSetting("overrides.hard_delete.after", .sourced("§7 (_deleted_object_delay)"),
                     { seconds($0.hardDeleteAfter) }),
        ModelSetting("overrides.hard_delete.interval",
                     .sourced("§7 (per_deleted_object_checks); sweeps at whole multiples from the run's start is "
                              + "assumed"), { seconds($0.hardDeleteInterval) }),
        ModelSetting("overrides.waiters.poll", .sourced("§8"), { seconds($0.waiterPoll) }),
        ModelSetting("overrides.waiters.api_async_wait", .sourced("§1, §8 (15 s; 60 s in later)"),
                     { seconds($0.apiAsyncWait) }),
        ModelSetting("overrides.waiters.rest_client_poll", .sourced("§8"), { seconds($0.restClientPoll) }),
        ModelSetting("overrides.maintain.interval", .sourced("§8b"), { seconds($0.maintainInterval) }),
        ModelSetting("overrides.maintain.queue_depth_limit", .sourced("§8b"), { "\($0.maintainQueueDepthLimit)" }),
        ModelSetting("overrides.maintain.settle_time", .sourced("§8b"), { seconds($0.maintainSettleTime) }),
        ModelSetting("overrides.maintain.error_backoff", .sourced("§8b"), { seconds($0.maintainErrorBackoff) }),
        ModelSetting("overrides.maintain.error_streak", .sourced("§8b (the circuit breaker)"),
                     { "\($0.maintainErrorStreak)" }),
        ModelSetting("overrides.maintain.unhealthy_probability",
                     .assumed("0: networks are healthy unless a scenario says how often they drift"),
                     { plain($0.maintainUnhealthyProbability) }),
        ModelSetting("overrides.maintain.mesh_only_fraction",
                     .assumed("0: every finding reconciles the full set; no figure known"),
                     { plain($0.maintainMeshOnlyFraction) }),
        ModelSetting("overrides.maintain.staggered",
                     .assumed("on: daemons start at different moments, so passes are out of step"),
                     { "\($0.maintainStaggered)" }),
    ]

    /// The settings of each task `config` knows, in name order.
    public static func taskSettings(_ config: ModelConfig) -> [(key: String, value: String, provenance: Provenance)] {
        config.tasks.keys.sorted().flatMap { task -> [(key: String, value: String, provenance: Provenance)] in
            guard let profile = config.tasks[task] else { return [] }
            let source = DefaultTaskProfiles.sources[task] ?? .assumed("not a default task")
            var rows: [(key: String, value: String, provenance: Provenance)] = [
                ("overrides.tasks.\(task).service", profile.service.description, source),
                ("overrides.tasks.\(task).scope", profile.scope.rawValue,
                 DefaultTaskProfiles.all[task] == nil ? .assumed("parameters: the narrowest scope")
                    : .sourced("§8 (what the task changes)")),
            ]
            if profile.failureProbability > 0 {
                rows.append(("overrides.tasks.\(task).failure_probability", plain(profile.failureProbability), source))
            }
            if profile.diskMillisecondsPerSecond > 0 {
                rows.append(("overrides.tasks.\(task).disk", plain(profile.diskMillisecondsPerSecond), source))
            }
            if !profile.enqueues.isEmpty {
                rows.append(("overrides.tasks.\(task).enqueues",
                             profile.enqueues.map(render).joined(separator: "; "),
                             DefaultTaskProfiles.all[task]?.enqueues.isEmpty == false
                                ? .sourced("§8 (instance delete; waiting on them is assumed)")
                                : .assumed("a scenario's handler")))
            }
            return rows
        }
    }

    // MARK: Rendering

    static func seconds(_ duration: Duration) -> String { "\(plain(duration.seconds))s" }

    static func plain(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : formatFixed(value, decimals: 6)
            .replacingTrailingZeros()
    }

    static func render(_ policy: DeferPolicy) -> String {
        switch policy {
        case .flat(let delay): return "flat \(seconds(delay))"
        case .ladder(let first, let cap, let doublings):
            return "ladder from \(seconds(first)) doubling, cap \(seconds(cap)), at most \(doublings) doublings"
        }
    }

    static func render(_ policy: IdlePolicy) -> String {
        switch policy {
        case .flat(let sleep): return "flat \(seconds(sleep))"
        case .backoff(let steps): return "backoff " + steps.map(seconds).joined(separator: ", ")
        case .wakeOnEnqueue: return "woken on enqueue (ideal)"
        }
    }

    static func render(_ write: EventWrite) -> String {
        switch write {
        case .database: return "database (one round trip plus serialisation)"
        case .spool(let append): return "spool (append \(append))"
        }
    }

    static func render(_ set: CoalescingSet) -> String {
        let rules = set.rules.map { rule in
            "\(rule.type.rawValue) [\(rule.tasks.map(\.name).joined(separator: ", "))] on "
                + rule.key.map(\.rawValue).joined(separator: "+")
                + (rule.queues.map { " (" + $0.map(\.rawValue).joined(separator: ", ") + " queues)" } ?? "")
        }
        var guards: [String] = []
        if set.foldSkipsBatchOfOne { guards.append("no fold for a batch of one") }
        if set.enqueueReuseNeedsUrgency { guards.append("reuse only as urgent") }
        return "\(set.name): " + (rules.isEmpty ? "nothing" : rules.joined(separator: "; "))
            + (guards.isEmpty ? "" : "; " + guards.joined(separator: ", "))
    }

    static func render(_ enqueue: TaskEnqueue) -> String {
        let target: String
        switch enqueue.target {
        case .networkNode: target = "networknode"
        case .any: target = "any"
        case .node(let node): target = node.description
        case .thisNode: target = "this_node"
        }
        return "\(enqueue.type.rawValue) \(enqueue.task) \(enqueue.priority.name) on \(target) "
            + "(\(enqueue.fanout.rawValue)\(enqueue.wait ? ", waits" : ""))"
    }
}

extension String {
    /// `0.500000` → `0.5`; `2.000000` → `2`.
    func replacingTrailingZeros() -> String {
        guard contains(".") else { return self }
        var text = self
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}
