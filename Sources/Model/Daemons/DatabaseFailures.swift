import Sim

/// How the daemons meet a failing database, as Shaken Fist's do (issue 10; the numbers are
/// assumed where the issue gives none):
///
/// - a statement that deadlocks (1213) or loses its connection (2006/2013) is retried, after
///   a jittered delay, by the connection itself (``retry(_:random:runtime:_:)``); when the
///   retries run out it fails as `DatabaseUnavailable`;
/// - a dispatcher that meets `DatabaseUnavailable` sleeps ``unavailableBackoff`` (5 s, as the
///   issue states) and goes round its loop again;
/// - a worker that meets it gives its item up: the row stays claimed and the reaper releases
///   it after `claim_timeout`;
/// - anything else is reported as the daemon's failure (a model or SQL bug).
///
/// In the simulator no statement fails, so none of this changes a simulated run.
public struct DatabaseFailurePolicy: Sendable {
    /// A dispatcher's sleep after `DatabaseUnavailable` (issue 10: 5 s).
    public var unavailableBackoff: Duration = .seconds(5)
    /// Tries of one statement before it fails as unavailable (assumed: 5).
    public var attempts: Int = 5
    /// The jitter: the n-th retry waits uniformly between zero and `jitterBase * 2^n`
    /// (assumed: 50 ms, so the fourth retry waits at most 0.8 s).
    public var jitterBase: Duration = .milliseconds(50)

    public static let shakenFist = DatabaseFailurePolicy()

    /// Runs `statement`, retrying a transient failure (deadlock, lost connection) with jitter
    /// drawn from `random`; after ``attempts`` tries the failure becomes
    /// ``DatabaseError/unavailable(_:)``. Other errors pass through at once.
    nonisolated(nonsending)
    public func retry<T>(_ what: String, random: inout RandomStream, runtime: any Runtime,
                         _ statement: () async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            do {
                return try await statement()
            } catch let error as DatabaseError where error.isTransient {
                attempt += 1
                guard attempt < attempts else {
                    throw DatabaseError.unavailable("\(what): \(error) (\(attempt) tries)")
                }
                let ceiling = jitterBase * (1 << min(attempt, 20))
                try await runtime.sleep(for: ceiling * random.nextUnit())
            }
        }
    }
}

extension DatabaseError {
    /// Whether a daemon loop waits and goes on (the database is down or a statement kept
    /// failing) rather than reporting a failure.
    var isUnavailable: Bool {
        switch self {
        case .unavailable, .deadlock, .lostConnection: return true
        case .accessDenied, .other: return false
        }
    }
}
