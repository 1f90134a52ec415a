import Dispatch
@testable import Model
import Sim
import Testing

/// The recorder's database-load counts (`RunRecorder.load`), kept per kind in counters that
/// take no lock (`RunRecorder.LoadCounters`): what was counted, summed by kind; a kind
/// appears once anything was counted for it, even zero, and not before; counts from many
/// threads at once (live mode's connections) all arrive.
@Suite struct LoadCountTests {
    @Test func countsAreSummedByKindAndAKindAppearsOnceCounted() {
        let recorder = RunRecorder(clock: Simulation(), tracing: false, checkingEffects: false)
        let net = recorder.loadKind(of: "node-1/sf-net")
        let otherNet = recorder.loadKind(of: "node-2/sf-net")
        let queues = recorder.loadKind(of: "node-1/sf-queues")
        _ = recorder.loadKind(of: "node-1/maintain")  // looked up, never counted
        let api = recorder.loadKind(of: "api/start/i-1")
        recorder.roundTrip(by: "node-1/sf-net", kind: net)
        recorder.roundTrips(4, by: "node-2/sf-net", kind: otherNet)
        recorder.claims(3, empty: 2, kind: net)
        recorder.roundTrips(7, by: "node-1/sf-queues", kind: queues)
        recorder.claims(1, empty: 0, kind: queues)
        recorder.roundTrips(0, by: "api/start/i-1", kind: api)
        let load = recorder.load.byKind
        #expect(load["sf-net"] == DatabaseLoad.Counts(roundTrips: 5, claims: 3, emptyClaims: 2))
        #expect(load["sf-queues"] == DatabaseLoad.Counts(roundTrips: 7, claims: 1, emptyClaims: 0))
        #expect(load["api"] == DatabaseLoad.Counts())
        #expect(load["maintain"] == nil)
        #expect(load.count == 3)
        // Per connection only while tracing.
        #expect(recorder.roundTrips.isEmpty)
    }

    @Test func tracingAlsoCountsEachConnection() {
        let recorder = RunRecorder(clock: Simulation(), tracing: true, checkingEffects: false)
        let net = recorder.loadKind(of: "node-1/sf-net")
        recorder.roundTrips(2, by: "node-1/sf-net", kind: net)
        recorder.roundTrip(by: "node-2/sf-net", kind: recorder.loadKind(of: "node-2/sf-net"))
        #expect(recorder.roundTrips == ["node-1/sf-net": 2, "node-2/sf-net": 1])
        #expect(recorder.load.byKind["sf-net"]?.roundTrips == 3)
    }

    /// Eight iterations on the machine's threads count into two kinds at once: every count
    /// arrives (a counter read and written back would lose updates: with the round trips
    /// counted that way, 670,028 to 796,944 of a kind's 800,000 arrived in three runs).
    @Test func countsFromManyThreadsAllArrive() {
        let recorder = RunRecorder(clock: Simulation(), tracing: false, checkingEffects: false)
        let kinds = [recorder.loadKind(of: "node-1/sf-net"), recorder.loadKind(of: "node-1/sf-queues")]
        let rounds = 200_000
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for round in 0..<rounds {
                let kind = kinds[(thread + round) % 2]
                recorder.roundTrip(by: "x", kind: kind)
                recorder.claims(1, empty: round % 2, kind: kind)
            }
        }
        let each = 8 * rounds / 2
        let load = recorder.load.byKind
        #expect(load["sf-net"] == DatabaseLoad.Counts(roundTrips: each, claims: each, emptyClaims: each / 2))
        #expect(load["sf-queues"] == DatabaseLoad.Counts(roundTrips: each, claims: each, emptyClaims: each / 2))
    }
}
