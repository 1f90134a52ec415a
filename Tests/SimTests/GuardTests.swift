import Sim
import Synchronization
import Testing

/// The kernel's guards: a run that stops moving the clock, or takes more jobs than allowed,
/// ends naming the tasks responsible; a watch between instants sees every instant's outcome
/// and can end the run, without changing a single job of a run it lets go on.
@Suite struct KernelGuards {
    let sim = Simulation()
    let log = EventLog()
    let performer: Performer

    init() { performer = Performer(sim: sim, log: log) }

    /// Two tasks that sleep zero forever never let the clock move: past 1,000 jobs at one
    /// instant the loop samples 4,096 more and stops, naming both (each suspends in half of
    /// the sampled jobs), while a task with a timer later on is left waiting.
    @Test func tasksLoopingAtOneInstantEndTheRunNamingThem() {
        for name in ["spinner-a", "spinner-b"] {
            sim.spawn(name, on: performer) { me in
                while (try? await me.sleep(for: .zero)) != nil {}
            }
        }
        sim.spawn("patient", on: performer) { me in try? await me.sleep(for: .seconds(5)) }
        let outcome = sim.run(limit: nil, guards: SimExecutor.Guards(jobsPerInstant: 1_000))
        guard case .noProgress(let looping) = outcome.ending else {
            Issue.record("expected noProgress, got \(outcome.ending)")
            return
        }
        #expect(looping.map { $0.split(separator: " ").first.map(String.init) ?? "" }.sorted() == ["spinner-a", "spinner-b"])
        #expect(outcome.virtualTime == .zero)
        #expect(outcome.jobs == 1_000 + SimExecutor.guardSample)
    }

    /// A busy instant that ends before the sample does is not a loop: 3,000 jobs at t = 0
    /// against a limit of 1,000 and the run completes at t = 1.
    @Test func aBusyInstantThatEndsIsNotALoop() {
        sim.spawn("burst", on: performer) { me in
            for _ in 0..<3_000 { try? await me.sleep(for: .zero) }
            try? await me.sleep(for: .seconds(1))
            me.note("after the burst")
        }
        let outcome = sim.run(limit: nil, guards: SimExecutor.Guards(jobsPerInstant: 1_000))
        #expect(outcome.ending == .completed)
        #expect(log.entries == [at(1, "after the burst")])
    }

    /// A task that ticks every nanosecond moves the clock, so only the job limit stops it:
    /// at 10,000 jobs, plus the sample, naming it.
    @Test func theJobLimitEndsARunThatWouldTakeTooLongNamingTheBusiestTask() {
        sim.spawn("ticker", on: performer) { me in
            while (try? await me.sleep(for: .nanoseconds(1))) != nil {}
        }
        let outcome = sim.run(limit: nil, guards: SimExecutor.Guards(jobs: 10_000))
        #expect(outcome.ending == .jobLimit(busiest: ["ticker (\(SimExecutor.guardSample)x)"]))
        #expect(outcome.jobs == 10_000 + SimExecutor.guardSample)
    }

    /// A guard that stops the run as a timer fires leaves that timer's wake-up queued, as the
    /// loop's own turn would have (the loop takes a fired timer's job as its next step in the
    /// same turn: ``SimExecutor``'s `fire`): the ticker's last sleep still returns when the
    /// run shuts down, and the ticker ends counting it. Every job of this run is a tick's
    /// wake-up, so the ticks counted are the jobs run plus that one.
    @Test func aGuardStoppingTheRunAtATimerLeavesItsWakeUpQueued() {
        let ticks = Mutex(0)
        sim.spawn("ticker", on: performer) { me in
            while (try? await me.sleep(for: .nanoseconds(1))) != nil { ticks.withLock { $0 += 1 } }
            me.note("ticker ended after \(ticks.withLock { $0 }) ticks")
        }
        let outcome = sim.run(limit: nil, guards: SimExecutor.Guards(jobs: 100))
        guard case .jobLimit = outcome.ending else {
            Issue.record("expected jobLimit, got \(outcome.ending)")
            return
        }
        // The spawn's start is the run's first job; each later job is one tick's wake-up.
        let ran = Int(outcome.jobs) - 1
        #expect(ran == 100 + Int(SimExecutor.guardSample) - 1)
        #expect(log.entries.map(\.label) == ["ticker ended after \(ran + 1) ticks"])
    }

