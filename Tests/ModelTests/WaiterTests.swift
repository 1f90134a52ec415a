import Model
import Sim
import Testing

/// API waiters (model file, section 8): poll the op every 0.1 s, one read each, and give up
/// at `API_ASYNC_WAIT` (15 s; 60 s in `later`).
///
/// The known defect class: a handler waits on an op queued behind its only worker, which is
/// busy for longer than `API_ASYNC_WAIT`. Here node-1's sf-net (single-threaded) runs a
/// `hog` op from t = 0.2; at t = 1 a handler enqueues `quick` on the same lane and waits.
/// Round trips are zero, so the handler's polls fall exactly on 1.0, 1.1, ..., and the poll
/// at 1 + API_ASYNC_WAIT is the first that finds the deadline passed.
@Suite struct WaiterTests {
    static let lane = QueueName(.node(.n1), .network, .userFacing)

    static func run(era: Era, hogSeconds: Double) -> RunResult {
        let config = ModelConfig.exact(era, tasks: [FixedTask("hog", seconds: hogSeconds),
                                                    FixedTask("quick", seconds: 1)])
        return Cluster.run(config, workload: Workload(events: [
            .op(at: 0, "hog", "hog", on: lane, type: .netOp),
            .op(at: 1, "handler", "quick", on: lane, type: .netOp, wait: true),
        ]))
    }

    @Test(arguments: [(Era.facade, 15.0), (.later, 60.0)])
    func aWaiterBehindABusyWorkerTimesOutAtApiAsyncWaitNotBefore(era: Era, apiAsyncWait: Double) throws {
        let result = Self.run(era: era, hogSeconds: apiAsyncWait * 2)
        #expect(result.counts.waitsTimedOut == 1)
        #expect(result.counts.waitsCompleted == 0)
        let quick = try #require(result.op("quick"))
        // One timeout, exactly API_ASYNC_WAIT after the handler started waiting at t = 1.
        #expect(same(result.events(quick, .waitTimedOut).map(\.seconds), [1 + apiAsyncWait]))
        // The wait ended; the op did not: it still runs once the hog is done.
        #expect(result.events(quick, .terminal).map(\.detail) == ["complete"])
        #expect((result.events(quick, .terminal).first?.seconds ?? 0) > 1 + apiAsyncWait)
        // One round trip to create the op, then one read per 0.1 s poll from t = 1 to t = 1 +
        // API_ASYNC_WAIT inclusive.
        #expect(result.roundTrips["api/handler"] == 1 + Int((apiAsyncWait / 0.1).rounded()) + 1)
    }

    /// The same handler with a hog that leaves just enough time: `quick` completes at about
    /// 15.7 (hog 0.2 → 14.7, then 1 s), inside the 15 s wait that ends at 16.
    @Test func aWaiterWhoseOpEndsInsideApiAsyncWaitDoesNotTimeOut() {
        let result = Self.run(era: .facade, hogSeconds: 14.5)
        #expect(result.counts.waitsTimedOut == 0)
        #expect(result.counts.waitsCompleted == 1)
        #expect(result.trace.allSatisfy { $0.kind != .waitTimedOut })
        let quickEnd = result.events(.terminal, task: "quick").map(\.seconds)
        #expect(quickEnd.count == 1 && quickEnd.allSatisfy { $0 > 15 && $0 < 16 })
    }
}
