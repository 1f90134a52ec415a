@testable import Model
import Sim
import Testing

/// Event writes cost time on the path that emits them, every event (model file, section 4):
/// one round trip plus serialisation in `facade` and `plan`, a spool append in `later`, and
/// any kind can be priced on its own.
@Suite struct EventCostTests {
    static let lane = QueueName(.node(.n1), .network, .userFacing)
    static let work = FixedTask("work", seconds: 1)

    /// Each kind's stream name is `"event/<kind>/"` hashed once: completed with a retry and a
    /// defer count, it names the same stream as the whole string (a prefix of another kind,
    /// or missing its slash, fails).
    @Test(arguments: EventKind.allCases)
    func aKindsStreamPrefixIsItsWholeName(kind: EventKind) {
        for (retries, defers) in [(0, 0), (1, 0), (0, 3), (12, 7)] {
            var name = kind.streamPrefix
            name.append(retries)
            name.append("/")
            name.append(defers)
            let whole = RandomStream(parent: 42, name: "event/\(kind.rawValue)/\(retries)/\(defers)")
            #expect(RandomStream(parent: 42, name: name).key == whole.key, "\(kind) \(retries) \(defers)")
        }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var write: EventWrite
        var overrides: [EventKind: Distribution] = [:]
        /// The gap between one op's `complete` write and the next op's pickup: the
        /// `execution duration` event, then the row delete and the next op's load (free).
        var gap: Double
        var testDescription: String { "\(write) \(overrides.keys.map(\.rawValue).sorted())" }
    }

    /// Zero round trips except where an event is a database write: then the round trip is a
    /// constant 3 ms and serialisation 2 ms, so an event costs 5 ms.
    static let cases = [
        Case(write: .database(serialisation: .constant(.milliseconds(2))), gap: 0.005),
        Case(write: .spool(append: .constant(.microseconds(100))), gap: 0.0001),
        Case(write: .database(serialisation: .constant(.milliseconds(2))),
             overrides: [.executionDuration: .constant(.milliseconds(40))], gap: 0.04),
        Case(write: .database(serialisation: .constant(.milliseconds(2))), overrides: [.executionDuration: .zero],
             gap: 0),
    ]

    /// Which kinds are free is kept as the costs change: a kind is free when its override,
    /// or else the era's write, is the zero constant; assigning either field (in place too)
    /// updates every kind.
    @Test func whichKindsAreFreeFollowsTheWriteAndTheOverrides() {
        var costs = EventCosts(write: .spool(append: .zero))
        #expect(EventKind.allCases.allSatisfy { costs.isFree($0) })
        costs.overrides[.created] = .constant(.milliseconds(1))
        #expect(!costs.isFree(.created))
        #expect(EventKind.allCases.filter { costs.isFree($0) }.count == EventKind.allCases.count - 1)
        costs.write = .database(serialisation: .zero)
        #expect(EventKind.allCases.allSatisfy { !costs.isFree($0) })
        costs.overrides[.dependencyFailed] = .zero
        #expect(EventKind.allCases.filter { costs.isFree($0) } == [.dependencyFailed])
        costs.write = .spool(append: .constant(.microseconds(1)))
        #expect(EventKind.allCases.filter { costs.isFree($0) } == [.dependencyFailed])
        costs.overrides = [:]
        #expect(EventKind.allCases.allSatisfy { !costs.isFree($0) })
        #expect(Set(EventKind.allCases.map(\.bit)).count == EventKind.allCases.count)
    }

    /// Two ops claimed together (batched) run one after the other on sf-net: between the
    /// first's `complete` write and the second's pickup lies the first's `execution duration`
    /// event.
    @Test(arguments: cases)
    func theExecutionDurationEventDelaysTheNextItemByItsCost(_ check: Case) throws {
        var config = ModelConfig.exact(.facade, tasks: [Self.work])
        config.steps = [.batchedDequeue]
        config.events = EventCosts(write: check.write, overrides: check.overrides)
        // Round trips cost only in the event (the database's other statements stay free).
        let eventRoundTrip = Distribution.constant(.milliseconds(3))
        if case .database = check.write {
            config.roundTrip = eventRoundTrip
            config.events.overrides = check.overrides
        }
        let bench = Bench(config: config)
        bench.startNet(.n1)
        bench.run { driver in
            try await driver.sleep(until: 0.1)
            let first = await driver.create([Self.work.name], on: Self.lane)
            let second = await driver.create([Self.work.name], on: Self.lane)
            try await driver.awaitTerminal(first, deadline: 10)
            try await driver.awaitTerminal(second, deadline: 10)
        }
        let (first, second) = (try bench.createdOp(0), try bench.createdOp(1))
        let complete = try #require(bench.events(first, .terminal).first?.seconds)
        let picked = try #require(bench.events(second, .started).first?.seconds)
        // With 3 ms round trips every statement costs too: the delete and the load add 6 ms.
        let statements = (check.write == .spool(append: .constant(.microseconds(100)))) ? 0 : 0.006
        #expect(same(picked - complete, check.gap + statements), "gap \(picked - complete)")
    }

    /// Step 1 as the plan wrote it adds a `started executing` event write at pickup; merged
    /// into `execution duration` (`events.step1: folded`) it adds nothing.
    @Test(arguments: StartedEvent.allCases)
    func stepOnesOwnEventCostsAWriteOnlyWhenItIsSeparate(_ shape: StartedEvent) throws {
        var config = ModelConfig.exact(.facade, tasks: [Self.work])
        config.steps = [.batchedDequeue, .visibility]
        config.startedEvent = shape
        config.events = EventCosts(write: .spool(append: .constant(.milliseconds(50))))
        let bench = Bench(config: config)
        bench.startNet(.n1)
        bench.run { driver in
            try await driver.sleep(until: 0.1)
            let op = await driver.create([Self.work.name], on: Self.lane)
            try await driver.awaitTerminal(op, deadline: 10)
        }
        let op = try bench.createdOp(0)
        let picked = try #require(bench.events(op, .started).first?.seconds)
        let finished = try #require(bench.events(op, .finished).first?.seconds)
        #expect(same(finished - picked, 1 + (shape == .separate ? 0.05 : 0)))
    }

    /// The caller pays the `operation created` event after the create transaction: with
    /// 10 ms round trips and 2 ms serialisation, `create_and_enqueue` takes 10 + 12 ms.
    @Test func theCallerPaysTheCreatedEvent() throws {
        var config = ModelConfig.exact(.facade, roundTrip: .milliseconds(10))
        config.events = EventCosts(write: .database(serialisation: .constant(.milliseconds(2))))
        let bench = Bench(config: config)
        bench.run { driver in
            _ = try await driver.enqueue(await driver.spec([.updateDnsmasq], on: Self.lane), caller: "api/x")
            #expect(await driver.now == .milliseconds(22))
        }
    }
}
