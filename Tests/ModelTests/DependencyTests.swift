import Model
import Sim
import Testing

/// `depends_on` and `runs_after` (model file, section 7), and the 30 s hard delete of
/// terminal ops that turns an old dependency into a missing one.
@Suite struct DependencyTests {
    static let parked = QueueName(.node(.n3), .network, .userFacing)
    static let lane = QueueName(.node(.n1), .network, .userFacing)

    enum Link: String, Sendable { case dependsOn, runsAfter }

    /// The dependency's condition when the dependent op is dispatched; `nil` = never existed.
    struct Case: Sendable, CustomTestStringConvertible {
        var link: Link
        var dependency: OpState?
        /// The dependent op's terminal state, or nil when it keeps deferring.
        var outcome: String?
        var testDescription: String {
            "\(link.rawValue) \(dependency?.rawValue ?? "missing") → \(outcome ?? "defer")"
        }
    }

    static let cases: [Case] = [
        // depends_on: missing → error; error/abort/deleted → abort; pending → defer; complete → run.
        Case(link: .dependsOn, dependency: nil, outcome: "error"),
        Case(link: .dependsOn, dependency: .error, outcome: "abort"),
        Case(link: .dependsOn, dependency: .abort, outcome: "abort"),
        Case(link: .dependsOn, dependency: .deleted, outcome: "abort"),
        Case(link: .dependsOn, dependency: .queued, outcome: nil),
        Case(link: .dependsOn, dependency: .executing, outcome: nil),
        Case(link: .dependsOn, dependency: .complete, outcome: "complete"),
        // runs_after: missing → go on; pending → defer; any terminal state → go on.
        Case(link: .runsAfter, dependency: nil, outcome: "complete"),
        Case(link: .runsAfter, dependency: .queued, outcome: nil),
        Case(link: .runsAfter, dependency: .executing, outcome: nil),
        Case(link: .runsAfter, dependency: .error, outcome: "complete"),
        Case(link: .runsAfter, dependency: .abort, outcome: "complete"),
        Case(link: .runsAfter, dependency: .complete, outcome: "complete"),
    ]

    @Test(arguments: cases)
    func dependencyStateDecidesWhatHappensToTheDependentOp(_ check: Case) throws {
        let bench = Bench(config: .exact(.facade, tasks: [FixedTask("work", seconds: 1)]))
        bench.startNet(.n1)
        bench.run(limit: .seconds(10)) { driver in
            var dependency = OpID(999)
            if let state = check.dependency {
                dependency = await driver.create(["work"], on: Self.parked)
                if state != .queued { await driver.setState(dependency, state) }
            }
            await driver.create(["work"], on: Self.lane, dependsOn: check.link == .dependsOn ? [dependency] : [],
                                runsAfter: check.link == .runsAfter ? [dependency] : [])
            try await driver.sleep(until: 10)
        }
        let op = try bench.createdOp(check.dependency == nil ? 0 : 1)
        #expect(bench.terminalState(op) == check.outcome)
        // Only a dependent that runs is ever started; only a pending dependency defers it.
        #expect(bench.events(op, .started).count == (check.outcome == "complete" ? 1 : 0))
        #expect(bench.events(op, .deferred).isEmpty == (check.outcome != nil))
    }

    /// The hard delete is a sweep every 15 min (model file 7) that deletes ops terminal for at
    /// least 30 s. An op completed at t = 0 is still there at t = 100 (a dependent created
    /// then finds it and runs) and until the sweep at t = 900, which deletes it; an op
    /// completed at t = 880 has been terminal only 20 s at that sweep and survives until the
    /// next one, at t = 1800. A dependent created after the deletion errors (missing
    /// `depends_on`). Deleting at exactly 30 s, as simrun once did, would fail the first check.
    @Test func terminalOpsAreHardDeletedByTheSweepEvery15Minutes() throws {
        let bench = Bench(config: .exact(.facade, tasks: [FixedTask("work", seconds: 0.5)]))
        bench.startNet(.n1)
        bench.run { driver in
            let d = await driver.create(["work"], on: Self.parked)
            await driver.setState(d, .complete)
            try await driver.sleep(until: 100)
            let early = await driver.create(["work"], on: Self.lane, dependsOn: [d])
            try await driver.awaitTerminal(early, deadline: 110)
            try await driver.sleep(until: 880)
            let young = await driver.create(["work"], on: Self.parked)
            await driver.setState(young, .complete)
            try await driver.sleep(until: 899.999)
            #expect(await driver.load(d)?.state == .complete)
            try await driver.sleep(until: 900)
            #expect(await driver.load(d) == nil)
            #expect(await driver.load(young)?.state == .complete)
            let late = await driver.create(["work"], on: Self.lane, dependsOn: [d])
            try await driver.awaitTerminal(late, deadline: 910)
            try await driver.sleep(until: 1799.999)
            #expect(await driver.load(young)?.state == .complete)
            try await driver.sleep(until: 1800)
            #expect(await driver.load(young) == nil)
        }
        let (early, late) = (try bench.createdOp(1), try bench.createdOp(3))
        #expect(bench.terminalState(early) == "complete")
        #expect(bench.terminalState(late) == "error")
    }

    /// With `hard_delete.interval: 0s` an op is deleted as soon as it has been terminal for
    /// more than 30 s (the earlier reading, kept selectable): at t = 29 a dependent still finds
    /// its completed dependency and runs; at t = 31 the dependency is missing.
    @Test func withoutASweepTerminalOpsAreDeletedAfter30Seconds() throws {
        var config = ModelConfig.exact(.facade, tasks: [FixedTask("work", seconds: 0.5)])
        config.hardDeleteInterval = .zero
        let bench = Bench(config: config)
        bench.startNet(.n1)
        bench.run { driver in
            let d = await driver.create(["work"], on: Self.parked)
            await driver.setState(d, .complete)
            try await driver.sleep(until: 29)
            let early = await driver.create(["work"], on: Self.lane, dependsOn: [d])
            try await driver.awaitTerminal(early, deadline: 30)
            try await driver.sleep(until: 30)
            #expect(await driver.load(d)?.state == .complete)
            try await driver.sleep(until: 30.000_001)
            #expect(await driver.load(d) == nil)
            try await driver.sleep(until: 31)
            let late = await driver.create(["work"], on: Self.lane, dependsOn: [d])
            try await driver.awaitTerminal(late, deadline: 40)
        }
        let (early, late) = (try bench.createdOp(1), try bench.createdOp(2))
        #expect(bench.terminalState(early) == "complete")
        #expect(bench.terminalState(late) == "error")
    }
}
