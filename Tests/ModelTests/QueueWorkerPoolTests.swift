@testable import Model
import Sim
import Testing

/// sf-queues (model file, section 5): pool size and overshoot, the two slots kept for user
/// work, the disk gate on `*_high_io` background lanes, and the still-`queued` check.
@Suite struct QueueWorkerPoolTests {
    static let anyUser = QueueName(.any, .clusterOperation, .userFacing)
    static let anyBackground = QueueName(.any, .clusterOperation, .background)
    static let anyBackgroundHighIO = QueueName(.any, .clusterOperation, .backgroundHighIO)

    @Test(arguments: [(2, 3.0), (6, 3.0), (8, 4.0), (9, 4.5), (16, 8.0)])
    func maxWorkersIsThreeOrHalfTheCPUsWhicheverIsLarger(cpus: Int, expected: Double) {
        #expect(ModelConfig.preset(.facade).maxWorkers(cpus: cpus) == expected)
    }

    /// `busy > max_workers` stops claiming, but at busy == int(max) the `>` test passes and
    /// `limit = max(1, int(max) - busy)` is 1, so one more item is claimed: the pool reaches
    /// int(max) + 1 (4 for 4 CPUs, 5 for 9 CPUs where max is 4.5, 9 for 16 CPUs). Ideal mode
    /// keeps the pool exact.
    @Test(arguments: [(4, false, 4), (9, false, 5), (16, false, 9), (9, true, 4)])
    func poolOvershootsToIntMaxWorkersPlusOne(cpus: Int, ideal: Bool, expectedPeak: Int) {
        var config = ModelConfig.exact(.plan, roundTrip: .milliseconds(1), tasks: [FixedTask("long", seconds: 100)])
        if ideal { config.makeIdeal() }
        let events = (0..<12).map { ScheduledAction.op(at: 0, "op-\($0)", "long", on: Self.anyUser) }
        let result = Cluster.run(config, cpus: cpus, workload: Workload(events: events))
        #expect(result.ending == .completed)
        #expect(result.counts.completed == 12)
        #expect(result.peakBusy["node-1/sf-queues"] == expectedPeak)
    }

    /// 4 CPUs: max_workers 3, so background lanes are requested only while busy <= 1. With two
    /// user items running the background op waits for one of them to end (t ~ 100); with one
    /// it starts at the next poll.
    @Test(arguments: [(1, false), (2, true)])
    func backgroundLanesWaitWhileOnlyTheReservedUserSlotsAreFree(userItems: Int, backgroundWaits: Bool) {
        let config = ModelConfig.exact(.facade, roundTrip: .milliseconds(1),
                                       tasks: [FixedTask("user", seconds: 100), FixedTask("chore", seconds: 1)])
        var events = (0..<userItems).map { ScheduledAction.op(at: 0, "user-\($0)", "user", on: Self.anyUser) }
        events.append(.op(at: 5, "chore", "chore", on: Self.anyBackground))
        let result = Cluster.run(config, cpus: 4, workload: Workload(events: events))
        let choreStart = result.events(.started, task: "chore").map(\.seconds)
        let firstUserEnd = result.events(.terminal, task: "user").map(\.seconds).min() ?? 0
        #expect(choreStart.count == 1)
        if backgroundWaits {
            #expect(choreStart.allSatisfy { $0 >= firstUserEnd && $0 < firstUserEnd + 1 })
        } else {
            #expect(choreStart.allSatisfy { $0 < 6 })
        }
    }

