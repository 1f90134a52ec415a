import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SIGINT and SIGTERM end simrun at once with status 130 or 143, removing only the
/// temporary files it made itself, so nothing partial is ever left as if it were whole.
///
/// The signals are blocked in every thread (the mask is set before any other thread starts,
/// and threads inherit it) and taken by one thread of their own with `sigwait`, so the
/// clean-up runs as ordinary code, never inside a signal handler, whatever the simulation's
/// threads are doing.
enum Interrupts {
    private static let temporaries = Mutex<Set<String>>([])
    /// Live mode's handler: the first signal asks the run to stop (it releases its claimed
    /// rows, then exits); a second one exits at once.
    private static let handler = Mutex<(@Sendable (Int32) -> Void)?>(nil)

    /// Sets (or clears, with nil) the handler of the next signal.
    static func onInterrupt(_ body: (@Sendable (Int32) -> Void)?) {
        handler.withLock { $0 = body }
    }

    /// Call first thing in `main`.
    static func install() {
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        let waiter = Thread {
            var signals = sigset_t()
            sigemptyset(&signals)
            sigaddset(&signals, SIGINT)
            sigaddset(&signals, SIGTERM)
            var received: Int32 = 0
            while sigwait(&signals, &received) != 0 {}
            if let body = handler.withLock({ current -> (@Sendable (Int32) -> Void)? in
                defer { current = nil }
                return current
            }) {
                _ = writeAll("simrun: stopping the live run (again to quit at once)\n", to: STDERR_FILENO)
                body(received)
                while sigwait(&signals, &received) != 0 {}
            }
            let removed = temporaries.withLock { paths in
                for path in paths.sorted() { unlink(path) }
                return paths.count
            }
            let name = received == SIGINT ? "SIGINT" : "SIGTERM"
            let note = removed > 0 ? "; the output being written was discarded" : ""
            _ = writeAll("simrun: interrupted by \(name)\(note)\n", to: STDERR_FILENO)
            _exit(128 + received)
        }
        waiter.start()
    }

    /// Creates a temporary file with `mkstemp(template)` and holds it as ours (removed if a
    /// signal comes before it is renamed), with no gap between the two for a signal to fall in.
    static func makeTemporaryFile(_ template: inout [CChar]) -> Int32 {
        temporaries.withLock { paths in
            let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            if descriptor >= 0 { paths.insert(template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }) }
            return descriptor
        }
    }

    /// `path` was renamed into place or removed: no longer ours to remove.
    static func releaseTemporaryFile(_ path: String) {
        temporaries.withLock { _ = $0.remove(path) }
    }
}
