import Sim
import Testing

/// A run is a pure function of its inputs; every random draw comes from a stream derived by
/// name, so adding an actor leaves every other actor's draws unchanged.
@Suite struct Determinism {
    /// A small model with interleaving actors: workers sleep random times and poke a shared
    /// signal; a listener waits on it with random deadlines. Returns the full event log.
    static func busyOffice(seed: UInt64, workers: [String]) -> (log: [Event], outcome: Simulation.Outcome) {
        let sim = Simulation()
        let log = EventLog()
        let root = RandomStream(seed: seed)
        let bell = Signal(executor: sim.executor)
        let pause = Distribution.exponential(mean: .milliseconds(700))
        for name in workers {
            let seeded = root.derived("worker/\(name)")
            sim.spawn(name, on: Performer(sim: sim, log: log)) { me in
                var stream = seeded
                for step in 0..<40 {
                    try? await me.sleep(for: pause.sample(&stream))
                    me.note("\(name) step \(step)")
                    if stream.nextUnit() < 0.3 { bell.notifyAll() }
                }
            }
        }
        sim.spawn("listener", role: .daemon, on: Performer(sim: sim, log: log)) { me in
            var patience = root.derived("listener")
            while !Task.isCancelled {
                let deadline = me.sim.clock.now.advanced(by: pause.sample(&patience))
                let rang = (try? await bell.wait(until: deadline)) ?? false
                me.note(rang ? "listener heard the bell" : "listener gave up")
            }
        }
        let outcome = sim.run(limit: nil)
        return (log.entries, outcome)
    }

    static func twoClassQueue(seed: UInt64) -> ServerQueue.Result {
        ServerQueue.run(ServerQueue.Config(
            classes: [
                .init(interArrival: .exponential(mean: .seconds(2)),
                      service: .lognormal(median: .milliseconds(800), p99: .seconds(4))),
                .init(interArrival: .exponential(mean: .seconds(1)), service: .uniform(.zero, .seconds(2))),
            ],
            servers: 2, customers: 3000, warmupCustomers: 100, seed: seed))
    }

    @Test func sameSeedGivesTheSameEventLogEventForEvent() {
        let first = Self.busyOffice(seed: 42, workers: ["ann", "bob", "cy"])
        let second = Self.busyOffice(seed: 42, workers: ["ann", "bob", "cy"])
        #expect(first.log.count > 120)
        #expect(first.log == second.log)
        #expect(first.outcome == second.outcome)
    }

    @Test func differentSeedsGiveDifferentEventLogs() {
        let first = Self.busyOffice(seed: 42, workers: ["ann", "bob", "cy"])
        let second = Self.busyOffice(seed: 43, workers: ["ann", "bob", "cy"])
        #expect(first.log != second.log)
    }

    @Test func sameSeedGivesBitIdenticalQueueStatistics() {
        let first = Self.twoClassQueue(seed: 7)
        let second = Self.twoClassQueue(seed: 7)
        #expect(first.wait.count == 2900)
        #expect(first.wait.summary == second.wait.summary)
        #expect(first.waitByClass.map(\.summary) == second.waitByClass.map(\.summary))
        #expect(first.outcome == second.outcome)
    }

    @Test func differentSeedsGiveDifferentQueueStatistics() {
        #expect(Self.twoClassQueue(seed: 7).wait.summary != Self.twoClassQueue(seed: 8).wait.summary)
    }

    @Test func addingAnActorLeavesAnotherActorsDrawsUnchanged() {
        let pair = Self.busyOffice(seed: 42, workers: ["ann", "bob"])
        let trio = Self.busyOffice(seed: 42, workers: ["ann", "bob", "cy"])
        let ann = { (log: [Event]) in log.filter { $0.label.hasPrefix("ann ") } }
        #expect(ann(pair.log).count == 40)
        #expect(ann(pair.log) == ann(trio.log))
        // The shared listener does see the newcomer: the runs as a whole differ.
        #expect(pair.log != trio.log.filter { !$0.label.hasPrefix("cy ") })
    }
}

/// `RandomStream` derivation: by key and name only.
@Suite struct NamedStreams {
    static func draws(_ stream: RandomStream, _ count: Int = 8) -> [UInt64] {
        var stream = stream
        return (0..<count).map { _ in stream.next() }
    }

    @Test func streamDrawsDoNotDependOnWhetherASiblingWasDerivedOrUsed() {
        let alone = Self.draws(RandomStream(seed: 1).derived("a"))
        let root = RandomStream(seed: 1)
        var sibling = root.derived("b")
        _ = (0..<100).map { _ in sibling.next() }
        let a = root.derived("a")
        _ = (0..<100).map { _ in sibling.next() }
        #expect(Self.draws(a) == alone)
    }

    @Test func derivationDoesNotDependOnHowManyNumbersTheParentHasDrawn() {
        var parent = RandomStream(seed: 1)
        let before = parent.derived("a")
        let beforeByIndex = parent.derived(3)
        _ = (0..<1000).map { _ in parent.next() }
        #expect(Self.draws(parent.derived("a")) == Self.draws(before))
        #expect(Self.draws(parent.derived(3)) == Self.draws(beforeByIndex))
        #expect(parent.derived("a").key == before.key)
    }

    @Test func differentNamesIndicesAndSeedsGiveDifferentStreams() {
        let root = RandomStream(seed: 1)
        let streams = [root, root.derived("a"), root.derived("b"), root.derived("a").derived("b"),
                       root.derived(0), root.derived(1), RandomStream(seed: 2).derived("a")]
        let firstDraws = streams.map { Self.draws($0, 4) }
        #expect(Set(firstDraws.map { $0.description }).count == streams.count)
    }

    @Test func unitDrawsStayInTheirIntervals() {
        var stream = RandomStream(seed: 9)
        for _ in 0..<10_000 {
            let closedOpen = stream.nextUnit()
            let openClosed = stream.nextOpenUnit()
            #expect(closedOpen >= 0 && closedOpen < 1)
            #expect(openClosed > 0 && openClosed <= 1)
        }
    }
}
