import Sim
import Synchronization

/// Where a run is, told while it goes on (``RunOptions/progress``): its clock and its ops so
/// far. A long run (a day of 50 nodes takes seconds to minutes) says how far it has got.
public struct RunProgress: Sendable {
    /// The run's virtual clock.
    public var virtualTime: Duration
    public var created: Int
    /// Ops that reached a terminal state (completed, errored or aborted).
    public var ended: Int

    public init(virtualTime: Duration, created: Int, ended: Int) {
        self.virtualTime = virtualTime
        self.created = created
        self.ended = ended
    }
}

extension RunProgress {
    /// `watch` that also tells `progress`, at its checks, where the run is, at most once every
    /// `interval` of wall time. It only reads the run: the watch looks at the same instants
    /// and answers the same, so the run is the same with or without it.
    static func reporting(_ watch: SimExecutor.Watch, every interval: Duration, recorder: RunRecorder,
                          to progress: @escaping @Sendable (RunProgress) -> Void) -> SimExecutor.Watch {
        let throttle = WallThrottle(every: interval)
        let check = watch.check
        return SimExecutor.Watch(every: watch.every) { now in
            if throttle.isDue() {
                let counts = recorder.counts
                progress(RunProgress(virtualTime: now, created: counts.created,
                                     ended: counts.completed + counts.errored + counts.aborted))
            }
            return check(now)
        }
    }
}

/// Says yes at most once every `interval` of wall time: once `interval` has passed since it
/// was made or last said yes (a run shorter than that tells nothing).
private final class WallThrottle: Sendable {
    private let interval: Duration
    private let clock = ContinuousClock()
    private let last: Mutex<ContinuousClock.Instant>

    init(every interval: Duration) {
        self.interval = interval
        last = Mutex(clock.now)
    }

    func isDue() -> Bool {
        let now = clock.now
        return last.withLock { last in
            guard now - last >= interval else { return false }
            last = now
            return true
        }
    }
}
