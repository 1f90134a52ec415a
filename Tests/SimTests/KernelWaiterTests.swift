@testable import Sim
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A waiter is resumed once: the first resume wins, whether it comes before or after the
/// continuation is installed, and from whichever thread (its state is one atomic byte).
@Suite struct KernelWaiterTests {
    @Test func aWaiterResumedBeforeItsContinuationIsInstalledResumesItAtOnce() async {
        let waiter = Waiter(timed: false)
        #expect(!waiter.isResumed)
        #expect(waiter.resume(.cancelled))
        #expect(waiter.isResumed)
        #expect(!waiter.resume(.signalled))
        let reason = await withUnsafeContinuation { waiter.install($0) }
        #expect(reason == .cancelled)
    }

    @Test func onlyTheFirstResumeAfterInstallingWins() async {
        let waiter = Waiter(timed: true)
        let outcomes = Mutex<[Bool]>([])
        let reason = await withUnsafeContinuation { continuation in
            waiter.install(continuation)
            outcomes.withLock { $0.append(waiter.isResumed) }
            outcomes.withLock { $0.append(waiter.resume(.deadline)) }
            outcomes.withLock { $0.append(waiter.resume(.cancelled)) }
        }
        #expect(reason == .deadline)
        #expect(outcomes.withLock { $0 } == [false, true, false])
        #expect(waiter.isResumed)
    }

    /// Four threads race to resume each of a thousand installed waiters: exactly one wins
    /// each, and the task sees the winner's reason.
    @Test func racingResumesHaveOneWinnerEach() async {
        let reasons: [Waiter.Reason] = [.deadline, .signalled, .cancelled, .deadline]
        for _ in 0..<1000 {
            let waiter = Waiter(timed: true)
            let winners = Mutex<[Waiter.Reason]>([])
            let reason = await withUnsafeContinuation { continuation in
                waiter.install(continuation)
                let threads = reasons.map { reason in
                    RacingThread { if waiter.resume(reason) { winners.withLock { $0.append(reason) } } }
                }
                threads.forEach { $0.join() }
            }
            let won = winners.withLock { $0 }
            #expect(won.count == 1)
            #expect(won.first == reason)
        }
    }
}

/// The clock is read without the loop's lock (a sequence lock, `SimExecutor.now`): a thread
/// reading it while the loop moves it sees only instants the loop set, never one half old and
/// half new, and never going backwards. The instants change both 64-bit words of the
/// attosecond count at every step, so a torn read would be a value the loop never set.
/// With the sequence check taken out, 200,000 steps showed 4 to 17 torn reads in each of five
/// runs (0.14 s each) on a 2-core machine.
@Suite struct KernelClockTests {
    @Test func aThreadReadingTheClockWhileItMovesSeesOnlyWholeInstants() {
        let sim = Simulation()
        let steps = 200_000
        let instants = (1...steps).map { step in
            Duration(attoseconds: Int128(step) << 64 | Int128(UInt64(truncatingIfNeeded: step &* -7_046_029_254_386_353_131)))
        }
        let set = Set(instants.map(\.attoseconds)).union([0])
        sim.spawn("mover") {
            for instant in instants { try? await sim.clock.sleep(until: .init(offset: instant)) }
        }
        let done = Atomic<Bool>(false)
        let seen = Mutex<(reads: Int, foreign: Int, backwards: Int)>((0, 0, 0))
        let reader = RacingThread {
            var last: Int128 = 0
            var counts = (reads: 0, foreign: 0, backwards: 0)
            while !done.load(ordering: .acquiring) {
                let now = sim.executor.now.attoseconds
                counts.reads += 1
                if !set.contains(now) { counts.foreign += 1 }
                if now < last { counts.backwards += 1 }
                last = now
            }
            seen.withLock { $0 = counts }
        }
        let outcome = sim.run(limit: nil)
        done.store(true, ordering: .releasing)
        reader.join()
        #expect(outcome.ending == .completed)
        #expect(sim.executor.now == instants.last)
        let counts = seen.withLock { $0 }
        #expect(counts.reads > 0)
        #expect(counts.foreign == 0)
        #expect(counts.backwards == 0)
    }
}

/// A started, joinable thread (Foundation is not needed for this).
final class RacingThread: @unchecked Sendable {
    #if canImport(Glibc)
    private var handle = pthread_t()
    #else
    private var handle: pthread_t?
    #endif
    private let body: () -> Void

    init(_ body: @escaping () -> Void) {
        self.body = body
        let box = Unmanaged.passRetained(self).toOpaque()
        let created = pthread_create(&handle, nil, { pointer in
            let thread = Unmanaged<RacingThread>.fromOpaque(pointer!).takeRetainedValue()
            thread.body()
            return nil
        }, box)
        precondition(created == 0, "pthread_create failed")
    }

    func join() { pthread_join(handle, nil) }
}
