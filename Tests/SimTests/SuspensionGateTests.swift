@testable import Sim
import Synchronization
import Testing

/// A spawned task waiting on an actor of the simulation's executor suspends through the gate
/// (``SuspensionGate``: its job kept by the waiter, no continuation); any other wait keeps its
/// continuation. The two must give the same run: the same events at the same instants in the
/// same order, and the same number of jobs (the job count is part of every report).
@Suite struct SuspensionGateTests {
    /// A script that waits every way a model actor does: sleeps for and until, an observer
    /// sleep, signal waits notified, timed out and ending a stale timer's waiter, a sleep
    /// cancelled by another task, and a daemon's wait cancelled at the end of the run.
    static func run(gated: Bool) -> (run: ScriptRun, parked: UInt64, ranOn: UInt64) {
        let sim = Simulation()
        if !gated { sim.executor.gated = false }
        let log = EventLog()
        let signal = Signal(executor: sim.executor)
        let performer = Performer(sim: sim, log: log)
        sim.spawn("sleeper", on: performer) { me in
            try? await me.sleep(for: .seconds(1))
            me.note("sleeper at 1")
            try? await me.sleep(until: 3)
            me.note("sleeper at 3")
            try? await sim.clock.sleep(until: SimClock.Instant(offset: .seconds(3)), observing: true)
            me.note("sleeper observes 3")
        }
        sim.spawn("waiter", on: performer) { me in
            let notified = (try? await signal.wait(until: sim.clock.now.advanced(by: .seconds(10)))) ?? false
            me.note("waiter notified: \(notified)")
            // The 10 s timer of the wait above is stale: this sleep must still end at 22 s.
            try? await me.sleep(for: .seconds(20))
            me.note("waiter slept 20 s")
            let again = (try? await signal.wait(until: sim.clock.now.advanced(by: .seconds(1)))) ?? true
            me.note("waiter notified again: \(again)")
        }
        sim.spawn("notifier", on: performer) { me in
            try? await me.sleep(for: .seconds(2))
            me.note("notifies")
            signal.notifyAll()
        }
        let victim = sim.spawn("victim") {
            await performer.perform { me in
                do {
                    try await me.sleep(for: .seconds(100))
                    me.note("victim woke")
                } catch {
                    me.note("victim cancelled")
                }
            }
        }
        sim.spawn("canceller", on: performer) { me in
            try? await me.sleep(for: .seconds(5))
            me.note("cancels the victim")
            victim.cancel()
        }
        sim.spawn("daemon", role: .daemon, on: performer) { me in
            while true {
                do {
                    try await signal.wait()
                    me.note("daemon notified")
                } catch {
                    me.note("daemon cancelled")
                    return
                }
            }
        }
        let outcome = sim.run(limit: nil)
        return (ScriptRun(log: log, outcome: outcome),
                sim.executor.gateExecutor.parked, sim.executor.sleepsRunOn)
    }

    @Test func theGateGivesTheRunContinuationsGive() {
        let gated = Self.run(gated: true)
        let continued = Self.run(gated: false)
        #expect(gated.run == continued.run)
        // The run is the one the script means (so the two are not equal by both being wrong).
        #expect(continued.run.events == [
            at(1, "sleeper at 1"), at(2, "notifies"), at(2, "waiter notified: true"), at(2, "daemon notified"),
            at(3, "sleeper at 3"), at(3, "sleeper observes 3"), at(5, "cancels the victim"), at(5, "victim cancelled"),
            at(22, "waiter slept 20 s"), at(23, "waiter notified again: false"), at(23, "daemon cancelled"),
        ])
        #expect(continued.run.ending == .completed)
        // Every wait of the gated run went through the gate (sleeper 3, waiter 3, notifier 1,
        // victim 1, canceller 1, daemon 2) but one: the sleeper's observer sleep until 3, at
        // 3, is the next step (no job queued, the next timer the canceller's at 5) and goes
        // on where it is (rule 8). None of the other's did either.
        #expect(continued.parked == 0 && continued.ranOn == 0)
        #expect(gated.parked == 10, "parked \(gated.parked)")
        #expect(gated.ranOn == 1, "ran on \(gated.ranOn)")
    }

    /// On Linux the gate is recognised (else every wait would silently keep its continuation),
    /// and a spawned task's wait on an actor of the simulation passes it once per wait. Two
    /// sleepers in step: each sleep's timer ties with or follows the other's, so none is the
    /// next step (rule 8) and every one suspends.
    @Test func waitsOnTheSimulationsActorsPassTheGate() {
        let sim = Simulation()
        #if os(Linux)
        #expect(sim.executor.gated)
        #endif
        guard sim.executor.gated else { return }
        let performer = Performer(sim: sim)
        for name in ["sleeper-a", "sleeper-b"] {
            sim.spawn(name, on: performer) { me in
                for _ in 0..<3 { try? await me.sleep(for: .seconds(1)) }
            }
        }
        let outcome = sim.run(limit: nil)
        #expect(outcome.virtualTime == .seconds(3))
        #expect(sim.executor.gateExecutor.parked == 6)
        #expect(sim.executor.sleepsRunOn == 0)
    }

    /// A wait whose caller is not isolated to an actor of the simulation keeps its
    /// continuation: once resumed, the caller goes on where it must, not on the gate.
    @Test func aWaitOutsideTheSimulationsActorsKeepsItsContinuation() {
        let sim = Simulation()
        let seen = Mutex<[Duration]>([])
        sim.spawn("nonisolated sleeper") {
            for _ in 0..<3 {
                try? await sim.clock.sleep(for: .seconds(1))
                seen.withLock { $0.append(sim.clock.now.offset) }
            }
        }
        let outcome = sim.run(limit: nil)
        #expect(outcome.ending == .completed)
        #expect(seen.withLock { $0 } == [.seconds(1), .seconds(2), .seconds(3)])
        #expect(sim.executor.gateExecutor.parked == 0)
    }
}
