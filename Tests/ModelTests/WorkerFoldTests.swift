@testable import Model
import Sim
import Testing

/// Step 4, worker-side dedup (model file, sections 4, 9 and 11): inside `execute`, after the
/// `executing` write, (a) repeated coalescible tasks of the op are dropped and (b) one
/// transaction completes every other `queued` single-task op of the same type and key whose
/// task is one of ours. Folded ops' rows stay and are dropped at dispatch.
@Suite struct WorkerFoldTests {
    static let netA = NetworkID("net-a")
    static let netB = NetworkID("net-b")
    /// Where update_dnsmasq goes (the network node's sf-net drains it).
    static let dnsmasqLane = QueueName(.networkNode, .clusterOperation, .userFacingHighIO)
    /// A lane nobody drains in these benches (no daemon runs on node-3): ops there stay as
    /// the test leaves them unless a fold changes them.
    static let parked = QueueName(.node(.n3), .network, .userFacing)

    /// `facade` with the batched claim, step 4 on or off; zero round trips, constant tasks
    /// and a constant fold cost, so every instant below is an exact sum.
    static func config(fold: Bool = true, foldCost: Duration = .milliseconds(5)) -> ModelConfig {
        var config = ModelConfig.exact(.facade, tasks: [
            FixedTask(.updateDnsmasq, seconds: 1), FixedTask(.ensureMesh, seconds: 0.5),
            FixedTask(.addFloatingIP, seconds: 0.25),
        ])
        config.steps = fold ? [.batchedDequeue, .workerFold] : [.batchedDequeue]
        config.foldCost = .constant(foldCost)
        return config
    }

    static func finishedTasks(_ bench: Bench, _ op: OpID) -> [String] {
        bench.events(op, .finished).map(\.detail)
    }

    // MARK: (a) within one op

    /// An op with tasks `[dnsmasq, dnsmasq]` runs dnsmasq once with step 4 (one task dropped)
    /// and twice without; a repeated task that is not coalescible (`add_floating_ip`) is kept.
    @Test(arguments: [false, true])
    func stepFourDropsARepeatedCoalescibleTaskButKeepsOtherRepeats(fold: Bool) throws {
        let bench = Bench(config: Self.config(fold: fold))
        bench.startNet(.n1)
        bench.run { driver in
            let dnsmasq = await driver.create([.updateDnsmasq, .updateDnsmasq], on: Self.dnsmasqLane,
                                              network: Self.netA)
            let floating = await driver.create([.addFloatingIP, .addFloatingIP], on: Self.dnsmasqLane,
                                               network: Self.netA)
            try await driver.awaitTerminal(dnsmasq, deadline: 10)
            try await driver.awaitTerminal(floating, deadline: 10)
        }
        let (dnsmasq, floating) = (try bench.createdOp(0), try bench.createdOp(1))
        #expect(Self.finishedTasks(bench, dnsmasq) == Array(repeating: TaskName.updateDnsmasq.name, count: fold ? 1 : 2))
        #expect(Self.finishedTasks(bench, floating) == [TaskName.addFloatingIP.name, TaskName.addFloatingIP.name])
        #expect(bench.counts.tasksDropped == (fold ? 1 : 0))
        #expect(bench.terminalState(dnsmasq) == "complete")
    }

    // MARK: (b) across ops

    /// The survivor (update_dnsmasq on net-a) is dispatched at 0.2 s and folds at 0.205 s.
    /// Of its parked would-be siblings only the queued single-task update_dnsmasq op of the
    /// same type on net-a is folded; one executing, one with two tasks, one on net-b, one of
    /// another type, and one whose single task is coalescible but not the survivor's are not.
    @Test func stepFourFoldsOnlyQueuedSingleTaskSiblingsOfTheSameTypeKeyAndTask() throws {
        let bench = Bench(config: Self.config(), nodes: 3)
        bench.startNet(.n1)
        bench.run { driver in
            try await driver.sleep(until: 0.1)
            await driver.create([.updateDnsmasq], on: Self.parked, network: Self.netA)
            let executing = await driver.create([.updateDnsmasq], on: Self.parked, network: Self.netA)
            await driver.setState(executing, .executing)
            await driver.create([.updateDnsmasq, .ensureMesh], on: Self.parked, network: Self.netA)
            await driver.create([.updateDnsmasq], on: Self.parked, network: Self.netB)
            await driver.create([.updateDnsmasq], on: Self.parked, type: .netIPOp, network: Self.netA)
            await driver.create([.ensureMesh], on: Self.parked, network: Self.netA)
            let survivor = await driver.create([.updateDnsmasq], on: Self.dnsmasqLane, network: Self.netA)
            try await driver.awaitTerminal(survivor, deadline: 10)
        }
        let ops = bench.createdOps
        try #require(ops.count == 7)
        let survivor = ops[6]
        let states = ops.prefix(6).map { bench.terminalState($0) ?? "pending" }
        #expect(states == ["complete", "pending", "pending", "pending", "pending", "pending"])
        #expect(bench.events(ops[0], .folded).map(\.detail) == ["coalesced into sibling op \(survivor)"])
        #expect(same(bench.times(ops[0], .folded), [0.205]))
        #expect(same(bench.times(ops[0], .terminal), [0.205]))
        #expect(bench.counts.folded == 1)
        // The survivor itself runs: it is never folded.
        #expect(bench.events(survivor, .folded).isEmpty)
        #expect(Self.finishedTasks(bench, survivor) == [TaskName.updateDnsmasq.name])
        #expect(same(bench.times(survivor, .terminal), [1.205]))
    }

