import Sim

/// The round starts a daemon acts on while it sleeps through its idle claims: the first start
/// at or after `every` past the last one it acted on (sf-queues refreshes its disk metric so,
/// at most every `disk_metric_refresh`). A value rather than a callback per round, so that a
/// daemon can take at once the rounds the database already walked past for it (``IdlePlan``)
/// with their effect, without drawing them again (``IdleClaims``).
struct PeriodicStarts: Equatable {
    let every: Duration
    /// The last start acted on (before the stretch: the daemon's own last refresh), if any.
    var last: Duration?
    /// `every` in whole nanoseconds, or 0 if it is not a positive whole number of them:
    /// taken once, where the database's walk of a plan asked it at each of its 450,000 walks
    /// an hour of `cluster-day` (``inNanoseconds``).
    private let everyNanoseconds: Int64

    init(every: Duration, last: Duration?) {
        self.every = every
        self.last = last
        everyNanoseconds = every.exactNanoseconds.map { $0 > 0 ? $0 : 0 } ?? 0
    }

    /// A round starts at `start`. Returns whether the daemon acts on it.
    @discardableResult
    mutating func see(_ start: Duration) -> Bool {
        // In attoseconds (inlined), not through `Duration`'s `-` and `<` (two calls into the
        // standard library for each round a plan's walk passes, 420,000 an hour).
        if let last, start.attoseconds - last.attoseconds < every.attoseconds { return false }
        last = start
        return true
    }

    /// The same in whole nanoseconds, for walks in nanoseconds: `every` and `last` as
    /// nanoseconds (`last` -1 for none), or nil if either is not a whole number of them.
    var inNanoseconds: (every: Int64, last: Int64)? {
        guard everyNanoseconds > 0 else { return nil }
        guard let last else { return (everyNanoseconds, -1) }
        guard let exact = last.exactNanoseconds, exact >= 0 else { return nil }
        return (everyNanoseconds, exact)
    }

    /// ``see(_:)`` in nanoseconds, on a state from ``inNanoseconds`` (starts are never
    /// negative, so `start - last` cannot overflow).
    @inline(__always)
    static func see(_ start: Int64, every: Int64, last: inout Int64) {
        if last >= 0 && start - last < every { return }
        last = start
    }
}
