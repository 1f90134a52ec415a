import Model
import Sim

/// What one run of a scenario variant will cost, estimated from the file before it starts.
///
/// Two figures, because they exhaust different things:
///
/// - **ops** the workload, its sources and maintain create. Memory follows them: a pending op
///   holds about 1.6 KB (measured with `/usr/bin/time -v`: 500,000 ops queued behind a
///   one-hour service time peaked at 800 MB resident, 1,000,000 at 1.6 GB), and a run takes
///   about 50 µs of one core per op (mmc: 100,000 ops in 4.5 s).
/// - **wake-ups** of the model's loops that repeat while time passes: idle daemon polls,
///   maintain and reaper passes, waiters' polls, dependency defers. They cost time only, about
///   20 µs each (a singular poll is five round trips and claims).
///
/// Loops that last as long as the run are counted over the *span*: from the start to the last
/// scheduled arrival plus ``drainAllowance``, within the time limit (a run ends when its work
/// has drained, usually long before a generous time limit). Loops that last as long as one
/// op waits (a REST client polling its instance start, an API handler, a defer) are counted
/// over ``typicalWait`` each, and an API handler at most until `api_async_wait`. A loop whose
/// period is zero (a flat defer of 0 s with free round trips) is not counted: it does not
/// move the clock, and the kernel's per-instant guard stops it (``jobsPerInstant``).
public struct RunCost: Sendable {
    /// One contributor, with where it was written (nil: a default of the model).
    public struct Part: Sendable {
        public var location: SourceLocation?
        public var what: String
        public var ops: Double
        public var wakeups: Double
    }

    public var ops: Double
    public var wakeups: Double
    public var parts: [Part]

    /// Time after the last scheduled arrival within which queues are assumed to drain.
    public static let drainAllowance = Duration.seconds(600)
    /// How long an op is assumed to wait for its work: the shipped scenarios' p99 waits are
    /// all under 90 s, most under 20 s.
    public static let typicalWait = Duration.seconds(60)

    /// Kernel jobs allowed at one instant before the run is stopped as making no progress:
    /// a burst of ops at one instant takes 10 to 20 jobs each; a hundred per op, plus room for
    /// every daemon of a thousand nodes, never stops a real burst.
    public var jobsPerInstant: UInt64 { Self.jobs(200_000 + 100 * ops) }

    /// Kernel jobs the whole run may take: twenty times a generous reckoning (200 jobs per op,
    /// 10 per wake-up; the shipped scenarios use 6 to 200 per op, polls included). Only a loop
    /// this estimate does not foresee reaches it.
    public var jobLimit: UInt64 { Self.jobs(2_000_000 + 20 * (200 * ops + 10 * wakeups)) }

    private static func jobs(_ value: Double) -> UInt64 {
        value.isFinite ? UInt64(min(value, 1e18)) : UInt64(1e18)
    }
}

extension RunCost {
    /// The cost of one run of `scenario` with `config` (one variant's configuration; naming
    /// `variant` lets messages point at its own overrides, not any variant's).
    public init(of scenario: Scenario, config: ModelConfig, variant: Variant? = nil) {
        var estimator = Estimator(scenario: scenario, config: config, variant: variant)
        estimator.run()
        self.init(ops: estimator.parts.reduce(0) { $0 + $1.ops }, wakeups: estimator.parts.reduce(0) { $0 + $1.wakeups },
                  parts: estimator.parts)
    }
}

private struct Estimator {
    let scenario: Scenario
    let config: ModelConfig
    /// The overrides that made `config`, in the order applied: the scenario's, then the
    /// variant's (every variant's when it is not named). Gathered once: gathering them at each
    /// lookup made the budget check quadratic in the variants (5,000 took 2 s).
    let overrides: [ConfigOverride]
    var parts: [RunCost.Part] = []

    init(scenario: Scenario, config: ModelConfig, variant: Variant?) {
        self.scenario = scenario
        self.config = config
        overrides = scenario.base.overrides
            + (variant.map { $0.settings.overrides } ?? scenario.variants.flatMap(\.settings.overrides))
    }

    private var nodes: Double { Double(scenario.topology.nodes.count) }
    private var roundTrip: Double { finite(config.roundTrip.meanSeconds) }

