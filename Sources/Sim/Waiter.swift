import Synchronization

/// One suspended task waiting on the kernel: for a deadline, a signal, or both.
///
/// Whoever resumes it first wins; later attempts do nothing. The reason tells the task why.
final class Waiter: @unchecked Sendable {
    enum Reason: Sendable { case deadline, signalled, cancelled }

    private enum Slot {
        case empty
        case waiting(UnsafeContinuation<Reason, Never>)
        case resumedBeforeInstall(Reason)
        case finished
    }

    /// Set when the waiter is parked without a deadline (``SimExecutor/park(_:)``), under the
    /// executor's lock; a timed waiter needs none (its timer entry has a sequence number).
    var id: UInt64 = 0
    /// Whether a timer entry refers to this waiter (else it is parked without deadline).
    let timed: Bool
    private let slot = Mutex<Slot>(.empty)
    private let resumed = Atomic<Bool>(false)

    init(timed: Bool) {
        self.timed = timed
    }

    /// True once someone has resumed (or pre-empted) this waiter.
    var isResumed: Bool { resumed.load(ordering: .relaxed) }

    /// Installs the continuation; if the waiter was already resumed (for example cancelled
    /// before it suspended), the continuation is resumed at once.
    func install(_ continuation: UnsafeContinuation<Reason, Never>) {
        let pending: Reason? = slot.withLock { slot in
            switch slot {
            case .empty:
                slot = .waiting(continuation)
                return nil
            case .resumedBeforeInstall(let reason):
                slot = .finished
                return reason
            case .waiting, .finished:
                preconditionFailure("a waiter is installed once")
            }
        }
        if let pending { continuation.resume(returning: pending) }
    }

    /// Resumes the task with `reason` unless someone already did. Returns whether it won.
    /// The continuation is resumed outside every lock: resuming enqueues a job.
    @discardableResult
    func resume(_ reason: Reason) -> Bool {
        let continuation: UnsafeContinuation<Reason, Never>?? = slot.withLock { slot in
            switch slot {
            case .empty:
                slot = .resumedBeforeInstall(reason)
                return .some(nil)
            case .waiting(let continuation):
                slot = .finished
                return .some(continuation)
            case .resumedBeforeInstall, .finished:
                return nil
            }
        }
        guard let won = continuation else { return false }
        resumed.store(true, ordering: .relaxed)
        won?.resume(returning: reason)
        return true
    }
}
