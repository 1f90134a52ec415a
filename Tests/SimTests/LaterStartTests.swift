@testable import Sim
import Testing

/// Tasks started later (``Simulation/spawn(_:role:)``) must give the run what tasks spawned
/// now that first sleep until then give: the same events at the same instants in the same
/// order (ties with other timers of that instant included, registered before and after them),
/// and the same ending, also when the run ends before some of them start (those never run);
/// one job in all registers them where each sleeper's first job registered its sleep.
@Suite struct LaterStartTests {
    /// Actions at 1, 2, 2 (a tie with each other and with sleepers' timers registered before
    /// and after them), 4 and 50 s, each noting itself, sleeping 1 s and noting again; a
    /// ticker that notes every second; the run ends at `limit`.
    static func run(later: Bool, limit: Duration?) -> ScriptRun {
        let sim = Simulation()
        let log = EventLog()
        let performer = Performer(sim: sim, log: log)
        sim.spawn("ticker", role: .daemon, on: performer) { me in
            for second in 1...60 {
                do { try await me.sleep(until: Double(second)) } catch { return }
                me.note("tick \(second)")
            }
        }
        sim.spawn("early", on: performer) { me in
            try? await me.sleep(until: 2)
            me.note("early sleeper at 2")
        }
        var starts: [Simulation.LaterStart] = []
        for (index, start) in [1.0, 2, 2, 4, 50].enumerated() {
            let name = "action-\(index)"
            let act: @Sendable (isolated Performer) async -> Void = { me in
                me.note("\(name) starts")
                do {
                    try await me.sleep(for: .seconds(1))
                    me.note("\(name) ends")
                } catch {
                    me.note("\(name) cancelled")
                }
            }
            if later {
                starts.append(Simulation.LaterStart(name, at: .seconds(start)) {
                    await performer.perform { me in await act(me) }
                })
            } else {
                sim.spawn(name) {
                    await performer.perform { me in
                        // Woken cancelled when the run ends first: after the outcome, and
                        // does nothing (a later start is never made then).
                        do { try await me.sleep(until: start) } catch { return }
                        await act(me)
                    }
                }
            }
        }
        sim.spawn(starts)
        sim.spawn("late", on: performer) { me in
            try? await me.sleep(until: 2)
            me.note("late sleeper at 2")
        }
        let outcome = sim.run(limit: limit)
        return ScriptRun(log: log, outcome: outcome)
    }

    @Test(arguments: [nil, Duration.seconds(3), .milliseconds(4500)])
    func aLaterStartRunsAsASleeperWould(limit: Duration?) {
        let sleeping = Self.run(later: false, limit: limit)
        var later = Self.run(later: true, limit: limit)
        // The five sleepers' first jobs are the registering task's one job.
        #expect(later.jobs == sleeping.jobs - 4)
        later.jobs = sleeping.jobs
        #expect(later == sleeping)
        // The script did what it says (not two empty runs agreeing).
        #expect(later.events.contains(at(2, "action-2 starts")))
        if limit != nil {
            // Started after the time limit: never made, but named among the pending.
            #expect(!later.events.contains { $0.label.hasPrefix("action-4") })
            if case .timeLimit(let pending) = later.ending {
                #expect(pending.contains("action-4"))
            } else {
                Issue.record("expected the time limit, got \(later.ending)")
            }
        } else {
            #expect(later.events.contains(at(51, "action-4 ends")))
            #expect(later.ending == .completed)
        }
    }

    /// Starts registered while a guard's sample runs are counted under their own names, as
    /// the sleepers' suspensions were: the job limit trips after the first job, so the
    /// registering job falls in the sample.
    @Test func startsRegisteredDuringAGuardSampleAreNamed() {
        let sim = Simulation()
        let log = EventLog()
        let performer = Performer(sim: sim, log: log)
        sim.spawn("ticker", on: performer) { me in
            while (try? await me.sleep(for: .nanoseconds(1))) != nil {}
        }
        sim.spawn(["a", "b", "c"].map { name in
            Simulation.LaterStart(name, at: .seconds(1)) {}
        })
        let outcome = sim.run(limit: nil, guards: SimExecutor.Guards(jobs: 1))
        guard case .jobLimit(let busiest) = outcome.ending else {
            Issue.record("expected the job limit, got \(outcome.ending)")
            return
        }
        #expect(busiest.first?.hasPrefix("ticker (") == true)
        #expect(Array(busiest.dropFirst()) == ["a (1x)", "b (1x)", "c (1x)"])
    }
}
