@testable import Sim
import Testing

/// The timer heap holds each waiter through an unmanaged reference (so its sifts touch no
/// reference count): every entry must give its waiter back exactly once, whether its timer
/// fires, it is dropped as stale (its waiter resumed by a signal first), or the executor goes
/// with the timer still pending. A reference kept shows as a waiter that outlives everything;
/// one given back twice would crash.
@Suite struct TimerReferenceTests {
    @Test func everyEntryGivesItsWaiterBack() {
        weak var fired: Waiter?
        weak var stale: Waiter?
        weak var pending: Waiter?
        do {
            let executor = SimExecutor()
            let first = Waiter(timed: true)
            let signalled = Waiter(timed: true)
            let late = Waiter(timed: true)
            fired = first
            stale = signalled
            pending = late
            executor.schedule(first, at: .seconds(1))
            executor.schedule(signalled, at: .seconds(2))
            executor.schedule(late, at: .seconds(10))
            signalled.resume(.signalled)
            executor.forget(signalled)
            #expect(executor.run(until: .seconds(5)) == .timeLimit)
            #expect(first.isResumed)
            #expect(!late.isResumed)
        }
        #expect(fired == nil)
        #expect(stale == nil)
        #expect(pending == nil)
    }

    /// Past a thousand stale entries the heap is compacted: the dropped entries give their
    /// waiters back, the live ones still fire.
    @Test func compactionGivesTheDroppedWaitersBack() {
        weak var someStale: Waiter?
        let executor = SimExecutor()
        var live: [Waiter] = []
        do {
            for index in 0..<3000 {
                let waiter = Waiter(timed: true)
                executor.schedule(waiter, at: .seconds(Double(index % 7 + 1)))
                if index % 10 == 0 {
                    live.append(waiter)
                } else {
                    if index == 1 { someStale = waiter }
                    waiter.resume(.signalled)
                    executor.forget(waiter)
                }
            }
        }
        #expect(someStale == nil)
        #expect(executor.run(until: nil) == .quiescent)
        #expect(live.allSatisfy { $0.isResumed })
    }
}
