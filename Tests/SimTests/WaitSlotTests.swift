@testable import Sim
import Synchronization
import Testing

/// A spawned task finds its own wait slot, and a task started inside it (which inherits the
/// slot as a task-local) finds none: the slot tells them apart by the task's identity.
@Suite struct WaitSlotTests {
    final class Seen: Sendable {
        let values = Mutex<[String: Bool]>([:])
    }

    @Test func aSpawnedTaskFindsItsSlotAndATaskStartedInsideItDoesNot() {
        let sim = Simulation()
        let seen = Seen()
        sim.spawn("outer") {
            seen.values.withLock { $0["outer"] = WaitSlot.currentTask.slot != nil }
            let inner = Task {
                seen.values.withLock { $0["inner, inheriting the slot"] = WaitSlot.current != nil }
                seen.values.withLock { $0["inner"] = WaitSlot.currentTask.slot != nil }
            }
            await inner.value
            seen.values.withLock { $0["outer after inner"] = WaitSlot.currentTask.slot != nil }
        }
        let outcome = sim.run(limit: nil)
        #expect(outcome.ending == .completed)
        #expect(seen.values.withLock { $0 } == ["outer": true, "inner, inheriting the slot": true, "inner": false,
                                         "outer after inner": true])
    }

    /// The loop knows the slot of a task it resumes from a wait through the gate
    /// (``SimExecutor/runningSlot``), and of no other: not for a task's first job, nor for a
    /// task started inside a spawned one (which inherits the slot as a task-local but is not
    /// its owner). Where it knows one, it is the slot the task-local read finds, and the task's
    /// cancellation is read through it as the runtime reports it: a task notified and then
    /// cancelled in the same job runs with its slot known and ends at its next wait.
    @Test func theLoopKnowsTheSlotOfATaskResumedThroughTheGateAndNoOther() {
        let sim = Simulation()
        let signal = Signal(executor: sim.executor)
        let performer = Performer(sim: sim)
        let looks = Looks(sim: sim)
        let look = looks.look
        let waiter = sim.spawn("waiter") {
            await performer.perform { me in
                look("waiter starts")
                try? await me.sleep(for: .seconds(1))
                look("waiter slept")
                _ = try? await signal.wait()
                look("waiter notified")
                do {
                    try await me.sleep(for: .seconds(1))
                    look("waiter slept after its cancellation")
                } catch {
                    look("waiter cancelled")
                }
            }
        }
        sim.spawn("notifier", on: performer) { me in
            // A second sleeper at 1 s (its timer later than the waiter's): the waiter's
            // sleep suspends, its timer not the only one.
            try? await me.sleep(for: .seconds(1))
            try? await me.sleep(for: .seconds(1))
            signal.notifyAll()
            waiter.cancel()
        }
        sim.spawn("parent") {
            let inner = Task {
                await performer.perform { me in
                    try? await me.sleep(for: .seconds(3))
                    look("inner task slept")
                }
            }
            await inner.value
            await performer.perform { _ in look("parent after its inner task") }
        }
        let outcome = sim.run(limit: nil)
        #expect(outcome.ending == .completed)
        #expect(looks.seen.withLock { $0 } == [
            "waiter starts: unknown", "waiter slept: known", "waiter notified: known", "waiter cancelled: known",
            "inner task slept: unknown", "parent after its inner task: unknown",
        ])
    }

    /// What the loop knows of the running task's slot, against the task-local read.
    final class Looks: Sendable {
        let sim: Simulation
        let seen = Mutex<[String]>([])

        init(sim: Simulation) { self.sim = sim }

        @Sendable func look(_ label: String) {
            let known = sim.executor.runningSlot?.toOpaque()
            let read = WaitSlot.currentTask
            let asked = sim.executor.waitingTask(runsInLoop: true)
            let agree = asked.slot?.toOpaque() == read.slot?.toOpaque() && asked.isCancelled == read.isCancelled
            let state = known == nil ? "unknown" : (known == read.slot?.toOpaque() ? "known" : "WRONG")
            seen.withLock { $0.append("\(label): \(state)\(agree ? "" : ", disagrees")") }
        }
    }

    /// A spawned task cancelled while it runs (between two of its jobs) ends its next wait at
    /// once: the wait asks whether the task is cancelled before it suspends.
    @Test func aWaitOfATaskCancelledWhileItRanEndsAtOnce() {
        let sim = Simulation()
        let seen = Seen()
        let sleeper = sim.spawn("sleeper") {
            await Task.yield()
            do {
                try await sim.clock.sleep(for: .seconds(10))
                seen.values.withLock { $0["slept"] = true }
            } catch {
                seen.values.withLock { $0["cancelled at zero"] = error is CancellationError && sim.clock.now.offset == .zero }
            }
        }
        sim.spawn("canceller") { sleeper.cancel() }
        let outcome = sim.run(limit: nil)
        #expect(outcome.ending == .completed)
        #expect(outcome.virtualTime == .zero)
        #expect(seen.values.withLock { $0 } == ["cancelled at zero": true])
    }

    /// A spawned task on an actor of the simulation, cancelled while it runs in a job whose
    /// slot the loop knows (resumed by its timer), ends its next wait at once: that wait asks
    /// the slot (``WaitSlot/knownTask(_:)``), not the runtime, whether the task is cancelled,
    /// so the slot must have seen the cancellation. The task cancels itself, through its
    /// ``SimTask``, between its two sleeps; the second would otherwise run its 100 s. And a
    /// task that is not cancelled is told so: the other sleeper's second sleep runs whole.
    @Test func aTaskCancelledInAJobWhoseSlotTheLoopKnowsEndsItsNextWaitAtOnce() {
        let sim = Simulation()
        let seen = Seen()
        let performer = Performer(sim: sim)
        let handle = Mutex<SimTask?>(nil)
        let sleeper = sim.spawn("sleeper") {
            await performer.perform { me in
                try? await me.sleep(for: .seconds(1))
                seen.values.withLock { $0["known after the timer"] = me.sim.executor.runningSlot != nil }
                handle.withLock { $0 }?.cancel()
                do {
                    try await me.sleep(for: .seconds(100))
                    seen.values.withLock { $0["slept"] = true }
                } catch {
                    seen.values.withLock { $0["cancelled at 1 s"] = error is CancellationError && me.sim.clock.now.offset == .seconds(1) }
                }
            }
        }
        handle.withLock { $0 = sleeper }
        sim.spawn("other") {
            await performer.perform { me in
                try? await me.sleep(for: .seconds(2))
                do {
                    try await me.sleep(for: .seconds(3))
                    seen.values.withLock { $0["other slept to 5 s"] = me.sim.clock.now.offset == .seconds(5) }
                } catch {
                    seen.values.withLock { $0["other cancelled"] = true }
                }
            }
        }
        let outcome = sim.run(limit: nil)
        #expect(outcome.ending == .completed)
        #expect(outcome.virtualTime == .seconds(5))
        #expect(seen.values.withLock { $0 } == ["known after the timer": true, "cancelled at 1 s": true,
                                                "other slept to 5 s": true])
    }

    /// The running task read through the runtime's entry points (``RuntimeTask/current``) is
    /// the one `withUnsafeCurrentTask` gives, cancelled or not, in a spawned task and in a task
    /// started inside it, and in the test's own task. On Linux the entry points must be found,
    /// or every wait takes the slower fallback unnoticed.
    @Test func theRuntimeEntryPointsSeeTheTaskTheStandardLibrarySees() {
        #if os(Linux)
        RuntimeTask.lookUp()
        #expect(RuntimeTask.entries != nil, "swift_task_getCurrent / swift_task_isCancelled not found")
        #endif
        let test = RuntimeTask.current, testByLibrary = RuntimeTask.throughStandardLibrary
        #expect(test != nil && test?.address == testByLibrary?.address && test?.isCancelled == testByLibrary?.isCancelled)
        let sim = Simulation()
        let seen = Seen()
        let gate = Signal(executor: sim.executor)
        @Sendable func look(_ name: String) {
            let direct = RuntimeTask.current, library = RuntimeTask.throughStandardLibrary
            seen.values.withLock {
                $0[name + " found"] = direct != nil
                $0[name + " same"] = direct?.address == library?.address && direct?.isCancelled == library?.isCancelled
                $0[name + " cancelled"] = direct?.isCancelled ?? false
            }
        }
        let waiting = sim.spawn("waiting") {
            look("running")
            let inner = Task { look("inner") }
            await inner.value
            do {
                try await gate.wait()
            } catch {
                seen.values.withLock { $0["wait cancelled"] = error is CancellationError }
            }
            look("after cancel")
        }
        sim.spawn("canceller") { waiting.cancel() }
        let outcome = sim.run(limit: nil)
        #expect(outcome.ending == .completed)
        #expect(seen.values.withLock { $0 } == [
            "running found": true, "running same": true, "running cancelled": false,
            "inner found": true, "inner same": true, "inner cancelled": false,
            "wait cancelled": true,
            "after cancel found": true, "after cancel same": true, "after cancel cancelled": true,
        ])
    }

    /// The wait slot read through the runtime's `swift_task_localValueGet`
    /// (``RuntimeTask/localValue(of:)``) is the one `TaskLocal.get()` gives: in a spawned
    /// task (its own), in a task started inside it (inherited), in the test's task (none
    /// bound), and across a suspension. On Linux the direct read must be found and agree, or
    /// every wait takes the generic read unnoticed.
    @Test func theRuntimesTaskLocalReadSeesTheSlotTheStandardLibrarySees() {
        #if os(Linux)
        RuntimeTask.lookUp()
        #expect(RuntimeTask.localValueFound, "swift_task_localValueGet not found, or it reads another value")
        #endif
        #expect(RuntimeTask.localValue(of: WaitSlot.$current) == nil && WaitSlot.current == nil)
        let sim = Simulation()
        let seen = Seen()
        @Sendable func look(_ name: String) {
            let direct = RuntimeTask.localValue(of: WaitSlot.$current), library = WaitSlot.current
            seen.values.withLock {
                $0[name + " bound"] = direct != nil
                $0[name + " same"] = direct === library
            }
        }
        sim.spawn("first") {
            look("first")
            let inner = Task { look("inner") }
            await inner.value
            try? await sim.clock.sleep(for: .seconds(1))
            look("first after a sleep")
        }
        sim.spawn("second") { look("second") }
        let outcome = sim.run(limit: nil)
        #expect(outcome.ending == .completed)
        #expect(seen.values.withLock { $0 } == [
            "first bound": true, "first same": true, "inner bound": true, "inner same": true,
            "first after a sleep bound": true, "first after a sleep same": true,
            "second bound": true, "second same": true,
        ])
    }

    /// Whether a wait's caller is isolated to an actor of this executor, read from the
    /// runtime's current executor (``SimExecutor/runsOnThis(_:)``), is what the caller's
    /// actor says of its own executor (``SimExecutor/runsOnThis(askingActor:)``): on an
    /// actor of the simulation's executor (before and after a sleep through the gate), on a
    /// default actor, and in nonisolated code. On Linux the runtime's read must be found, or
    /// every wait asks its actor (a retain and a release more) unnoticed.
    @Test func theRuntimesCurrentExecutorTellsTheWaitsActorAsTheActorDoes() {
        #if os(Linux)
        RuntimeTask.lookUp()
        #expect(RuntimeTask.currentExecutorFound, "swift_task_getCurrentExecutor not found")
        #endif
        let sim = Simulation()
        let seen = Seen()
        let onThis = OnExecutor(sim: sim, seen: seen)
        let elsewhere = DefaultActor(seen: seen)
        sim.spawn("looker") {
            await onThis.look("on this")
            await elsewhere.look("default actor", executor: sim.executor)
            Self.lookNonisolated("nonisolated", executor: sim.executor, seen: seen)
        }
        let outcome = sim.run(limit: nil)
        #expect(outcome.ending == .completed)
        #expect(seen.values.withLock { $0 } == [
            "on this": true, "on this agrees": true,
            "on this after a sleep": true, "on this after a sleep agrees": true,
            "default actor": false, "default actor agrees": true,
            "nonisolated": false, "nonisolated agrees": true,
        ])
    }

    static func note(_ name: String, isolation: (any Actor)?, executor: SimExecutor, seen: Seen) {
        let read = executor.runsOnThis(isolation), asked = executor.runsOnThis(askingActor: isolation)
        seen.values.withLock {
            $0[name] = read
            $0[name + " agrees"] = read == asked
        }
    }

    static func lookNonisolated(_ name: String, executor: SimExecutor, seen: Seen) {
        note(name, isolation: nil, executor: executor, seen: seen)
    }

    actor OnExecutor {
        nonisolated let sim: Simulation
        nonisolated let seen: Seen
        nonisolated var unownedExecutor: UnownedSerialExecutor { sim.executor.asUnownedSerialExecutor() }
        init(sim: Simulation, seen: Seen) {
            self.sim = sim
            self.seen = seen
        }
        func look(_ name: String) async {
            WaitSlotTests.note(name, isolation: #isolation, executor: sim.executor, seen: seen)
            try? await sim.clock.sleep(for: .seconds(1))
            WaitSlotTests.note(name + " after a sleep", isolation: #isolation, executor: sim.executor, seen: seen)
        }
    }

    actor DefaultActor {
        nonisolated let seen: Seen
        init(seen: Seen) { self.seen = seen }
        func look(_ name: String, executor: SimExecutor) {
            WaitSlotTests.note(name, isolation: #isolation, executor: executor, seen: seen)
        }
    }
}
