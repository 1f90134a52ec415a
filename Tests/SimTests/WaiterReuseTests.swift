@testable import Sim
import Synchronization
import Testing

/// A spawned task's waits reuse its last waiter when nothing but its wait slot still refers to
/// it (``WaitSlot/reusedWaiter(timed:_:)``). A waiter a stale timer entry still holds (its wait
/// ended by a signal before its deadline) must not be reused: when that entry's deadline
/// came, it would find the waiter waiting again and end the task's next wait early.
@Suite struct WaiterReuseTests {
    final class Seen: Sendable {
        let values = Mutex<[String]>([])
        func add(_ value: String) { values.withLock { $0.append(value) } }
    }

    /// Three sleeps ended by their deadlines: one waiter for all three.
    @Test func sleepsEndedByTheirDeadlinesShareOneWaiter() {
        let sim = Simulation()
        let seen = Seen()
        sim.spawn("sleeper") {
            var held: [ObjectIdentifier?] = []
            for _ in 0..<3 {
                try? await sim.clock.sleep(for: .seconds(1))
                held.append(WaitSlot.current?.heldWaiter)
            }
            seen.add(held.allSatisfy { $0 != nil && $0 == held[0] } ? "one waiter" : "waiters \(held)")
        }
        let outcome = sim.run(limit: nil)
        #expect(outcome.ending == .completed)
        #expect(outcome.virtualTime == .seconds(3))
        #expect(seen.values.withLock { $0 } == ["one waiter"])
    }

    /// A signal ends a wait at 1 s whose deadline is 10 s: the timer entry for 10 s stays in
    /// the heap (stale). The task's next wait, a sleep of 20 s from 1 s, gets a new waiter and
    /// ends at 21 s, not at 10 s when the stale entry is reached.
    @Test func aWaiterAStaleTimerHoldsIsNotReused() {
        let sim = Simulation()
        let seen = Seen()
        let signal = Signal(executor: sim.executor)
        sim.spawn("waiter") {
            do {
                let notified = try await signal.wait(until: sim.clock.now.advanced(by: .seconds(10)))
                let first = WaitSlot.current?.heldWaiter
                seen.add("notified \(notified) at \(sim.clock.now.offset)")
                try await sim.clock.sleep(for: .seconds(20))
                seen.add("slept to \(sim.clock.now.offset)")
                seen.add(first != nil && WaitSlot.current?.heldWaiter != first ? "new waiter" : "same waiter")
            } catch {
                seen.add("error \(error)")
            }
        }
        sim.spawn("notifier") {
            try? await sim.clock.sleep(for: .seconds(1))
            signal.notifyAll()
        }
        let outcome = sim.run(limit: nil)
        #expect(outcome.ending == .completed)
        #expect(outcome.virtualTime == .seconds(21))
        #expect(seen.values.withLock { $0 } == ["notified true at 1.0 seconds", "slept to 21.0 seconds", "new waiter"])
    }

    /// A task cancelled in a wait on a reused waiter ends that wait at once, as with a new one.
    /// The slot keeps the waiter (a wait through the gate reads why it ended from it, holding
    /// no reference of its own): the same one, reused by the second sleep.
    @Test func cancellingAWaitOnAReusedWaiterEndsItAtOnce() {
        let sim = Simulation()
        let seen = Seen()
        let sleeper = sim.spawn("sleeper") {
            try? await sim.clock.sleep(for: .seconds(1))
            let first = WaitSlot.current?.heldWaiter
            do {
                try await sim.clock.sleep(for: .seconds(100))
                seen.add("slept")
            } catch {
                seen.add("\(error is CancellationError ? "cancelled" : "failed") at \(sim.clock.now.offset)")
            }
            seen.add(first != nil && WaitSlot.current?.heldWaiter == first ? "slot keeps its waiter" : "slot changed")
        }
        sim.spawn("canceller") {
            try? await sim.clock.sleep(for: .seconds(5))
            sleeper.cancel()
        }
        let outcome = sim.run(limit: nil)
        #expect(outcome.ending == .completed)
        #expect(outcome.virtualTime == .seconds(5))
        #expect(seen.values.withLock { $0 } == ["cancelled at 5.0 seconds", "slot keeps its waiter"])
    }

    /// The same through the gate (the sleeper on an actor of the simulation): the cancelled
    /// wait holds no reference to its waiter, so the slot's is what keeps it alive until the
    /// task, running again, reads why its wait ended. A slot that let go of it would leave
    /// the task reading a freed waiter.
    @Test func cancellingAGateWaitOnAReusedWaiterEndsItAtOnce() {
        let sim = Simulation()
        let seen = Seen()
        let performer = Performer(sim: sim)
        let sleeper = sim.spawn("sleeper") {
            await performer.perform { me in
                try? await me.sleep(for: .seconds(1))
                let first = WaitSlot.current?.heldWaiter
                do {
                    try await me.sleep(for: .seconds(100))
                    seen.add("slept")
                } catch {
                    seen.add("\(error is CancellationError ? "cancelled" : "failed") at \(sim.clock.now.offset)")
                }
                seen.add(first != nil && WaitSlot.current?.heldWaiter == first ? "slot keeps its waiter" : "slot changed")
            }
        }
        sim.spawn("canceller", on: performer) { me in
            try? await me.sleep(for: .seconds(5))
            sleeper.cancel()
        }
        let outcome = sim.run(limit: nil)
        #expect(outcome.ending == .completed)
        #expect(outcome.virtualTime == .seconds(5))
        #expect(seen.values.withLock { $0 } == ["cancelled at 5.0 seconds", "slot keeps its waiter"])
        #expect(sim.executor.gateExecutor.parked >= 2)
    }
}
