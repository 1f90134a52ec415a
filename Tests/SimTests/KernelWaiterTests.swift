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

/// A started, joinable thread (Foundation is not needed for this).
private final class RacingThread: @unchecked Sendable {
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
