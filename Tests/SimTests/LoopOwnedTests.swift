@testable import Sim
import Synchronization
import Testing

/// The executor's state is held by the loop's thread, which reads and writes it without a
/// lock, and locked by every other thread (``LoopOwned``). What must hold: no access from
/// another thread overlaps one of the holder's (a counter both increment loses nothing), such
/// an access does not wait for the whole run (the holder lets it in between two steps), and
/// a thread that asks a running loop to stop is heard.
@Suite struct LoopOwnedTests {
    /// The holder counts steps in the state without locking it while two other threads add
    /// to the same count through the lock: no access of theirs overlaps one of the holder's
    /// (each access notes how many accesses are inside, and stays inside a while, looking),
    /// and no increment is lost. Were the other threads' accesses not kept apart from the
    /// holder's (the lock skipped), they would overlap: the holder's go on until both others
    /// are done. Were the holder not to let them in, they would wait until it gives up (its
    /// cap): the holder then reports that it stopped at the cap.
    @Test func anotherThreadsAccessesAreLetInBetweenStepsAndNeverOverlapTheHolders() {
        let owned = Owned()
        let foreignAccesses = 2_000
        let othersDone = Atomic<Int>(0)
        let inside = Atomic<Int>(0)
        let overlaps = Atomic<Int>(0)
        @Sendable func access(_ count: inout Int) {
            if inside.wrappingAdd(1, ordering: .relaxed).newValue > 1 { overlaps.wrappingAdd(1, ordering: .relaxed) }
            for _ in 0..<64 where inside.load(ordering: .relaxed) > 1 {
                overlaps.wrappingAdd(1, ordering: .relaxed)
            }
            count += 1
            inside.wrappingSubtract(1, ordering: .relaxed)
        }
        let holderSteps = Mutex(0)
        let holderHitCap = Atomic<Bool>(false)
        let holder = RacingThread {
            owned.state.hold {
                var steps = 0
                while othersDone.load(ordering: .acquiring) < 2 {
                    owned.state.letWaitingIn()
                    owned.state.withLock { access(&$0) }
                    steps += 1
                    if steps == 20_000_000 {
                        holderHitCap.store(true, ordering: .relaxed)
                        break
                    }
                }
                holderSteps.withLock { $0 = steps }
            }
        }
        let others = (0..<2).map { _ in
            RacingThread {
                for _ in 0..<foreignAccesses {
                    owned.state.withLock { access(&$0) }
                }
                othersDone.wrappingAdd(1, ordering: .releasing)
            }
        }
        others.forEach { $0.join() }
        holder.join()
        let hitCap = holderHitCap.load(ordering: .relaxed)
        #expect(!hitCap)
        #expect(overlaps.load(ordering: .relaxed) == 0)
        let steps = holderSteps.withLock { $0 }
        let count = owned.state.withLock { $0 }
        #expect(count == steps + 2 * foreignAccesses)
    }

    /// Only the thread in ``LoopOwned/hold(_:)`` holds the state, and only while it is in it.
    @Test func theStateIsHeldByTheHoldingThreadOnlyWhileItHoldsIt() {
        let owned = Owned()
        let heldBefore = owned.state.isHeldHere
        #expect(!heldBefore)
        let seenElsewhere = Mutex<Bool?>(nil)
        owned.state.hold {
            let held = owned.state.isHeldHere
            #expect(held)
            // Nested: the holder holds it still, and still after.
            let heldNested = owned.state.hold { owned.state.isHeldHere }
            #expect(heldNested)
            let heldAfterNested = owned.state.isHeldHere
            #expect(heldAfterNested)
            let other = RacingThread { seenElsewhere.withLock { $0 = owned.state.isHeldHere } }
            other.join()
        }
        #expect(seenElsewhere.withLock { $0 } == false)
        let heldAfter = owned.state.isHeldHere
        #expect(!heldAfter)
        // Free again: another thread's access takes the lock at once.
        let other = RacingThread { owned.state.withLock { $0 = 7 } }
        other.join()
        let value = owned.state.withLock { $0 }
        #expect(value == 7)
    }

    /// A run that would go on for 10 million jobs (a task sleeping a nanosecond at a time)
    /// is stopped from another thread, which first reads the job count through the lock
    /// while the loop runs (it must be let in) and then asks for the stop (heard at the
    /// loop's next step): the run ends as requested, long before its job limit.
    @Test func aStopAskedForFromAnotherThreadEndsARunningLoop() {
        let sim = Simulation()
        sim.spawn("ticker", role: .daemon) {
            while !Task.isCancelled {
                do { try await sim.clock.sleep(for: .nanoseconds(1)) } catch { return }
            }
        }
        sim.spawn("forever") {
            try? await sim.clock.sleep(for: .seconds(1))
        }
        let sawJobs = Atomic<UInt64>(0)
        let stopper = RacingThread {
            var jobs: UInt64 = 0
            while jobs < 10_000 { jobs = sim.executor.jobsRun }
            sawJobs.store(jobs, ordering: .relaxed)
            sim.executor.requestStop()
        }
        let outcome = sim.run(limit: nil, guards: SimExecutor.Guards(jobs: 10_000_000))
        stopper.join()
        let seen = sawJobs.load(ordering: .relaxed)
        #expect(seen >= 10_000)
        #expect(outcome.ending == .stuck(["forever"]))
        #expect(outcome.jobs < 5_000_000)
    }
}

/// A ``LoopOwned`` count shared by threads (a noncopyable value is captured through a class).
private final class Owned: @unchecked Sendable {
    let state = LoopOwned(0)
}