    mutating func run() {
        let workload = scenario.workload
        let limit = scenario.timeLimit.seconds
        var interfaces: [InstanceID: Double] = [:]
        for existing in workload.instances { interfaces[existing.instance] = Double(existing.interfaces.count) }
        var instanceStarts = 0.0
        var networks: Set<NetworkID> = Set(workload.networks)
        for event in workload.events {
            switch event.action {
            case .instanceStart(let instance, _, let list, _):
                interfaces[instance] = Double(list.count)
                instanceStarts += 1
            case .networkCreate(let network):
                networks.insert(network)
            default:
                break
            }
        }
        let allInterfaces = interfaces.values.reduce(0, +)
        // Mesh ops per interface: one per participating node, at most every node.
        let participants = min(nodes, Double(interfaces.count) + 1)

        // Ops and waits of the scripted events, one part per event as written.
        var lastActivity = 0.0
        var spanOrigin: SourceLocation? = nil
        var waits = 0.0
        // Repetitions of one written event add up in one part.
        var byOrigin: [String: (location: SourceLocation?, ops: Double)] = [:]
        var originOrder: [String] = []
        for (index, event) in workload.events.enumerated() {
            let at = event.at.seconds
            if at >= lastActivity {
                lastActivity = at
                spanOrigin = origin(event: index)
            }
            let ops: Double
            switch event.action {
            case .instanceStart(_, _, let list, let floatingIPs):
                ops = Double(list.count) * (participants + 1 + (floatingIPs ? 1 : 0)) + 1
            case .instanceDelete(let instance):
                ops = 1 + 2 * (interfaces[instance] ?? 1)
                waits += 1
            case .networkCreate, .floatingIPAdd, .floatingIPRemove:
                ops = 1
                waits += 1
            case .networkDelete:
                ops = nodes
                waits += 1
            case .nodeStop:
                ops = 0
            case .nodeStart:
                ops = 2 * allInterfaces
                waits += ops
            case .op(_, let wait):
                ops = 1
                if wait { waits += 1 }
            }
            let location = origin(event: index)
            let key = location?.keyPath ?? "workload[\(index)]"
            if byOrigin[key] == nil { originOrder.append(key) }
            byOrigin[key, default: (location, 0)].ops += ops
        }
        for key in originOrder {
            parts.append(RunCost.Part(location: byOrigin[key]?.location, what: "this event",
                                      ops: byOrigin[key]?.ops ?? 0, wakeups: 0))
        }

        // Sources: arrivals until their count, their `until` or the time limit.
        for (index, source) in workload.sources.enumerated() {
            let mean: Double
            switch source.arrivals {
            case .poisson(let rate): mean = 1 / rate
            case .fixed(let interval): mean = interval.seconds
            case .distribution(let distribution): mean = finite(distribution.meanSeconds)
            }
            let start = source.start.seconds
            let end = min(source.until?.seconds ?? .infinity, limit)
            let byTime = end <= start ? 0 : (mean > 0 ? (end - start) / mean : .infinity)
            let arrivals = min(source.count.map { Double($0) } ?? .infinity, byTime)
            let last = start + min(arrivals * mean, end - start)
            let location = scenario.sourceOrigins.indices.contains(index) ? scenario.sourceOrigins[index] : nil
            if last.isFinite && last >= lastActivity {
                lastActivity = last
                spanOrigin = location
            }
            if source.wait { waits += arrivals }
            parts.append(RunCost.Part(location: location, what: "this source", ops: arrivals, wakeups: 0))
        }
        // Trace sources: every op of the log (their places follow the other sources').
        for (index, trace) in workload.traces.enumerated() {
            let position = workload.sources.count + index
            let location = scenario.sourceOrigins.indices.contains(position) ? scenario.sourceOrigins[position] : nil
            let last = min(trace.ops.last?.at.seconds ?? 0, limit)
            if last >= lastActivity {
                lastActivity = last
                spanOrigin = location
            }
            parts.append(RunCost.Part(location: location, what: "this trace", ops: Double(trace.ops.count), wakeups: 0))
        }

        let span = min(limit, lastActivity + RunCost.drainAllowance.seconds)
        if span >= limit { spanOrigin = scenario.timeLimitOrigin ?? spanOrigin }

        // maintain: passes on every node; each finds each network unhealthy with probability p.
        let unhealthy = config.maintainUnhealthyProbability
        if unhealthy > 0 {
            let passes = nodes * span / (config.maintainInterval.seconds + roundTrip)
            parts.append(RunCost.Part(
                location: override("overrides.maintain.unhealthy_probability"), what: "maintain",
                ops: passes * Double(networks.count) * unhealthy * 2, wakeups: 0))
            parts.append(loop("maintain passes", setting: "overrides.maintain.interval", count: passes,
                              fallback: spanOrigin))
        }

        // Idle polls of sf-net and sf-queues on every node (none in ideal mode: woken on enqueue;
        // none either where the simulator skips them, drawing only their round trips, which
        // costs nanoseconds: see `IdleClaims`; `--naive-polling` runs them all, uncounted).
        if config.idle != .wakeOnEnqueue && !config.idleClaimsCanBeSkipped {
            let idle = config.idle.sleep(afterIdleRounds: 0).seconds
            let singular = config.dequeue == .singular
            let netCycle = idle + roundTrip * (singular ? 5 : 1)
            let queuesCycle = idle + roundTrip * (singular ? 20 : 1)
            // Named with why they are simulated: the budget's refusal is where a user meets it.
            parts.append(loop("idle daemon polls (each simulated: database.round_trip repeats a value; a continuous "
                              + "one skips them, see docs/scenario-format.md)", setting: "overrides.idle",
                              count: nodes * (cycles(span, netCycle) + cycles(span, queuesCycle)),
                              fallback: spanOrigin))
        }
        parts.append(loop("reaper passes", setting: "overrides.reaper.interval",
                          count: cycles(span, config.reaperInterval.seconds + roundTrip), fallback: spanOrigin))

        // Waiters: API handlers until done or api_async_wait; REST clients until the start is done.
        let waitFor = min(span, config.apiAsyncWait.seconds, RunCost.typicalWait.seconds)
        parts.append(loop("API waiters' polls", setting: "overrides.waiters.poll",
                          count: waits * cycles(waitFor, config.waiterPoll.seconds + roundTrip), fallback: spanOrigin))
        let typical = min(span, RunCost.typicalWait.seconds)
        parts.append(loop("REST clients' polls", setting: "overrides.waiters.rest_client_poll",
                          count: instanceStarts * cycles(typical, config.restClientPoll.seconds + roundTrip),
                          fallback: spanOrigin))

        // Dependency defers of instance starts (sf-queues) while their network ops run.
        let deferCycle: Double
        var ladderSteps = 0.0
        switch config.queuesDefer {
        case .flat(let delay): deferCycle = delay.seconds
        case .ladder(let first, let cap, _):
            deferCycle = cap.seconds
            ladderSteps = first > .zero ? log2(max(1, cap.seconds / first.seconds)) : 0
        }
        let cycle = deferCycle + 3 * roundTrip
        if cycle > 0 {
            parts.append(loop("dependency defers", setting: "overrides.sf_queues.defer",
                              count: instanceStarts * (ladderSteps + cycles(typical, cycle)), fallback: spanOrigin))
        }
    }

    /// How many times a loop of period `cycle` seconds turns in `time` seconds.
    private func cycles(_ time: Double, _ cycle: Double) -> Double {
        guard time > 0 else { return 0 }
        return cycle > 0 ? time / cycle : .infinity
    }

    private func loop(_ what: String, setting: String, count: Double, fallback: SourceLocation?) -> RunCost.Part {
        RunCost.Part(location: override(setting) ?? fallback, what: what, ops: 0, wakeups: count)
    }

    /// Where the setting at `keyPath` (e.g. `overrides.idle`) was last overridden, if it was:
    /// by the scenario or by a variant.
    private func override(_ keyPath: String) -> SourceLocation? {
        overrides.last { $0.keyPath == keyPath || $0.keyPath.hasSuffix("." + keyPath) }?.location
    }

    private func origin(event index: Int) -> SourceLocation? {
        scenario.eventOrigins.indices.contains(index) ? scenario.eventOrigins[index] : nil
    }

    private func finite(_ value: Double) -> Double { value.isFinite ? value : .greatestFiniteMagnitude }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
