import Sim
import Testing

/// How a run ends: completed, stuck (instead of hanging), at the time limit; daemons and
/// stuck tasks are unwound at the end either way.
@Suite struct SimulationEnding {
    let sim = Simulation()
    let log = EventLog()
    let performer: Performer

    init() { performer = Performer(sim: sim, log: log) }

    @Test func runWhoseForegroundTasksCanNeverBeWokenEndsStuckNamingThem() {
        let signal = Signal(executor: sim.executor)
        for (name, head) in [("waiter-a", 0.0), ("waiter-b", 1.0)] {
            sim.spawn(name, on: performer) { me in
                if head > 0 { try? await me.sleep(for: .seconds(double: head)) }
                do { try await signal.wait() } catch { me.note("\(name) released") }
            }
        }
        sim.spawn("finisher", on: performer) { me in
            try? await me.sleep(until: 2)
            me.note("finisher done")
        }
        let outcome = sim.run(limit: nil)
        #expect(outcome.ending == .stuck(["waiter-a", "waiter-b"]))
        #expect(outcome.virtualTime == .seconds(2))
        #expect(log.entries == [at(2, "finisher done"), at(2, "waiter-a released"), at(2, "waiter-b released")])
    }

    @Test func timeLimitEndsTheRunAtTheLimitNamingUnfinishedTasks() {
        sim.spawn("ticker", on: performer) { me in
            for _ in 1...3 {
                try? await me.sleep(for: .seconds(1))
                me.note("tick")
            }
        }
        sim.spawn("sleeper", on: performer) { me in
            do { try await me.sleep(for: .seconds(100)) } catch { me.note("sleeper cancelled") }
        }
        sim.spawn("punctual", role: .daemon, on: performer) { me in
            // Due exactly at the limit: only timers beyond it are cut off.
            try? await me.sleep(until: 10)
            me.note("punctual at the limit")
        }
        let outcome = sim.run(limit: .seconds(10))
        #expect(outcome.ending == .timeLimit(["sleeper"]))
        #expect(outcome.virtualTime == .seconds(10))
        #expect(log.entries == [at(1, "tick"), at(2, "tick"), at(3, "tick"), at(10, "punctual at the limit"),
                                at(10, "sleeper cancelled")])
    }

    @Test func daemonsAreCancelledWhenTheLastForegroundTaskEnds() {
        let signal = Signal(executor: sim.executor)
        sim.spawn("poller", role: .daemon, on: performer) { me in
            do {
                while true {
                    try await me.sleep(for: .seconds(1))
                    me.note("poll")
                }
            } catch {
                me.note("poller got \(error is CancellationError ? "CancellationError" : "\(error)"), "
                        + "task cancelled: \(Task.isCancelled)")
            }
        }
        sim.spawn("listener", role: .daemon, on: performer) { me in
            do { try await signal.wait() } catch { me.note("listener released, task cancelled: \(Task.isCancelled)") }
        }
        sim.spawn("work", on: performer) { me in
            try? await me.sleep(for: .milliseconds(3500))
            me.note("work done")
        }
        let outcome = sim.run(limit: nil)
        #expect(outcome.ending == .completed)
        #expect(outcome.virtualTime == .milliseconds(3500))
        #expect(log.entries == [at(1, "poll"), at(2, "poll"), at(3, "poll"), at(3.5, "work done"),
                                at(3.5, "poller got CancellationError, task cancelled: true"),
                                at(3.5, "listener released, task cancelled: true")])
    }

    @Test func runWithOnlyDaemonsLeftWaitingEndsCompleted() {
        let signal = Signal(executor: sim.executor)
        sim.spawn("listener", role: .daemon, on: performer) { me in
            do { try await signal.wait() } catch { me.note("listener released") }
        }
        sim.spawn("work", on: performer) { me in
            try? await me.sleep(for: .seconds(1))
        }
        let outcome = sim.run(limit: nil)
        #expect(outcome.ending == .completed)
        #expect(outcome.virtualTime == .seconds(1))
        #expect(log.entries == [at(1, "listener released")])
    }
}
