@testable import Model
import Sim
import Testing

/// The lost-work check must not pass vacuously (model file 8, 9): an op's change includes its
/// parameters and is scoped by its task's declared scope; a fold may not let a change be made
/// before the victim's own dependencies completed; and a victim whose change some execution
/// made after it was requested is not lost.
@Suite struct EffectScopeTests {
    static let netA = NetworkID("net-a")
    static let lane = QueueName(.networkNode, .clusterOperation, .userFacing)
    /// Nobody drains node-3's lane in these benches.
    static let parked = QueueName(.node(.n3), .network, .userFacing)

    /// `facade` with the batched claim and step 4; whatever `rules` coalesces.
    static func config(_ rules: [CoalescingRule], tasks: [FixedTask] = []) -> ModelConfig {
        var config = ModelConfig.exact(.facade, tasks: [FixedTask(.addFloatingIP, seconds: 0.5),
                                                        FixedTask(.updateDnsmasq, seconds: 1)] + tasks)
        config.steps = [.batchedDequeue, .workerFold]
        config.coalescing = .custom(rules)
        config.foldCost = .zero
        return config
    }

    /// Folding two floating-IP adds on one network (a rule keyed on `network_uuid` alone)
    /// loses the second address: its parameters differ. The same address twice loses nothing.
    @Test(arguments: [false, true])
    func foldingTwoFloatingIPAddsOnOneNetworkLosesTheOtherAddress(sameAddress: Bool) throws {
        let rule = CoalescingRule(type: .netOp, tasks: [.addFloatingIP], key: [.networkUUID])
        let bench = Bench(config: Self.config([rule]), nodes: 3)
        bench.startNet(.n1)
        bench.run { driver in
            try await driver.sleep(until: 0.1)
            await driver.create([.addFloatingIP], on: Self.parked, network: Self.netA,
                                parameters: ["address=10.0.0.2", "instance=b"])
            let survivor = await driver.create([.addFloatingIP], on: Self.lane, network: Self.netA,
                                               parameters: sameAddress ? ["address=10.0.0.2", "instance=b"]
                                                                       : ["address=10.0.0.1", "instance=a"])
            try await driver.awaitTerminal(survivor, deadline: 10)
        }
        #expect(bench.counts.folded == 1)
        let violations = bench.context.recorder.effectViolations
        #expect(violations.count == (sameAddress ? 0 : 1))
        if let violation = violations.first {
            #expect(violation.effect == "network net-a (address=10.0.0.2, instance=b)")
        }
    }

    /// A scenario task declares its scope: folding a `reconfigure` op run on node-1 into one
    /// parked for node-3 loses nothing when the task changes the network (`network`), and
    /// loses node-3's change when it changes the node that runs it (`node`).
    @Test(arguments: [TaskScope.network, .node])
    func theTasksDeclaredScopeDecidesWhetherAFoldLosesWork(scope: TaskScope) throws {
        var config = Self.config([CoalescingRule(type: .netOp, tasks: ["reconfigure"], key: [.networkUUID])])
        config.tasks["reconfigure"] = TaskProfile(service: .constant(.milliseconds(300)), scope: scope)
        let bench = Bench(config: config, nodes: 3)
        bench.startNet(.n1)
        bench.run { driver in
            try await driver.sleep(until: 0.1)
            await driver.create(["reconfigure"], on: Self.parked, network: Self.netA)
            let survivor = await driver.create(["reconfigure"], on: QueueName(.node(.n1), .network, .userFacing),
                                               network: Self.netA)
            try await driver.awaitTerminal(survivor, deadline: 10)
        }
        #expect(bench.counts.folded == 1)
        #expect(bench.context.recorder.effectViolations.count == (scope == .node ? 1 : 0))
    }