    /// The watch runs when the clock is about to leave an instant, at most once per `every`:
    /// here at t = 0 (before the first timer), 10 and 20 (ticks every 5 s), seeing the state
    /// every job of the instant left. It runs no job: the job count is the unwatched run's.
    @Test func theWatchRunsBetweenInstantsAndCostsNoJob() {
        func run(watched: Bool) -> (Simulation.Outcome, [Duration]) {
            let sim = Simulation()
            let performer = Performer(sim: sim)
            sim.spawn("ticker", on: performer) { me in
                for _ in 1...5 { try? await me.sleep(for: .seconds(5)) }
            }
            let seen = EventLog()
            let watch = SimExecutor.Watch(every: .seconds(10)) { now in
                seen.record("watch", at: now)
                return nil
            }
            let outcome = sim.run(limit: nil, guards: SimExecutor.Guards(watch: watched ? watch : nil))
            return (outcome, seen.entries.map(\.time))
        }
        let (watched, instants) = run(watched: true)
        let (unwatched, _) = run(watched: false)
        #expect(instants == [.zero, .seconds(10), .seconds(20)])
        #expect(watched == unwatched)
    }

    /// A watch that gives a reason ends the run as stuck, with the reason, at that instant.
    @Test func aWatchThatGivesAReasonEndsTheRunAsStuck() {
        sim.spawn("waiter", on: performer) { me in
            while (try? await me.sleep(for: .seconds(1))) != nil {}
        }
        let watch = SimExecutor.Watch(every: .seconds(1)) { now in now >= .seconds(3) ? "nothing can change" : nil }
        let outcome = sim.run(limit: .seconds(1_000_000), guards: SimExecutor.Guards(watch: watch))
        #expect(outcome.ending == .stuck(["waiter"]))
        #expect(outcome.reason == "nothing can change")
        #expect(outcome.virtualTime == .seconds(3))
    }
}

/// Numbers from files become durations and sums without trapping, whatever their size.
@Suite struct SaturatingArithmetic {
    @Test func floatingSecondsSaturateAtTheLongestDurationAndNaNIsZero() {
        #expect(Duration.seconds(double: 1e308) == .longest)
        #expect(Duration.seconds(double: .infinity) == .longest)
        #expect(Duration.seconds(double: -1e308) == .nanoseconds(Int64.min))
        #expect(Duration.seconds(double: .nan) == .zero)
        #expect(Duration.seconds(double: 1.5) == .milliseconds(1500))
    }

    /// An exponential whose mean is the longest duration draws samples up to 36 times the
    /// mean: each is capped at the longest duration; a log-normal with a huge sigma likewise.
    @Test func distributionSamplesAreCappedAtTheLongestDuration() {
        var random = RandomStream(seed: 1)
        for distribution in [Distribution.exponential(mean: .longest), .lognormal(mu: 30, sigma: 20),
                             .lognormal(mu: 0, sigma: 1e300)] {
            for _ in 0..<1_000 {
                let sample = distribution.sample(&random)
                #expect(sample >= .zero && sample <= .longest)
            }
        }
    }

    /// A thousand waits of the longest duration sum beyond `Int64` microseconds.
    @Test func histogramSumsDoNotOverflow() {
        var histogram = WaitHistogram()
        for _ in 0..<1_000 { histogram.record(.longest) }
        #expect(abs(histogram.meanSeconds - Duration.longest.seconds) < 1)
    }
}
