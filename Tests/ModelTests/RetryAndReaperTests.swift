import Model
import Sim
import Testing

/// Transient-failure retries and the stuck-claim reaper (model file, section 7).
@Suite struct RetryAndReaperTests {
    /// A task that always fails after 1 s. Each failure reschedules the row 15, 30, then 60 s
    /// later; the fourth failure errors the op. With zero round trips and 0.2 s idle polls,
    /// each new attempt starts between `delay` and `delay + 0.2` s after the failure.
    @Test func transientFailuresRetryAfter15Then30Then60SecondsThenError() throws {
        let bench = Bench(config: .exact(.facade, tasks: [FixedTask("flaky", seconds: 1, failureProbability: 1)]))
        bench.startNet(.n1)
        bench.run { driver in
            let op = await driver.create(["flaky"], on: QueueName(.node(.n1), .network, .userFacing))
            try await driver.awaitTerminal(op, deadline: 200)
        }
        let op = try bench.createdOp(0)
        let starts = bench.times(op, .started)
        let failures = bench.times(op, .retried)
        try #require(starts.count == 4 && failures.count == 3)
        for (attempt, delay) in [15.0, 30, 60].enumerated() {
            #expect(same(failures[attempt], starts[attempt] + 1))
            let gap = starts[attempt + 1] - failures[attempt]
            #expect(gap >= delay && gap <= delay + 0.2, "retry \(attempt + 1) after \(gap) s")
        }
        #expect(bench.terminalState(op) == "error")
        #expect(same(bench.times(op, .terminal), starts.suffix(1).map { $0 + 1 }))
        #expect(bench.counts.retried == 3 && bench.counts.executed == 4 && bench.counts.errored == 1)
    }

    // MARK: Reaper

    static let anyUser = QueueName(.any, .clusterOperation, .userFacing)

    /// Two nodes, `plan` (one claim round trip per sf-queues poll), a constant 1 s round trip
    /// so each step of a worker is a whole second. node-2 is down from the start. The op is
    /// created at t = 11 (the API pays one round trip); node-1's sf-queues polls every 1.2 s
    /// (claims at 1.0, 2.2, ..., 10.6, 11.8), claims it at 11.8, and would write `executing`
    /// only at 14.8 (load, re-load, write). node-1 crashes at 12.5, holding the claim with the
    /// op still `queued`; node-2 comes up at 13.5 and finds nothing to claim.
    static func crashWorkload(secondCrash: Bool) -> Workload {
        var events: [ScheduledAction] = [
            .action(at: 0, "stop-2", .nodeStop(.n2)),
            .op(at: 10, "op", "work", on: anyUser),
            .action(at: 12.5, "crash-1", .nodeStop(.n1)),
            .action(at: 13.5, "start-2", .nodeStart(.n2)),
        ]
        // With a 100 s claim timeout the row is released by the reap at t = 122 (reaps take
        // effect at 61, 122, 183, ...: every 60 s plus the reaper's round trip); node-2, polling
        // at 14.5 + 1.2k, claims it at 122.5 (its second attempt) and writes `executing` at
        // 125.5. It crashes at 123.
        if secondCrash { events.append(.action(at: 123, "crash-2", .nodeStop(.n2))) }
        return Workload(events: events)
    }

    static func crashConfig() -> ModelConfig {
        .exact(.plan, roundTrip: .seconds(1), tasks: [FixedTask("work", seconds: 1)])
    }

    @Test func aStuckClaimIsReleasedAfterTheClaimTimeoutAndAnotherNodeRunsTheOp() throws {
        let result = Cluster.run(Self.crashConfig(), nodes: 2, workload: Self.crashWorkload(secondCrash: false))
        #expect(result.ending == .completed)
        let op = try #require(result.op("work"))
        let created = result.events(op, .created).first?.seconds ?? 0
        let starts = result.events(op, .started)
        // Never started on node-1 (it crashed first); started once, on node-2.
        #expect(starts.map(\.by) == ["node-2/sf-queues"])
        // Not before the 1800 s claim timeout, and no later than one 60 s reaper interval
        // after it (plus node-2's poll and three round trips, a few seconds).
        let waited = (starts.first?.seconds ?? 0) - created
        #expect(waited > 1800 && waited < 1800 + 60 + 5, "started \(waited) s after creation")
        #expect(result.counts.reaped == 1)
        #expect(result.events(op, .terminal).map(\.detail) == ["complete"])
    }

    /// The same crash twice with `maxAttempts` lowered to 2 and the claim timeout to 100 s
    /// (the rule is the same: a stuck row that has reached the attempt limit is deleted and
    /// its op errored). The reap at t = 244 finds node-2's claim of 122.5 stuck for more than
    /// 100 s at attempt 2: the row goes and the op is set to `error`.
    @Test func aRowStuckAtTheAttemptLimitIsDeletedAndItsOpErrored() throws {
        var config = Self.crashConfig()
        config.maxAttempts = 2
        config.claimTimeout = .seconds(100)
        let result = Cluster.run(config, nodes: 2, workload: Self.crashWorkload(secondCrash: true))
        // Ends because the row is gone and the op terminal: nothing is left to drain.
        #expect(result.ending == .completed)
        let op = try #require(result.op("work"))
        #expect(result.events(op, .started).isEmpty)
        #expect(result.counts.reaped == 1)
        #expect(result.events(op, .terminal).map(\.detail) == ["error"])
        #expect(same(result.events(op, .terminal).map(\.seconds), [244]))
    }
}