    /// The victim `depends_on` an op that completes only at 5 s; the survivor folds it at
    /// 0.2 s and makes the change then. The change came before the victim's dependency
    /// completed: reported, with the instants.
    @Test func aFoldThatMakesTheChangeBeforeTheVictimsDependencyCompletedIsReported() throws {
        let bench = Bench(config: Self.config([CoalescingRule(type: .netOp, tasks: [.updateDnsmasq],
                                                              key: [.networkUUID])]), nodes: 3)
        bench.startNet(.n1)
        bench.run { driver in
            let dependency = await driver.create(["slow"], on: Self.parked)
            try await driver.sleep(until: 0.1)
            await driver.create([.updateDnsmasq], on: Self.parked, network: Self.netA, dependsOn: [dependency])
            let survivor = await driver.create([.updateDnsmasq], on: Self.lane, network: Self.netA)
            try await driver.awaitTerminal(survivor, deadline: 10)
            try await driver.sleep(until: 5)
            await driver.setState(dependency, .complete)
        }
        let (survivor, victim) = (try bench.createdOp(2), try bench.createdOp(1))
        #expect(bench.counts.folded == 1)
        #expect(bench.context.recorder.effectViolations.map(\.reason) == [
            "\(survivor) made the change at t=0.200000s, before its own dependencies completed at t=5.000000s",
        ])
        #expect(bench.context.recorder.effectViolations.map(\.victim) == [victim.description])
    }

    /// No false positive: the survivor errors after folding its sibling, but a third op on
    /// the same network, created after the sibling and not folded, makes the change later.
    /// The sibling's change was made after it was requested: not lost.
    @Test func aVictimWhoseChangeAnotherExecutionMadeLaterIsNotLost() throws {
        var config = Self.config([CoalescingRule(type: .netOp, tasks: [.updateDnsmasq], key: [.networkUUID])])
        config.retryDelays = []
        config.tasks["failing"] = TaskProfile(service: .constant(.milliseconds(100)), failureProbability: 1)
        let bench = Bench(config: config)
        bench.startNet(.n1)
        bench.run { driver in
            try await driver.sleep(until: 0.1)
            // The survivor runs dnsmasq, then a task that always fails: the op errors.
            let survivor = await driver.create([.updateDnsmasq, "failing"], on: Self.lane, network: Self.netA)
            await driver.create([.updateDnsmasq], on: Self.lane, network: Self.netA)
            try await driver.awaitTerminal(survivor, deadline: 10)
            let later = await driver.create([.updateDnsmasq], on: Self.lane, network: Self.netA)
            try await driver.awaitTerminal(later, deadline: 10)
        }
        #expect(bench.counts.folded == 1)
        #expect(bench.context.recorder.effectViolations.isEmpty)
    }
}

/// `effect_seconds`: every request, from creation to the end of the execution that made its
/// change (its own or another's), or to its error or abort.
@Suite struct EffectSecondsTests {
    static let netA = NetworkID("net-a")
    static let lane = QueueName(.networkNode, .clusterOperation, .userFacingHighIO)

    /// Two dnsmasq ops created at 0.1 s; the first is picked up at 0.2 s, folds the second
    /// (5 ms), works 1 s and completes at 1.205 s. Both requests' change was made by that
    /// execution: effect_seconds 1.105 s each. Only the survivor executed, so wait_seconds has
    /// one value (0.1 s) and effect_seconds two.
    @Test func aFoldedRequestIsTimedToTheEndOfTheExecutionThatMadeItsChange() throws {
        var config = ModelConfig.exact(.facade, tasks: [FixedTask(.updateDnsmasq, seconds: 1)])
        config.steps = [.batchedDequeue, .workerFold]
        config.foldCost = .constant(.milliseconds(5))
        let bench = Bench(config: config)
        bench.startNet(.n1)
        bench.run { driver in
            try await driver.sleep(until: 0.1)
            let first = await driver.create([.updateDnsmasq], on: Self.lane, network: Self.netA)
            let second = await driver.create([.updateDnsmasq], on: Self.lane, network: Self.netA)
            try await driver.awaitTerminal(first, deadline: 10)
            try await driver.awaitTerminal(second, deadline: 10)
        }
        #expect(bench.counts.folded == 1)
        #expect(bench.context.recorder.wait.all.summary.count == 1)
        let effect = bench.context.recorder.effects.seconds.all.summary
        #expect(effect.count == 2)
        // Histograms keep three significant digits.
        #expect(abs(effect.p50 - 1.105) < 0.002 && abs(effect.max - 1.105) < 0.002)
    }

    /// An op whose `depends_on` is missing errors at dispatch: its effect_seconds runs to the
    /// error.
    @Test func anErroredRequestIsTimedToItsError() throws {
        let bench = Bench(config: .exact(.facade))
        bench.startNet(.n1)
        bench.run { driver in
            try await driver.sleep(until: 0.1)
            let op = await driver.create(["work"], on: QueueName(.node(.n1), .network, .userFacing),
                                         dependsOn: [OpID(999)])
            try await driver.awaitTerminal(op, deadline: 10)
        }
        let effect = bench.context.recorder.effects.seconds.all.summary
        #expect(effect.count == 1)
        #expect(abs(effect.max - 0.1) < 0.001)
    }
}