    /// 8 CPUs (max_workers 4: background allowed while busy <= 2, so the pool size is not what
    /// holds anything back). A user task keeps the disk busy for 200 s. The metric is sampled
    /// at t = 0 (idle disk) and then every 30 s, so a `background_high_io` op at t = 10 still
    /// sees the stale idle value and runs; one at t = 40 is held while the metric reads over
    /// 800 ms/s, until the first refresh after the user task ends. A plain background op at
    /// t = 40 is not held, nor is a `user_facing_high_io` op at t = 45 (a user lane). At 700 ms/s
    /// nothing is held.
    @Test(arguments: [(900.0, true), (700.0, false)])
    func highIOBackgroundLanesAreSkippedWhileTheDiskMetricIsOver800(diskLoad: Double, held: Bool) {
        let config = ModelConfig.exact(.facade, roundTrip: .milliseconds(1), tasks: [
            FixedTask("disky", seconds: 200, diskMillisecondsPerSecond: diskLoad),
            FixedTask("early_io", seconds: 1), FixedTask("late_io", seconds: 1), FixedTask("plain", seconds: 1),
            FixedTask("user_io", seconds: 1),
        ])
        let events: [ScheduledAction] = [
            .op(at: 0, "disky", "disky", on: Self.anyUser),
            .op(at: 10, "early", "early_io", on: Self.anyBackgroundHighIO),
            .op(at: 40, "late", "late_io", on: Self.anyBackgroundHighIO),
            .op(at: 40, "plain", "plain", on: Self.anyBackground),
            .op(at: 45, "user-io", "user_io", on: QueueName(.any, .clusterOperation, .userFacingHighIO)),
        ]
        let result = Cluster.run(config, cpus: 8, workload: Workload(events: events))
        let start = { (task: TaskName) in result.events(.started, task: task).first?.seconds ?? -1 }
        let diskyEnd = result.events(.terminal, task: "disky").first?.seconds ?? -1
        #expect(start("early_io") > 10 && start("early_io") < 11)
        #expect(start("plain") > 40 && start("plain") < 41)
        #expect(start("user_io") > 45 && start("user_io") < 46)
        if held {
            // Released by the first refresh at least 30 s after the one that saw the load.
            #expect(start("late_io") >= diskyEnd && start("late_io") <= diskyEnd + 31)
        } else {
            #expect(start("late_io") > 40 && start("late_io") < 41)
        }
    }

    /// Section 3: node user lanes, `any` user lanes, then (when allowed) node background lanes,
    /// `any` background lanes; each group most urgent first.
    @Test func sfQueuesAsksForNodeThenAnyUserLanesThenNodeThenAnyBackgroundLanes() {
        let bench = Bench(config: .exact(.facade), nodes: 2)
        let pool = QueueWorkerPool(context: bench.context, node: .n2)
        bench.run { _ in
            let node = QueueName.lanes(.node(.n2), .clusterOperation)
            let any = QueueName.lanes(.any, .clusterOperation)
            #expect(await pool.requestedQueues() == node.prefix(3) + any.prefix(3) + node.suffix(2) + any.suffix(2))
        }
    }

    /// 4 CPUs: the pool fills to 4 at t = 0.2 and idles in 0.2 s steps while full. All four end
    /// at 10.25, between two polls; the fifth op starts at the next poll, 10.4. In ideal mode
    /// the pool is woken by the freed slot and starts it at once.
    @Test(arguments: [false, true])
    func aFullPoolNoticesAFreedSlotUpToOneIdleIntervalLate(ideal: Bool) {
        var config = ModelConfig.exact(.facade, tasks: [FixedTask("long", seconds: 10.05)])
        if ideal { config.makeIdeal() }
        let events = (0..<5).map { ScheduledAction.op(at: 0, "op-\($0)", "long", on: Self.anyUser) }
        let result = Cluster.run(config, cpus: 4, workload: Workload(events: events))
        let starts = result.events(.started, task: "long").map(\.seconds)
        let firstEnd = result.events(.terminal, task: "long").map(\.seconds).min() ?? -1
        #expect(starts.count == 5)
        let lateness = (starts.last ?? -1) - firstEnd
        if ideal {
            #expect(same(lateness, 0))
        } else {
            #expect(same(firstEnd, 10.25) && same(lateness, 0.15))
        }
    }

    /// An op left in `executing` (its worker crashed after the executing write; the row was
    /// then released) is not run again by sf-queues: after the dependency checks it re-reads
    /// the op, finds it not `queued`, and drops the row. A `queued` op on the same path runs.
    @Test(arguments: [OpState.queued, .executing])
    func anItemRunsOnlyIfItsOpIsStillQueuedAfterDependencyChecks(state: OpState) throws {
        let bench = Bench(config: .exact(.facade, tasks: [FixedTask("work", seconds: 1)]))
        bench.startQueues(.n1)
        bench.run { driver in
            let op = await driver.create(["work"], on: QueueName(.node(.n1), .clusterOperation, .userFacing))
            await driver.setState(op, state)
            try await driver.sleep(until: 5)
            // Whatever happened, the row is gone.
            #expect(await bench.database.depth(of: [QueueName(.node(.n1), .clusterOperation, .userFacing)]) == 0)
            #expect(await driver.load(op)?.state == (state == .queued ? .complete : .executing))
        }
        let op = try bench.createdOp(0)
        #expect(bench.events(op, .started).count == (state == .queued ? 1 : 0))
    }
}