    /// A sibling deferred on a dependency is back in `queued` (section 7), so a fold takes it.
    /// D (depends on a parked op) is claimed at 0.2 and deferred 0.1 s; S is created at 0.25;
    /// at 0.4 both are claimed, S first (earlier `scheduled_at`), and S's fold completes D,
    /// whose row is then dropped. (The fold ignores D's unmet `depends_on`, as the SQL of
    /// section 11 does.)
    @Test func aDeferredSiblingIsQueuedAgainAndIsFolded() throws {
        let bench = Bench(config: Self.config(), nodes: 3)
        bench.startNet(.n1)
        bench.run { driver in
            try await driver.sleep(until: 0.1)
            let blocker = await driver.create([.ensureMesh], on: Self.parked, network: Self.netB)
            await driver.create([.updateDnsmasq], on: Self.dnsmasqLane, network: Self.netA, dependsOn: [blocker])
            try await driver.sleep(until: 0.25)
            let survivor = await driver.create([.updateDnsmasq], on: Self.dnsmasqLane, network: Self.netA)
            try await driver.awaitTerminal(survivor, deadline: 10)
            try await driver.sleep(until: 2)
        }
        let (deferred, survivor) = (try bench.createdOp(1), try bench.createdOp(2))
        #expect(same(bench.times(deferred, .deferred), [0.2]))
        #expect(same(bench.times(deferred, .folded), [0.405]))
        #expect(bench.events(deferred, .folded).first?.detail == "coalesced into sibling op \(survivor)")
        #expect(bench.events(deferred, .started).isEmpty)
        #expect(bench.events(deferred, .skipped).map(\.detail) == ["skipping op already in terminal state"])
    }

    /// Two update_dnsmasq ops on net-a claimed together at 0.2 s: the first folds the second
    /// (complete at the fold, 0.205 s); the second's row is dispatched after the first ends
    /// (1.205 s) and dropped as "skipping op already in terminal state": it never starts.
    @Test func foldedOpsCompleteAtFoldTimeAndTheirRowsAreDroppedAtDispatch() throws {
        let bench = Bench(config: Self.config())
        bench.startNet(.n1)
        bench.run { driver in
            try await driver.sleep(until: 0.1)
            let survivor = await driver.create([.updateDnsmasq], on: Self.dnsmasqLane, network: Self.netA)
            await driver.create([.updateDnsmasq], on: Self.dnsmasqLane, network: Self.netA)
            try await driver.awaitTerminal(survivor, deadline: 10)
            try await driver.sleep(until: 2)
            #expect(await bench.database.depth(of: [Self.dnsmasqLane]) == 0)
        }
        let (survivor, sibling) = (try bench.createdOp(0), try bench.createdOp(1))
        #expect(same(bench.times(sibling, .terminal), [0.205]))
        #expect(bench.terminalState(sibling) == "complete")
        #expect(bench.events(sibling, .started).isEmpty)
        #expect(bench.events(sibling, .skipped).map(\.detail) == ["skipping op already in terminal state"])
        #expect(same(bench.times(sibling, .skipped), [1.205]))
        #expect(same(bench.times(survivor, .terminal), [1.205]))
        #expect(bench.counts.skippedTerminal == 1)
        #expect(bench.counts.executed == 1)
        #expect(bench.context.recorder.effectViolations.isEmpty)
    }

    /// A lone update_dnsmasq op (no sibling): with step 4 it still runs the fold transaction,
    /// which folds nothing but costs its time (and one round trip) between the `executing`
    /// write and the task. With a constant cost the op ends exactly that much later.
    @Test(arguments: [(false, 0.0), (true, 0.05), (true, 0.2)])
    func theFoldCostsItsTimeEvenWhenThereIsNothingToFold(fold: Bool, cost: Double) throws {
        let bench = Bench(config: Self.config(fold: fold, foldCost: .seconds(double: cost)))
        bench.startNet(.n1)
        bench.run { driver in
            try await driver.sleep(until: 0.1)
            let op = await driver.create([.updateDnsmasq], on: Self.dnsmasqLane, network: Self.netA)
            try await driver.awaitTerminal(op, deadline: 10)
        }
        let op = try bench.createdOp(0)
        #expect(same(bench.times(op, .started), [0.2]))
        #expect(same(bench.times(op, .terminal), [1.2 + cost]))
        #expect(bench.counts.folded == 0)
        #expect(bench.trace.allSatisfy { $0.kind != .folded })
    }

    /// The fold is one round trip on the dispatcher's connection: a lone op with step 4 costs
    /// exactly one more than without (polls are counted too, so both runs stop at t = 1.5).
    @Test func theFoldIsOneRoundTrip() {
        func roundTrips(fold: Bool) -> Int? {
            let bench = Bench(config: Self.config(fold: fold))
            bench.startNet(.n1)
            bench.run { driver in
                try await driver.sleep(until: 0.1)
                await driver.create([.updateDnsmasq], on: Self.dnsmasqLane, network: Self.netA)
                try await driver.sleep(until: 1.5)
            }
            return bench.context.recorder.roundTrips["node-1/sf-net"]
        }
        let without = roundTrips(fold: false)
        #expect(without != nil)
        #expect(roundTrips(fold: true) == without.map { $0 + 1 })
    }
}
