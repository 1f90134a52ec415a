@testable import Sim
import Testing

/// Rule 8 of the ordering contract: a sleep whose wake-up would be the loop's next step goes
/// on where it is, in the job that slept (``SimExecutor/scheduleSleep(at:observer:waiter:)``).
/// The run must be the one where every sleep suspends: the same events at the same instants
/// in the same order, the same job count, the same ending.
@Suite struct SleepRunOnTests {
    /// What a run came to, and how its sleeps went: suspended through the gate, or on.
    struct Run: Equatable {
        var script: ScriptRun
        var parked: UInt64
        var ranOn: UInt64
    }

    static func run(runningOn: Bool, limit: Duration? = nil, guards: SimExecutor.Guards = .init(),
                    _ script: (Simulation, Performer) -> Void) -> Run {
        let sim = Simulation()
        sim.executor.sleepsMayRunOn = runningOn
        let log = EventLog()
        let performer = Performer(sim: sim, log: log)
        script(sim, performer)
        let outcome = sim.run(limit: limit, guards: guards)
        return Run(script: ScriptRun(log: log, outcome: outcome),
                   parked: sim.executor.gateExecutor.parked, ranOn: sim.executor.sleepsRunOn)
    }

    /// A task alone: each of its three sleeps is the next step, and none suspends; the run
    /// is the one where all three do (the same jobs: the start, its hop to the performer,
    /// three wake-ups).
    @Test func aLoneSleepersSleepsGoOnWhereTheyAre() {
        let script: (Simulation, Performer) -> Void = { sim, performer in
            sim.spawn("sleeper", on: performer) { me in
                for _ in 0..<3 {
                    try? await me.sleep(for: .seconds(1))
                    me.note("awake")
                }
            }
        }
        let on = Self.run(runningOn: true, script)
        let off = Self.run(runningOn: false, script)
        #expect(on.script == off.script)
        #expect(off.script.events == [at(1, "awake"), at(2, "awake"), at(3, "awake")])
        // The task's start, its hop to the performer, and the three wake-ups.
        #expect(off.script.jobs == 5)
        #expect(on.ranOn == 3 && on.parked == 0)
        #expect(off.ranOn == 0 && off.parked == 3)
    }

    /// A sleep that goes on takes no waiter (``SimExecutor/startSleep(of:until:observer:)``):
    /// a task whose every sleep goes on never has one in its slot.
    @Test func aSleepThatGoesOnTakesNoWaiter() {
        let sim = Simulation()
        let performer = Performer(sim: sim)
        let held = EventLog()
        sim.spawn("sleeper", on: performer) { me in
            for _ in 0..<3 {
                try? await me.sleep(for: .seconds(1))
                held.record(WaitSlot.current?.heldWaiter == nil ? "no waiter" : "a waiter", at: sim.now)
            }
        }
        _ = sim.run(limit: nil)
        #expect(held.entries == [at(1, "no waiter"), at(2, "no waiter"), at(3, "no waiter")])
        #expect(sim.executor.sleepsRunOn == 3)
    }

    /// A sleep past the time limit suspends: the loop ends the run at the limit with the task
    /// asleep, as it would have.
    @Test func aSleepPastTheTimeLimitSuspends() {
        let script: (Simulation, Performer) -> Void = { sim, performer in
            sim.spawn("sleeper", on: performer) { me in
                while (try? await me.sleep(for: .seconds(1))) != nil { me.note("awake") }
            }
        }
        let on = Self.run(runningOn: true, limit: .seconds(10.5), script)
        let off = Self.run(runningOn: false, limit: .seconds(10.5), script)
        #expect(on.script == off.script)
        #expect(off.script.end == .seconds(10.5))
        #expect(off.script.events.count == 10)
        // Ten sleeps ended at 1...10 s; the eleventh, to 11 s, waited.
        #expect(on.ranOn == 10)
    }

