@testable import Sim
import Testing

/// A signal's ``WakeCheck`` answers a waiting task's wake-ups in place, doing what the task
/// would have done up to its next wait; the run must be the one where the task ran every
/// time: the same events at the same instants in the same order, and the same job count.
@Suite struct WakeCheckTests {
    /// A daemon that, woken, runs a round: counts it, sleeps a second first and then
    /// "claims" every third round (a round with a wait in its middle, as ideal mode's round
    /// trip), and waits on the signal again, with a deadline of 2 s after odd rounds. The
    /// check does each round as the task would, except every seventh, for which it resumes
    /// the task.
    final actor Daemon {
        nonisolated let sim: Simulation
        nonisolated let log: EventLog
        nonisolated let signal: Signal
        nonisolated var unownedExecutor: UnownedSerialExecutor { sim.executor.asUnownedSerialExecutor() }
        private var rounds = 0
        /// A round whose sleep the check made, its claim still to come.
        private var pending = false

        init(sim: Simulation, log: EventLog, signal: Signal) {
            self.sim = sim
            self.log = log
            self.signal = signal
        }

        private func note(_ label: String) { log.record(label, at: sim.now) }

        /// The next wait's deadline, as the round leaves it.
        private var deadline: Duration? { rounds % 2 == 1 ? sim.now + .seconds(2) : nil }

        func run() async {
            do {
                try await signal.wait()
                while true {
                    if !pending {
                        rounds += 1
                        note("round \(rounds)")
                        if rounds % 3 == 2 {
                            pending = true
                            try await sim.clock.sleep(for: .seconds(1))
                        }
                    }
                    if pending {
                        pending = false
                        note("claim \(rounds)")
                    }
                    try await signal.wait(until: deadline.map { SimClock.Instant(offset: $0) })
                }
            } catch {
                note("ended after \(rounds)")
            }
        }

        /// The round the task would run, up to its next wait.
        func answer() -> WakeVerdict {
            // The runtime's own isolation check passes inside a check (the executor says
            // so): model code may make one, or the compiler may for a closure.
            preconditionIsolated()
            if !pending {
                if (rounds + 1) % 7 == 0 { return .resume }
                rounds += 1
                note("round \(rounds)")
                if rounds % 3 == 2 {
                    pending = true
                    return .sleep(until: sim.now + .seconds(1))
                }
            }
            if pending {
                pending = false
                note("claim \(rounds)")
            }
            return .waitAgain(until: deadline)
        }
    }

    struct Outcome: Equatable {
        var run: ScriptRun
        var answered: UInt64
        /// Sleeps that went on where they were (rule 8), the check's among them.
        var ranOn: UInt64
        /// Of those, the sleeps the check made.
        var checkRanOn: UInt64
    }

    /// The script: notifies at irregular instants for 80 s (some twice at one instant, some
    /// while the daemon sleeps in a round, some after its deadline passed, so that a round
    /// woken at its deadline sleeps and is notified meanwhile), then cancels the daemon at
    /// 90 s in the same job as a notify (its wake-up queued as a check when the cancellation
    /// comes: it must end then, not when the run ends at 95 s).
    static func run(checked: Bool, gated: Bool = true, runningOn: Bool = true) -> Outcome {
        let sim = Simulation()
        if !gated { sim.executor.gated = false }
        sim.executor.sleepsMayRunOn = runningOn
        let log = EventLog()
        let signal = Signal(executor: sim.executor)
        let daemon = Daemon(sim: sim, log: log, signal: signal)
        if checked {
            signal.wakeCheck = { isolation in isolation.enter(daemon, with: ()) { daemon, _ in daemon.answer() } }
        }
        let task = sim.spawn("daemon", role: .daemon) { await daemon.run() }
        let notifier = Performer(sim: sim, log: log)
        sim.spawn("notifier", on: notifier) { me in
            let gaps = [0.4, 2.6, 0.9, 0.0, 1.7, 3.3, 0.6, 2.1, 1.2]
            var at = 0.0
            for gap in 0... {
                at += gaps[gap % gaps.count]
                guard at < 80 else { break }
                try? await me.sleep(until: at)
                signal.notifyAll()
            }
            try? await me.sleep(until: 90)
            me.note("notifies and cancels")
            signal.notifyAll()
            task.cancel()
            try? await me.sleep(until: 95)
            me.note("ends")
        }
        let outcome = sim.run(limit: .seconds(100))
        return Outcome(run: ScriptRun(log: log, outcome: outcome), answered: outcome.wakeUpsAnswered,
                       ranOn: sim.executor.sleepsRunOn, checkRanOn: sim.executor.checkSleepsRunOn)
    }

    @Test func answeredWakeUpsGiveTheRunOfATaskWokenEveryTime() {
        let checked = Self.run(checked: true)
        let unchecked = Self.run(checked: false)
        #expect(checked.run == unchecked.run)
        // Most rounds were answered, and none of the run without a check.
        #expect(checked.answered >= 10, "answered \(checked.answered)")
        #expect(unchecked.answered == 0)
        // The run is the one the script means: rounds at the notifies and the deadlines, the
        // third rounds' claims a second later, and the daemon ending at the cancellation: the
        // notify's round runs (its job was queued first) and its next wait ends the task.
        let events = unchecked.run.events
        let rounds = events.filter { $0.label.hasPrefix("round") }.count
        #expect(rounds >= 30, "\(rounds) rounds")
        #expect(events.contains { $0.label == "claim 2" })
        #expect(events.suffix(4) == [at(90, "notifies and cancels"), at(90, "round \(rounds)"),
                                     at(90, "ended after \(rounds)"), at(95, "ends")])
    }

    /// A notify's wake-up of a checked wait gives the wait's parking slot back in the turn
    /// that queues its check (``Waiter/notify(on:)``): however many rounds are answered, the
    /// daemon holds at most one slot whenever it is notified (a slot left behind would leave
    /// one more for every round answered after a wait without a deadline).
    @Test func answeredNotifiesGiveBackTheirParkingSlots() {
        let sim = Simulation()
        let log = EventLog()
        let signal = Signal(executor: sim.executor)
        let daemon = Daemon(sim: sim, log: log, signal: signal)
        signal.wakeCheck = { isolation in isolation.enter(daemon, with: ()) { daemon, _ in daemon.answer() } }
        sim.spawn("daemon", role: .daemon) { await daemon.run() }
        let notifier = Performer(sim: sim, log: log)
        let parkedBeforeNotifies = EventLog()
        sim.spawn("notifier", on: notifier) { me in
            for round in 0..<40 {
                try? await me.sleep(until: 3 * Double(round) + 0.5)
                parkedBeforeNotifies.record("\(sim.executor.parkedWaits)", at: sim.now)
                signal.notifyAll()
            }
        }
        let outcome = sim.run(limit: .seconds(200))
        let parked = parkedBeforeNotifies.entries.compactMap { Int($0.label) }
        #expect(parked.count == 40)
        #expect(parked.max() == 1)
        #expect(outcome.wakeUpsAnswered >= 20, "answered \(outcome.wakeUpsAnswered)")
    }

    /// Waits that keep their continuation (the gate off) are never checked: the same run.
    @Test func waitsWithoutTheGateAreNotChecked() {
        let continued = Self.run(checked: true, gated: false)
        #expect(continued.run == Self.run(checked: false).run)
        #expect(continued.answered == 0)
    }
}
