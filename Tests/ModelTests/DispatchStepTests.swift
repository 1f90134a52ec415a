@testable import Model
import Sim
import Testing

/// Steps 1 and 2 of the seed plan as switches (model file, section 9): the `started executing`
/// event's cost on the dispatcher's path, and the batched claim instead of one singular
/// dequeue per queue. Each is switched on an era that does not have it, and off an era that does.
@Suite struct DispatchStepTests {
    static let work = FixedTask("work", seconds: 1)
    static let lane = QueueName(.node(.n1), .network, .userFacing)

    /// `facade` with the batched claim (so both items come in one claim) and step 1 on or off;
    /// round trips zero, the event write a constant 50 ms.
    static func visibilityConfig(stepOne: Bool) -> ModelConfig {
        var config = ModelConfig.exact(.facade, tasks: [work])
        config.steps = stepOne ? [.batchedDequeue, .visibility] : [.batchedDequeue]
        config.events.overrides[.started] = .constant(.milliseconds(50))
        return config
    }

    /// Two items created at t = 0.1 are claimed together at the 0.2 s poll and run one after
    /// another. With step 1 the event write (50 ms) sits between pickup and the `executing`
    /// write of each item, so the first ends 50 ms later and the second starts exactly 50 ms
    /// later (and ends 100 ms later); without it, nothing is paid.
    @Test(arguments: [false, true])
    func stepOnePaysTheStartedEventCostOnTheDispatchersCriticalPath(stepOne: Bool) throws {
        let bench = Bench(config: Self.visibilityConfig(stepOne: stepOne))
        bench.startNet(.n1)
        bench.run { driver in
            try await driver.sleep(until: 0.1)
            let first = await driver.create([Self.work.name], on: Self.lane)
            let second = await driver.create([Self.work.name], on: Self.lane)
            try await driver.awaitTerminal(first, deadline: 10)
            try await driver.awaitTerminal(second, deadline: 10)
        }
        let (first, second) = (try bench.createdOp(0), try bench.createdOp(1))
        let cost = stepOne ? 0.05 : 0
        #expect(same(bench.times(first, .started), [0.2]))
        #expect(same(bench.times(first, .terminal), [1.2 + cost]))
        #expect(same(bench.times(second, .started), [1.2 + cost]))
        #expect(same(bench.times(second, .terminal), [2.2 + 2 * cost]))
        // The event carries wait_seconds (pickup minus creation) and defer_count either way.
        #expect(bench.events(second, .started).first.flatMap(\.waitSeconds).map { same($0, 1.1 + cost) } == true)
        #expect(bench.events(second, .started).first?.deferCount == 0)
    }

    /// Step 2 is the switch, not the era: an idle cluster of three nodes for 10 s with 1 ms
    /// round trips. With the singular dequeue each poll costs one round trip per queue (10 on
    /// the network node's sf-net and on every sf-queues, which asks its five node lanes and
    /// five `any` lanes; 5 on the other sf-nets), so a round is 10 ms + 0.2 s (48 rounds by
    /// t = 10: 480) or 5 ms + 0.2 s (49: 245); with the batched claim one round trip per poll
    /// (rounds of 0.201 s: 50). Each daemon also pays one round trip at t = 0 to release its
    /// own claims (`restart_work_queue`), which shifts the rounds by 1 ms and adds one.
    /// `facade` with step 2 claims batched; `plan` without it, singular.
    struct IdleCase: Sendable, CustomTestStringConvertible {
        var era: Era
        var steps: Set<PlanStep>
        var networkNode: Int
        var otherNode: Int
        var testDescription: String { "\(era) with steps \(steps.sorted())" }
    }

    static let idleCases = [
        IdleCase(era: .facade, steps: [], networkNode: 480, otherNode: 245),
        IdleCase(era: .facade, steps: [.batchedDequeue], networkNode: 50, otherNode: 50),
        IdleCase(era: .plan, steps: Set(PlanStep.allCases).subtracting([.batchedDequeue]), networkNode: 480,
                 otherNode: 245),
        IdleCase(era: .plan, steps: Set(PlanStep.allCases), networkNode: 50, otherNode: 50),
    ]

    @Test(arguments: idleCases)
    func stepTwoSwitchesBothDaemonsFromOneRoundTripPerQueueToOnePerClaim(_ check: IdleCase) {
        let (era, steps, networkNode, otherNode) = (check.era, check.steps, check.networkNode, check.otherNode)
        var config = ModelConfig.exact(era, roundTrip: .milliseconds(1))
        config.steps = steps
        let workload = Workload(events: [.action(at: 10, "keep-open", .nodeStart(.n1))])
        let result = Cluster.run(config, nodes: 3, workload: workload)
        #expect(result.ending == .completed)
        #expect(result.roundTrips["node-1/sf-net"] == networkNode + 1)
        #expect(result.roundTrips["node-2/sf-net"] == otherNode + 1)
        for node in 1...3 { #expect(result.roundTrips["node-\(node)/sf-queues"] == networkNode + 1) }
    }
}
