import Sim
import Testing

/// One test per rule of the ordering contract in `SimExecutor`'s doc comment. Each compares
/// the full event log with the exact sequence the rule implies; a kernel that broke the rule
/// would produce a different sequence.
@Suite struct OrderingContract {
    let sim = Simulation()
    let log = EventLog()
    let performer: Performer

    init() { performer = Performer(sim: sim, log: log) }

    /// Runs to the end and checks the run completed.
    func runToCompletion(limit: Duration? = nil) {
        let outcome = sim.run(limit: limit)
        #expect(outcome.ending == .completed)
    }

    // Rule 1.
    @Test func jobsRunOneAtATimeInFifoOrder() {
        for name in ["a", "b", "c"] {
            sim.spawn(name, on: performer) { me in
                for step in 1...3 {
                    me.note("\(name)\(step)")
                    // Re-enqueues this task as a job at the back of the queue.
                    await Task.yield()
                }
            }
        }
        runToCompletion()
        #expect(log.entries == ["a1", "b1", "c1", "a2", "b2", "c2", "a3", "b3", "c3"].map { at(0, $0) })
    }

    // Rule 2.
    @Test func timeDoesNotMoveWhileJobsAreRunnable() {
        sim.spawn("sleeper", on: performer) { me in
            try? await me.sleep(for: .nanoseconds(1))
            me.note("sleeper wakes")
        }
        sim.spawn("busy", on: performer) { me in
            me.note("busy starts")
            for _ in 0..<100 { await Task.yield() }
            me.note("busy ends")
        }
        runToCompletion()
        #expect(log.entries == [at(0, "busy starts"), at(0, "busy ends"), at(1e-9, "sleeper wakes")])
    }

    // Rule 3: the earliest deadline first.
    @Test func earliestTimerFiresFirst() {
        for (name, seconds) in [("late", 3.0), ("early", 1.0), ("middle", 2.0)] {
            sim.spawn(name, on: performer) { me in
                try? await me.sleep(for: .seconds(double: seconds))
                me.note(name)
            }
        }
        runToCompletion()
        #expect(log.entries == [at(1, "early"), at(2, "middle"), at(3, "late")])
    }

    // Rule 3: equal deadlines in scheduling order, which here differs from spawn order.
    @Test func sameInstantTimersFireInSchedulingOrder() {
        // Each sleeps first for `head` seconds, then schedules its timer for t = 1.
        for (name, head) in [("x", 0.5), ("y", 0.0), ("z", 0.25)] {
            sim.spawn(name, on: performer) { me in
                if head > 0 { try? await me.sleep(for: .seconds(double: head)) }
                try? await me.sleep(until: 1)
                me.note(name)
            }
        }
        runToCompletion()
        #expect(log.entries == [at(1, "y"), at(1, "z"), at(1, "x")])
    }

