import Foundation
import Model
import Scenarios
import Sim
import Testing

/// Skipping the polls that cannot see a change gives the results of polling tick by tick
/// (``RunOptions/naivePolling``): on every shipped scenario and default variant, the report
/// (JSON and table) and the trace of every op event are the same bytes, except the kernel's
/// job count, which is what the skip saves. That covers the waiters' polls and the daemons'
/// idle claims (sf-net, sf-queues: `IdleClaims`), whose round trips the report counts.
///
/// Each run is cut at 20 minutes of simulated time, so the check stays cheap (the M/M/3 runs
/// for 11 hours) and also covers runs that end at their time limit with waiters still
/// polling; the CI and start scenarios end well before it, whole.
@Suite struct NaivePollingEquivalence {
    static let shipped: [String] = {
        let directory = CLI.packageRoot.appendingPathComponent("scenarios")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted().map { directory.appendingPathComponent($0).path }
    }()

    static let cut = Duration.seconds(20 * 60)

    /// The report and trace with every kernel job count replaced by a placeholder.
    static func withoutJobs(_ text: String) -> String {
        text.replacingOccurrences(of: #""jobs": *[0-9]+"#, with: "\"jobs\": _", options: .regularExpression)
            .replacingOccurrences(of: #"[0-9]+ kernel jobs"#, with: "_ kernel jobs", options: .regularExpression)
    }

    @Test(arguments: shipped)
    func skippedPollsGiveTheSameBytesAsNaivePolling(path: String) throws {
        var scenario = try ScenarioParser.load(path: path)
        scenario.timeLimit = min(scenario.timeLimit, Self.cut)
        let naive = try ScenarioRunner.run(scenario, measureWallTime: false, tracing: true, naivePolling: true)
        let skipped = try ScenarioRunner.run(scenario, measureWallTime: false, tracing: true)
        Self.expectSameOutput(skipped, naive, strictlyFewerJobs: false)
    }

    /// The JSON, the table and the trace are the same bytes apart from job counts, and so the
    /// fingerprints are equal (with strictly fewer jobs, they show the count is left out); the round
    /// trips per connection (kept while tracing) and per kind are the ones polling makes; and
    /// skipping takes no more kernel jobs (strictly fewer where daemons idle at all).
    static func expectSameOutput(_ skipped: ReplicatedReport, _ naive: ReplicatedReport, strictlyFewerJobs: Bool) {
        #expect(!naive.traceLines.isEmpty)
        #expect(withoutJobs(skipped.json.rendered()) == withoutJobs(naive.json.rendered()))
        #expect(withoutJobs(skipped.table) == withoutJobs(naive.table))
        #expect(skipped.traceLines == naive.traceLines)
        // The fingerprint leaves the job count out: the same behaviour, the same fingerprint.
        #expect(skipped.fingerprint == naive.fingerprint)
        for (fast, slow) in zip(skipped.runs, naive.runs) {
            #expect(fast.result.roundTrips == slow.result.roundTrips)
            #expect(fast.result.load == slow.result.load)
            #expect(strictlyFewerJobs ? fast.result.jobs < slow.result.jobs : fast.result.jobs <= slow.result.jobs)
        }
    }

    /// The first 20 minutes of the 50-node `cluster-day` benchmark (`scenarios/bench`), `plan`:
    /// enough inserts on 50 sleeping sf-queues that the database's walks of their plans
    /// (`IdlePlan`) pass rounds the daemons then take without drawing, disk-metric refreshes
    /// included (``PeriodicStarts``), which the shipped scenarios' few nodes barely exercise.
    @Test func fiftyNodesTakingTheRoundsTheDatabasePassedGiveTheSameBytes() throws {
        let path = CLI.packageRoot.appendingPathComponent("scenarios/bench/cluster-day.yaml").path
        var scenario = try ScenarioParser.load(path: path)
        scenario.timeLimit = Self.cut
        let naive = try ScenarioRunner.run(scenario, variants: ["plan"], measureWallTime: false, tracing: true,
                                           naivePolling: true)
        let skipped = try ScenarioRunner.run(scenario, variants: ["plan"], measureWallTime: false, tracing: true)
        Self.expectSameOutput(skipped, naive, strictlyFewerJobs: true)
    }

    /// The daemons' other shapes of claiming, which the shipped default variants do not all
    /// use: the `inline` and `later` eras (the `later` idle back-off grows with the empty
    /// rounds), sf-net's restart walk and drainer per queue, sf-queues' restart walk, and a
    /// back-off under the singular dequeue.
    static let shapes: [(variant: String, setting: String?)] = [
        ("later", nil), ("inline", nil),
        ("facade", "overrides.sf_net.singular_dequeue=restart"),
        ("facade", "overrides.sf_net.singular_dequeue=thread_per_queue"),
        ("facade", "overrides.sf_queues.singular_dequeue=restart"),
        ("facade", "overrides.idle={backoff: [200ms, 400ms, 800ms, 1600ms]}"),
    ]

    @Test(arguments: shapes.indices)
    func everyClaimShapeGivesTheSameBytes(index: Int) throws {
        let shape = Self.shapes[index]
        let path = try #require(Self.shipped.first { $0.hasSuffix("/ci-functional.yaml") })
        var scenario = try ScenarioParser.load(path: path, settings: try shape.setting.map { [try .parse($0)] } ?? [])
        scenario.timeLimit = min(scenario.timeLimit, Self.cut)
        let naive = try ScenarioRunner.run(scenario, variants: [shape.variant], measureWallTime: false, tracing: true,
                                           naivePolling: true)
        let skipped = try ScenarioRunner.run(scenario, variants: [shape.variant], measureWallTime: false, tracing: true)
        Self.expectSameOutput(skipped, naive, strictlyFewerJobs: true)
    }

    /// A pool whose room and disk load change while it sleeps through its idle claims
    /// (workers of random length ending, bursts of three rows at once, round trips of tens of
    /// milliseconds; with `disk`, tasks that load the disk, some of them high-I/O background
    /// work, a threshold three such tasks cross, a refresh every 3 s and two slots reserved
    /// for user work, so that a stretch of a full pool, which reads no background lane, may
    /// refresh its metric across the threshold and the next round's lanes depend on the value
    /// it refreshed to): the stretch goes on past each change that leaves its request list
    /// alone, each round's claim takes as many rows as the room at that round's start allowed,
    /// and each refresh in the stretch sets the metric to the load of its instant, as rounds
    /// run whole would (``QueueWorkerPool``'s `Stretch`). With the room of the last change instead, the claims of
    /// rounds that began before a worker ended take a row more than polling does, and the
    /// bytes differ; with the room the stretch began with, or the metric of the load the
    /// stretch began with, too.
    @Test(arguments: [("batched", false), ("singular", false), ("batched", true)])
    func aPoolWhoseRoomChangesWhileItSleepsClaimsAsPollingDoes(dequeue: String, disk: Bool) throws {
        let work = disk ? "{service: {uniform: [200ms, 4s]}, disk: 300}" : "{service: {uniform: [200ms, 4s]}}"
        let background = !disk ? "" : """

              - {name: d, op: {type: node_blob_op, tasks: [instance_work], priority: background_high_io, queue: any}, arrivals: {every: 3100ms}, until: 18m}
            """
        let text = """
            name: pool-room
            era: plan
            seed: 9
            time_limit: 20m
            cluster: {nodes: 1, cpus: 8}
            database:
              round_trip: {lognormal: {median: 30ms, p99: 150ms}}
            overrides:
              sf_queues: {max_workers: 5, reserved_user_slots: \(disk ? 2 : 0), dequeue: \(dequeue), disk_busy_threshold: 800, disk_metric_refresh: 3s}
              tasks:
                instance_work: \(work)
            sources:
              - {name: a, op: {type: node_inst_op, tasks: [instance_work], priority: user_facing, queue: any}, arrivals: {every: 2300ms}, until: 18m}
              - {name: b, op: {type: node_inst_op, tasks: [instance_work], priority: user_facing, queue: any}, arrivals: {every: 2300ms}, until: 18m}
              - {name: c, op: {type: node_inst_op, tasks: [instance_work], priority: user_facing, queue: any}, arrivals: {every: 2300ms}, until: 18m}
            """ + background
        let scenario = try ScenarioParser.load(text: text, file: "pool-room.yaml")
        let naive = try ScenarioRunner.run(scenario, measureWallTime: false, tracing: true, naivePolling: true)
        let skipped = try ScenarioRunner.run(scenario, measureWallTime: false, tracing: true)
        Self.expectSameOutput(skipped, naive, strictlyFewerJobs: true)
    }

    /// Measured round trips (`quantiles`) whose value grows from each point to the next are a
    /// continuous distribution: the daemons skip their idle claims (drawn in `Duration`
    /// arithmetic, not whole nanoseconds), with the bytes of polling tick by tick. A value
    /// held over a stretch of probability is an atom and is polled tick by tick, so the two
    /// modes take the same jobs there.
    @Test(arguments: [("{quantiles: {p0: 0.4ms, p50: 1ms, p90: 2.5ms, p99: 9ms, p100: 30ms}}", true),
                      ("{quantiles: {p0: 0.4ms, p50: 1ms, p90: 1ms, p100: 30ms}}", false)])
    func measuredQuantileRoundTripsGiveTheSameBytes(roundTrip: String, skips: Bool) throws {
        let path = try #require(Self.shipped.first { $0.hasSuffix("/ci-functional.yaml") })
        var scenario = try ScenarioParser.load(path: path, settings: [try .parse("database.round_trip=\(roundTrip)")])
        scenario.timeLimit = min(scenario.timeLimit, Self.cut)
        #expect(scenario.config(for: try #require(scenario.variant(named: "plan"))).idleClaimsCanBeSkipped == skips)
        for variant in ["plan", "facade"] {
            let naive = try ScenarioRunner.run(scenario, variants: [variant], measureWallTime: false, tracing: true,
                                               naivePolling: true)
            let skipped = try ScenarioRunner.run(scenario, variants: [variant], measureWallTime: false, tracing: true)
            Self.expectSameOutput(skipped, naive, strictlyFewerJobs: skips)
        }
    }

    /// An idle hour on five nodes: the skipped claims are counted as polling makes them, and
    /// cost (almost) no jobs. With the batched dequeue each of the ten daemons claims once per
    /// round, a round being the 0.2 s idle sleep plus one round trip (log-normal, median 1 ms,
    /// p99 10 ms: mean exp(mu + sigma^2 / 2) = 1.6321 ms with sigma = ln(10) / 2.3263), so
    /// 10 * T / 0.2016321 s claims. The count's standard deviation is about 1.4 rounds per
    /// daemon over an hour (round-trip sd 2.1 ms * sqrt(17,850 rounds) / 0.2016 s); the
    /// tolerance, 0.2 %, is about 36 rounds per daemon and also covers the few real claims
    /// around the one op that ends the hour.
    @Test func anIdleHourCostsNoJobsAndCountsItsClaims() throws {
        let text = """
            name: idle-hour
            description: five idle nodes for an hour, then one op
            seed: 4
            time_limit: 2h
            era: plan
            cluster: {nodes: 5, cpus: 8}
            database:
              round_trip: {lognormal: {median: 1ms, p99: 10ms}}
            overrides:
              tasks:
                instance_work: {service: 1s}
            sources:
              - name: end
                op: {type: node_inst_op, tasks: [instance_work], priority: user_facing, queue: any}
                arrivals: {every: 1h}
                count: 1
            variants:
              plan: {}
            """
        let scenario = try ScenarioParser.load(text: text, file: "idle-hour.yaml")
        let skipped = try ScenarioRunner.run(scenario, measureWallTime: false, tracing: false)
        let naive = try ScenarioRunner.run(scenario, measureWallTime: false, tracing: false, naivePolling: true)
        let fast = try #require(skipped.runs.first).result
        let slow = try #require(naive.runs.first).result
        #expect(Self.withoutJobs(skipped.table) == Self.withoutJobs(naive.table))
        #expect(fast.load == slow.load)
        // Polling tick by tick: ten daemons of 17,850 rounds each, two jobs or more per round
        // (the idle sleep's wake-up and the round trip's).
        #expect(slow.jobs > 300_000)
        #expect(fast.jobs < 2_000)
        let claims = Double((fast.load.byKind["sf-net"]?.claims ?? 0) + (fast.load.byKind["sf-queues"]?.claims ?? 0))
        let expected = 10 * fast.virtualTime.seconds / 0.2016321
        #expect(abs(claims - expected) / expected < 0.002, "claims \(claims), expected \(expected)")
    }

    /// API waiters behind one single-threaded lane kept about full (arrivals every 2 s,
    /// service 1.5 to 2.5 s), with a 5 s `API_ASYNC_WAIT`: many waits time out, many end
    /// before their deadline, and some end between the deadline and the poll that would time
    /// out (the first read at or after it), which a skipping waiter finds only once it reaches
    /// the deadline. Skipped and naive polling give the same bytes, and the run has both kinds
    /// of wait (else it would check little). With log-normal round trips the skipped polls
    /// are walked in whole nanoseconds (``SimConnection``'s `walkSkippedPolls`); with uniform
    /// ones (not whole nanoseconds) in `Duration` arithmetic, poll by poll.
    @Test(arguments: ["{lognormal: {median: 1ms, p99: 10ms}}", "{uniform: [0.5ms, 1.5ms]}"])
    func waitersThatTimeOutGiveTheSameBytes(roundTrip: String) throws {
        let text = """
            name: waiters-at-the-deadline
            description: API waiters on a full single-threaded lane, some timing out
            seed: 9
            time_limit: 20m
            era: plan
            cluster: {nodes: 2, cpus: 8}
            database:
              round_trip: \(roundTrip)
            overrides:
              waiters: {poll: 100ms, api_async_wait: 5s}
              tasks:
                slow_work: {service: {uniform: [1.5s, 2.5s]}}
            sources:
              - name: handlers
                op: {type: net_op, tasks: [slow_work], priority: user_facing, queue: node-1, family: network}
                arrivals: {every: 2s}
                until: 15m
                wait: true
            variants:
              plan: {}
            """
        let scenario = try ScenarioParser.load(text: text, file: "waiters-at-the-deadline.yaml")
        let naive = try ScenarioRunner.run(scenario, measureWallTime: false, tracing: true, naivePolling: true)
        let skipped = try ScenarioRunner.run(scenario, measureWallTime: false, tracing: true)
        Self.expectSameOutput(skipped, naive, strictlyFewerJobs: true)
        let counts = try #require(skipped.runs.first).result.counts
        #expect(counts.waitsTimedOut > 20 && counts.waitsCompleted > 20,
                "\(counts.waitsTimedOut) timed out, \(counts.waitsCompleted) completed")
    }

    /// The comparison can fail: a run that polls at another rate is told apart.
    @Test func aDifferentPollRateIsToldApart() throws {
        let path = try #require(Self.shipped.first { $0.hasSuffix("/six-instance-starts.yaml") })
        let scenario = try ScenarioParser.load(path: path)
        var slower = try ScenarioParser.load(path: path, settings: [try .parse("overrides.waiters.rest_client_poll=1500ms")])
        slower.timeLimit = scenario.timeLimit
        let base = try ScenarioRunner.run(scenario, measureWallTime: false, tracing: true)
        let other = try ScenarioRunner.run(slower, measureWallTime: false, tracing: true)
        #expect(Self.withoutJobs(base.json.rendered()) != Self.withoutJobs(other.json.rendered()))
        #expect(base.fingerprint != other.fingerprint)
    }
}
