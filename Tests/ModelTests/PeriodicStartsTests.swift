@testable import Model
import Sim
import Testing

/// ``PeriodicStarts`` follows the starts a daemon acts on as sf-queues' disk-metric refresh
/// did round by round (the first start at least `every` after the last one acted on), and
/// its walk in nanoseconds follows the same starts.
@Suite struct PeriodicStartsTests {
    @Test func actsOnTheFirstStartAtLeastEveryAfterTheLast() {
        var starts = PeriodicStarts(every: .seconds(30), last: nil)
        var acted: [Duration] = []
        for start in [5, 20, 34, 35, 36, 64, 66, 200].map({ Duration.seconds($0) }) {
            let before = starts.last
            let acts = starts.see(start)
            #expect(acts == (starts.last != before))
            if acts { acted.append(start) }
        }
        #expect(acted == [5, 35, 66, 200].map { Duration.seconds($0) })
    }

    /// Random grids of starts (sleeps of 0.2 to 2 s plus round trips), with and without a
    /// last start before them: the nanosecond walk ends where the `Duration` one does.
    @Test func theWalkInNanosecondsFollowsTheSameStarts() {
        var stream = RandomStream(seed: 4).derived("starts")
        for trial in 0..<200 {
            let every = Duration.milliseconds(Int64(500 + stream.next() % 40_000))
            let last: Duration? = trial % 3 == 0 ? nil : .nanoseconds(Int64(stream.next() % 10_000_000_000))
            var starts = PeriodicStarts(every: every, last: last)
            guard let (everyNs, lastNs) = starts.inNanoseconds else {
                Issue.record("whole nanoseconds not walked in nanoseconds")
                return
            }
            var lastStart = lastNs
            var start = Int64(10_000_000_000)
            for _ in 0..<500 {
                start += 200_000_000 + Int64(stream.next() % 1_800_000_000)
                starts.see(.nanoseconds(start))
                PeriodicStarts.see(start, every: everyNs, last: &lastStart)
                #expect(starts.last == .nanoseconds(lastStart), "trial \(trial)")
            }
        }
        #expect(PeriodicStarts(every: .seconds(1), last: Duration(secondsComponent: 1, attosecondsComponent: 3)).inNanoseconds == nil)
        #expect(PeriodicStarts(every: Duration(secondsComponent: 2, attosecondsComponent: 5), last: nil).inNanoseconds == nil)
        #expect(PeriodicStarts(every: .zero, last: nil).inNanoseconds == nil)
        #expect(PeriodicStarts(every: .seconds(2), last: nil).inNanoseconds! == (2_000_000_000, -1))
    }
}