    /// Random scripts: tasks that sleep for short random times (ties at one instant are
    /// common, and zero sleeps), sleep as observers, notify a signal and wait on it with and
    /// without a deadline, noting each step. With sleeps going on and without, every seed
    /// gives the same run; over the seeds, both ways of sleeping are taken many times.
    @Test func randomScriptsRunAsIfEverySleepSuspended() {
        var ranOn: UInt64 = 0, parked: UInt64 = 0
        for seed in UInt64(1)...24 {
            let (on, off) = Self.randomScript(seed: seed)
            #expect(on.script == off.script, "seed \(seed)")
            #expect(off.script.events.count >= 40, "seed \(seed)")
            #expect(off.ranOn == 0)
            // Every sleep that went on is a suspension less, one for one.
            #expect(on.parked + on.ranOn == off.parked, "seed \(seed)")
            ranOn += on.ranOn
            parked += on.parked
        }
        #expect(ranOn >= 100, "\(ranOn) sleeps went on")
        #expect(parked >= 100, "\(parked) waits suspended")
    }

    static func randomScript(seed: UInt64) -> (on: Run, off: Run) {
        let script: (Simulation, Performer) -> Void = { sim, performer in
            let signal = Signal(executor: sim.executor)
            var random = RandomStream(seed: seed)
            let tasks = 1 + Int(random.next() % 4)
            for task in 0..<tasks {
                // Each step: 0 sleep, 1 observer sleep, 2 notify, 3 timed wait, 4 untimed wait
                // (only for the first task, which others notify), with a duration in ms.
                let steps = (0..<40).map { _ in (kind: Int(random.next() % (task == 0 ? 5 : 4)),
                                                 millis: Int64(random.next() % 4)) }
                sim.spawn("task-\(task)", role: task == 0 && tasks > 1 ? .daemon : .foreground, on: performer) { me in
                    for (index, step) in steps.enumerated() {
                        let duration = Duration.milliseconds(step.millis)
                        switch step.kind {
                        case 0:
                            try? await me.sleep(for: duration)
                        case 1:
                            try? await sim.clock.sleep(until: sim.clock.now.advanced(by: duration), observing: true)
                        case 2:
                            signal.notifyAll()
                        case 3:
                            _ = try? await signal.wait(until: sim.clock.now.advanced(by: duration))
                        default:
                            _ = try? await signal.wait()
                        }
                        me.note("task-\(task) step \(index)")
                    }
                }
            }
        }
        return (Self.run(runningOn: true, script), Self.run(runningOn: false, script))
    }

    /// A sleep a wake-up check makes for its task (``WakeVerdict/sleep(until:)``) goes on
    /// too when it is the next step: the check is answered again at once. The run is the one
    /// where the task ran at every wake-up (``WakeCheckTests``' daemon and script).
    @Test func aChecksSleepThatIsTheNextStepIsAnsweredAtOnce() {
        let on = WakeCheckTests.run(checked: true, runningOn: true)
        let off = WakeCheckTests.run(checked: true, runningOn: false)
        #expect(on.run == off.run)
        #expect(on.run == WakeCheckTests.run(checked: false, runningOn: false).run)
        #expect(on.answered == off.answered)
        #expect(on.checkRanOn > 0 && off.ranOn == 0)
    }

    /// A task that sleeps zero in a loop, alone at its instant, goes on at every sleep until
    /// the guard on jobs at one instant trips; then its sleeps suspend (the guard's sample
    /// names the tasks that suspend) and the run ends naming it, after the same jobs.
    @Test func aLoopOfZeroSleepsStillTripsTheGuard() {
        let script: (Simulation, Performer) -> Void = { sim, performer in
            sim.spawn("spinner", on: performer) { me in
                while (try? await me.sleep(for: .zero)) != nil {}
            }
            sim.spawn("patient", on: performer) { me in try? await me.sleep(for: .seconds(5)) }
        }
        let guards = SimExecutor.Guards(jobsPerInstant: 1_000)
        let on = Self.run(runningOn: true, guards: guards, script)
        let off = Self.run(runningOn: false, guards: guards, script)
        #expect(on.script == off.script)
        #expect(on.script.ending == .noProgress(looping: ["spinner (\(SimExecutor.guardSample)x)"]))
        #expect(on.script.jobs == 1_000 + SimExecutor.guardSample)
        #expect(on.ranOn > 900)
    }
}