    // Rule 3: only when the jobs that followed a timer are done does the next one fire.
    @Test func firedTimersFollowOnJobsRunBeforeTheNextSameInstantTimer() {
        let signal = Signal(executor: sim.executor)
        sim.spawn("listener", on: performer) { me in
            _ = try? await signal.wait()
            me.note("listener woken")
        }
        sim.spawn("a", on: performer) { me in
            try? await me.sleep(until: 1)
            me.note("a wakes")
            signal.notifyAll()
            await Task.yield()
            me.note("a after yield")
        }
        sim.spawn("b", on: performer) { me in
            try? await me.sleep(until: 1)
            me.note("b wakes")
        }
        runToCompletion()
        #expect(log.entries == [at(1, "a wakes"), at(1, "listener woken"), at(1, "a after yield"),
                                at(1, "b wakes")])
    }

    // Rule 4, first half: a zero sleep yields to every runnable job.
    @Test func zeroSleepLetsRunnableJobsGoFirst() {
        sim.spawn("a", on: performer) { me in
            me.note("a before")
            try? await me.sleep(for: .zero)
            me.note("a after")
        }
        sim.spawn("b", on: performer) { me in
            me.note("b")
            await Task.yield()
            me.note("b after yield")
        }
        runToCompletion()
        #expect(log.entries == [at(0, "a before"), at(0, "b"), at(0, "b after yield"), at(0, "a after")])
    }

    // Rule 4, second half: a zero sleep (or one until a past instant) queues behind every
    // timer already scheduled for now, and the clock stays put.
    @Test func zeroSleepLetsEarlierSameInstantTimersGoFirst() {
        sim.spawn("c", on: performer) { me in
            try? await me.sleep(until: 1)
            me.note("c wakes")
            try? await me.sleep(for: .zero)
            me.note("c after zero sleep")
        }
        sim.spawn("d", on: performer) { me in
            try? await me.sleep(until: 1)
            me.note("d wakes")
        }
        sim.spawn("e", on: performer) { me in
            try? await me.sleep(until: 1)
            me.note("e wakes")
            try? await me.sleep(until: 0.5)
            me.note("e after sleeping until the past")
        }
        runToCompletion()
        #expect(log.entries == [at(1, "c wakes"), at(1, "d wakes"), at(1, "e wakes"), at(1, "c after zero sleep"),
                                at(1, "e after sleeping until the past")])
    }

    // Rule 5.
    @Test func cancellingASleepingTaskResumesItAtOnceWithCancellationError() {
        let sim = sim, performer = performer
        sim.spawn("controller", on: performer) { me in
            let sleeper = Task(executorPreference: sim.executor) {
                await performer.perform { me in
                    me.note("sleeper starts")
                    do {
                        try await me.sleep(for: .seconds(10))
                        me.note("sleeper slept")
                    } catch is CancellationError {
                        me.note("sleeper got CancellationError")
                    } catch {
                        me.note("sleeper got \(error)")
                    }
                }
            }
            try? await me.sleep(for: .seconds(1))
            sleeper.cancel()
            me.note("cancel sent")
            await sleeper.value
            me.note("joined")
            // A timer scheduled after the discarded one, at an earlier instant than it.
            try? await me.sleep(for: .seconds(2))
            me.note("later")
        }
        let outcome = sim.run(limit: nil)
        #expect(outcome.ending == .completed)
        #expect(outcome.virtualTime == .seconds(3))
        #expect(log.entries == [at(0, "sleeper starts"), at(1, "cancel sent"), at(1, "sleeper got CancellationError"),
                                at(1, "joined"), at(3, "later")])
    }

    // Rule 5, for tasks started by `Simulation.spawn`: their waits are ended through the
    // task's WaitSlot, not a cancellation handler. A sleep and a signal wait, each cancelled
    // through `SimTask.cancel()`, end at the instant of the cancel, in the order cancelled.
    @Test func cancellingASpawnedTaskEndsItsSleepOrSignalWaitAtOnce() {
        let sim = sim, performer = performer
        let signal = Signal(executor: sim.executor)
        let sleeper = sim.spawn("sleeper") {
            await performer.perform { me in
                do {
                    try await me.sleep(for: .seconds(10))
                    me.note("sleeper slept")
                } catch {
                    me.note("sleeper got \(error is CancellationError ? "CancellationError" : "\(error)")")
                }
            }
        }
        let listener = sim.spawn("listener") {
            await performer.perform { me in
                do {
                    try await signal.wait()
                    me.note("listener notified")
                } catch {
                    me.note("listener got \(error is CancellationError ? "CancellationError" : "\(error)")")
                }
            }
        }
        sim.spawn("controller", on: performer) { me in
            try? await me.sleep(for: .seconds(1))
            listener.cancel()
            sleeper.cancel()
            me.note("cancels sent")
            try? await me.sleep(for: .seconds(2))
            me.note("later, waiting: \(signal.waiting)")
        }
        let outcome = sim.run(limit: nil)
        #expect(outcome.ending == .completed)
        #expect(outcome.virtualTime == .seconds(3))
        #expect(log.entries == [at(1, "cancels sent"), at(1, "listener got CancellationError"),
                                at(1, "sleeper got CancellationError"), at(3, "later, waiting: 0")])
    }

    // Rule 5, for a task started inside a spawned one: it inherits the spawned task's
    // task-locals, and with them its WaitSlot, which it must not use. Cancelling the spawned
    // task ends the spawned task's sleep, not the inner task's (which sleeps to its end); an
    // inner task using the slot would have taken the slot from its parent, and the cancel
    // would have ended the inner sleep at 1 s while the parent slept on to 10 s.
    @Test func aTaskStartedInsideASpawnedOneDoesNotUseItsWaitSlot() {
        let sim = sim, performer = performer
        let parent = sim.spawn("parent") {
            await performer.perform { me in
                Task {
                    await performer.perform { me in
                        do {
                            try await me.sleep(for: .seconds(5))
                            me.note("inner slept")
                        } catch {
                            me.note("inner got \(error is CancellationError ? "CancellationError" : "\(error)")")
                        }
                    }
                }
                do {
                    try await me.sleep(for: .seconds(10))
                    me.note("parent slept")
                } catch {
                    me.note("parent got \(error is CancellationError ? "CancellationError" : "\(error)")")
                }
            }
        }
        sim.spawn("controller", on: performer) { me in
            try? await me.sleep(for: .seconds(1))
            parent.cancel()
            me.note("cancel sent")
            // The run ends when the spawned tasks have: this one outlives the inner task.
            try? await me.sleep(for: .seconds(5))
            me.note("controller ends")
        }
        let outcome = sim.run(limit: nil)
        #expect(outcome.ending == .completed)
        #expect(log.entries == [at(1, "cancel sent"), at(1, "parent got CancellationError"), at(5, "inner slept"),
                                at(6, "controller ends")])
    }
}
