import Sim
import Testing

/// `Signal`: waiters wake in the order they began to wait, deadlines end a wait with `false`,
/// and a notify reaches only those already waiting.
@Suite struct SignalBehaviour {
    let sim = Simulation()
    let log = EventLog()
    let performer: Performer

    init() { performer = Performer(sim: sim, log: log) }

    @Test func notifyAllWakesWaitersInTheOrderTheyBeganToWait() {
        let signal = Signal(executor: sim.executor)
        // Spawned a, b, c; they begin to wait at 0.5, 0 and 0.25 s.
        for (name, head) in [("a", 0.5), ("b", 0.0), ("c", 0.25)] {
            sim.spawn(name, on: performer) { me in
                if head > 0 { try? await me.sleep(for: .seconds(double: head)) }
                let notified = (try? await signal.wait()) ?? false
                me.note("\(name) woken, notified: \(notified)")
            }
        }
        sim.spawn("notifier", on: performer) { me in
            try? await me.sleep(until: 1)
            me.note("waiting: \(signal.waiting)")
            signal.notifyAll()
            me.note("notified")
        }
        #expect(sim.run(limit: nil).ending == .completed)
        #expect(log.entries == [at(1, "waiting: 3"), at(1, "notified"), at(1, "b woken, notified: true"),
                                at(1, "c woken, notified: true"), at(1, "a woken, notified: true")])
        #expect(signal.waiting == 0)
    }

    @Test func waitWithDeadlineReturnsFalseOnTimeoutAndTrueWhenNotifiedFirst() {
        let signal = Signal(executor: sim.executor)
        sim.spawn("impatient", on: performer) { me in
            let notified = (try? await signal.wait(until: SimClock.Instant(offset: .seconds(2)))) ?? true
            me.note("impatient notified: \(notified)")
        }
        sim.spawn("patient", on: performer) { me in
            let notified = (try? await signal.wait(until: SimClock.Instant(offset: .seconds(5)))) ?? false
            me.note("patient notified: \(notified)")
            // Past the abandoned deadline: its discarded timer must neither wake nor stop us.
            try? await me.sleep(until: 6)
            me.note("patient after its old deadline")
        }
        sim.spawn("notifier", on: performer) { me in
            try? await me.sleep(until: 3)
            signal.notifyAll()
        }
        #expect(sim.run(limit: nil).ending == .completed)
        #expect(log.entries == [at(2, "impatient notified: false"), at(3, "patient notified: true"),
                                at(6, "patient after its old deadline")])
        #expect(signal.waiting == 0)
    }

    @Test func notifyWithNobodyWaitingIsNotRemembered() {
        let signal = Signal(executor: sim.executor)
        sim.spawn("early notifier", on: performer) { _ in signal.notifyAll() }
        sim.spawn("late waiter", on: performer) { me in
            try? await me.sleep(until: 1)
            let notified = (try? await signal.wait(until: SimClock.Instant(offset: .seconds(2)))) ?? true
            me.note("notified: \(notified)")
        }
        #expect(sim.run(limit: nil).ending == .completed)
        #expect(log.entries == [at(2, "notified: false")])
    }

    /// Notifying waiters that also had deadlines leaves their timers behind as discarded
    /// entries; past about a thousand the executor compacts them. Live timers scheduled before
    /// and after must keep their instants and their order.
    @Test func manyAbandonedDeadlinesAreDiscardedWithoutDisturbingLiveTimers() {
        let signal = Signal(executor: sim.executor)
        let waiters = 3000
        sim.spawn("early", on: performer) { me in
            try? await me.sleep(until: 5)
            me.note("early")
        }
        for index in 0..<waiters {
            sim.spawn("waiter-\(index)", on: performer) { me in
                let notified = (try? await signal.wait(until: SimClock.Instant(offset: .seconds(3)))) ?? false
                if !notified { me.note("waiter-\(index) timed out") }
            }
        }
        sim.spawn("notifier", on: performer) { me in
            try? await me.sleep(until: 1)
            me.note("notifying \(signal.waiting)")
            signal.notifyAll()
            try? await me.sleep(until: 5)
            me.note("late")
        }
        #expect(sim.run(limit: nil).ending == .completed)
        #expect(log.entries == [at(1, "notifying \(waiters)"), at(5, "early"), at(5, "late")])
    }

    /// Six tasks (not the simulation's own, so nothing cancels them before the run drains its
    /// waiters) wait without a deadline, each on its own signal; two are woken and wait again,
    /// taking the places the executor freed when they woke, in the other order. When the
    /// time limit ends the run, the waiters left are released in the order their waits
    /// began, wherever they are kept.
    @Test func waitersLeftAtTheEndAreReleasedInTheOrderTheirWaitsBegan() {
        let sim = sim, performer = performer
        let signals = (0..<6).map { _ in Signal(executor: sim.executor) }
        sim.spawn("controller", on: performer) { me in
            for index in 0..<6 {
                Task(executorPreference: sim.executor) {
                    await performer.perform { me in
                        do {
                            if index == 1 || index == 3 {
                                try await signals[index].wait()
                                try await me.sleep(until: index == 1 ? 2 : 2.5)
                            }
                            try await signals[index].wait()
                        } catch {
                            me.note("w\(index) released")
                        }
                    }
                }
            }
            try? await me.sleep(until: 1)
            signals[1].notifyAll()
            signals[3].notifyAll()
            // Still asleep at the limit (a timer keeps the run from being stuck).
            try? await me.sleep(until: 10)
        }
        let outcome = sim.run(limit: .seconds(3))
        #expect(outcome.ending == .timeLimit(["controller"]))
        #expect(log.entries == ["w0", "w2", "w4", "w5", "w1", "w3"].map { at(3, "\($0) released") })
        #expect(signals.allSatisfy { $0.waiting == 0 })
    }

    @Test func cancellingASignalWaiterThrowsCancellationErrorAtOnce() {
        let sim = sim, performer = performer
        let signal = Signal(executor: sim.executor)
        sim.spawn("controller", on: performer) { me in
            let waiter = Task(executorPreference: sim.executor) {
                await performer.perform { me in
                    do {
                        try await signal.wait()
                        me.note("waiter notified")
                    } catch {
                        me.note("waiter got \(error is CancellationError ? "CancellationError" : "\(error)")")
                    }
                }
            }
            try? await me.sleep(until: 1)
            waiter.cancel()
            await waiter.value
            me.note("joined, waiting: \(signal.waiting)")
        }
        #expect(sim.run(limit: nil).ending == .completed)
        #expect(log.entries == [at(1, "waiter got CancellationError"), at(1, "joined, waiting: 0")])
    }
}
