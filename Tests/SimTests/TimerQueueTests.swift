@testable import Sim
import Testing

/// The executor's timer queue (``TimerQueue``) gives its entries back in the order the
/// ordering contract fixes (deadline, then ordinary before observer, then scheduling order),
/// whatever order they went in and however insertions and removals interleave: the same order
/// as sorting them, checked exactly on thousands of entries with many ties.
@Suite struct TimerQueueTests {
    typealias Entry = SimExecutor.TimerEntry

    /// One waiter for every entry (the queue never looks at it).
    let waiter = Waiter(timed: true)

    /// `count` entries with deadlines drawn from a few instants (so most tie), a third of
    /// them observers, sequence numbers in the order made.
    func entries(_ count: Int, seed: UInt64) -> [Entry] {
        var random = RandomStream(seed: seed)
        return (0..<count).map { sequence in
            Entry(deadline: .milliseconds(Int64(random.next() % 40)), observer: random.next() % 3 == 0,
                  sequence: UInt64(sequence + 1), waiter: .passUnretained(waiter))
        }
    }

    /// Empties `queue`, checking that each removal gives the entry `min` showed; returns the
    /// removed entries' order words, in removal order.
    func drain(_ queue: inout TimerQueue) -> [UInt64] {
        var out: [UInt64] = []
        var minDisagreed = 0
        while let first = queue.min {
            let removed = queue.removeMin()
            if removed != first { minDisagreed += 1 }
            out.append(removed.order)
        }
        #expect(minDisagreed == 0)
        return out
    }

    /// Entries compare by their ``SimExecutor/TimerEntry/key`` first: for every pair, the
    /// same answer as comparing the whole deadlines and then the order words, on deadlines
    /// that share a key (under a nanosecond apart), straddle a key's edge, tie, are negative,
    /// or lie past the key's range (where it saturates).
    @Test func theKeyOrdersEntriesAsTheirDeadlines() {
        let edge = Int128(1) << 30
        var attoseconds: [Int128] = [0, 1, edge - 1, edge, edge + 1, 3 * edge - 7, -1, -edge - 5,
                                     Int128(1) << 93, (Int128(1) << 94) - 1, Int128(1) << 94, (Int128(1) << 94) + 3,
                                     Int128(1) << 100]
        var random = RandomStream(seed: 30)
        for _ in 0..<60 { attoseconds.append(Int128(random.next() % 5_000_000_000_000) * 1_000_000 + Int128(random.next() % 3)) }
        let entries = attoseconds.enumerated().flatMap { index, value in
            [false, true].map { observer in
                Entry(deadline: Duration(attoseconds: value), observer: observer,
                      sequence: UInt64(2 * index + (observer ? 1 : 0) + 1), waiter: .passUnretained(waiter))
            }
        }
        var disagreeing = 0
        for a in entries {
            for b in entries {
                let plain = a.deadline.attoseconds != b.deadline.attoseconds
                    ? a.deadline.attoseconds < b.deadline.attoseconds : a.order < b.order
                if (a < b) != plain { disagreeing += 1 }
            }
        }
        #expect(disagreeing == 0)
        #expect(Entry.key(of: .seconds(Int64(1) << 40)) == .max)
        #expect(Entry.key(of: Duration(attoseconds: -3)) == 0)
    }

    /// Spans of the near heap (``TimerQueue/nearSpan``): one key (nearly every entry past
    /// the first few goes to the far heap and moves back), a millisecond and 10 ms (the
    /// entries' 40 ms of deadlines split between the two), and an hour (one heap).
    static let spans: [Duration] = [Duration(attoseconds: 1 << 30), .milliseconds(1), .milliseconds(10), .seconds(3600)]

    /// The entries' identities (their order words) in the order `entries` sorts them.
    func sorted(_ entries: [Entry]) -> [UInt64] {
        entries.sorted(by: <).map(\.order)
    }

    @Test(arguments: [0, 1, 2, 3, 4, 5, 17, 64, 65, 1000, 5000], spans)
    func insertionsThenRemovalsComeOutSorted(count: Int, span: Duration) {
        let made = entries(count, seed: UInt64(count) + 1)
        var shuffle = RandomStream(seed: 9)
        var queue = TimerQueue(nearSpan: span)
        for entry in made.shuffled(using: &shuffle) { queue.insert(entry) }
        let left = queue.count
        #expect(left == count)
        let out = drain(&queue)
        #expect(out == sorted(made))
        let empty = queue.isEmpty
        #expect(empty)
    }

    /// Entries inserted in bulk (two batches, as two scripts would) and one by one, then
    /// drained: one order, the sorted one.
    @Test(arguments: [0, 1, 2, 6, 21, 1000, 4097], spans)
    func entriesInsertedInBulkMergeWithTheHeap(count: Int, span: Duration) {
        let made = entries(count, seed: 77)
        var shuffle = RandomStream(seed: 3)
        let shuffled = made.shuffled(using: &shuffle)
        var queue = TimerQueue(nearSpan: span)
        queue.insert(inBulk: Array(shuffled[..<(count / 3)]))
        for entry in shuffled[(count / 3)..<(2 * count / 3)] { queue.insert(entry) }
        queue.insert(inBulk: Array(shuffled[(2 * count / 3)...]))
        let left = queue.count
        #expect(left == count)
        #expect(Set(queue.unordered.map(\.order)) == Set(made.map(\.order)))
        let out = drain(&queue)
        #expect(out == sorted(made))
    }

    /// Compaction's removal (stale entries) keeps the rest in order, in the heap and among
    /// the entries inserted in bulk.
    @Test(arguments: spans)
    func removingEntriesKeepsTheRestInOrder(span: Duration) {
        let made = entries(3000, seed: 21)
        var queue = TimerQueue(nearSpan: span)
        queue.insert(inBulk: Array(made[..<1000]))
        for entry in made[1000...] { queue.insert(entry) }
        var seen = 0
        queue.removeAll { entry in
            seen += 1
            return entry.order % 3 == 0
        }
        #expect(seen == made.count)
        let kept = made.filter { $0.order % 3 != 0 }
        let left = queue.count
        #expect(left == kept.count)
        #expect(drain(&queue) == sorted(kept))
    }

    /// A removal that takes every entry of the near heap (the earliest ones) leaves the
    /// queue giving the rest, from the far heap, in order; entries inserted afterwards too.
    /// The first entries go in earliest first, as a run's timers mostly do, so that with a
    /// span below 20 ms every entry of the near heap is below the cut.
    @Test(arguments: spans)
    func removingTheEarliestEntriesKeepsTheRestInOrder(span: Duration) {
        let made = entries(3000, seed: 22)
        var queue = TimerQueue(nearSpan: span)
        for entry in made[..<2000].sorted(by: <) { queue.insert(entry) }
        // The earliest entry (at 0 ms, below the cut) out, as a run's first timer goes.
        let removed = queue.removeMin()
        #expect(removed.deadline == .zero)
        let cut = Duration.milliseconds(20)
        queue.removeAll { $0.deadline < cut }
        let survivors = made[..<2000].filter { $0.deadline >= cut }
        #expect(survivors.count > 500)
        let first = queue.min
        #expect(first?.order == sorted(survivors).first)
        for entry in made[2000...] { queue.insert(entry) }
        #expect(drain(&queue) == sorted(survivors + made[2000...]))
    }

    /// Insertions and removals interleaved, as the executor does them (a script's starts in
    /// bulk first), against a sorted array kept alongside.
    @Test(arguments: spans)
    func interleavedInsertionsAndRemovalsMatchASortedList(span: Duration) {
        let made = entries(20_000, seed: 5)
        var random = RandomStream(seed: 11)
        var queue = TimerQueue(nearSpan: span)
        queue.insert(inBulk: Array(made[..<5000]))
        var reference = made[..<5000].sorted(by: <)
        var next = 5000
        var out: [UInt64] = []
        var expected: [UInt64] = []
        while next < made.count || !reference.isEmpty {
            if next < made.count && (reference.isEmpty || random.next() % 5 < 3) {
                queue.insert(made[next])
                // Binary search for the place of the new entry among the sorted ones.
                var low = 0, high = reference.count
                while low < high {
                    let middle = (low + high) / 2
                    if reference[middle] < made[next] { low = middle + 1 } else { high = middle }
                }
                reference.insert(made[next], at: low)
                next += 1
            } else {
                out.append(queue.removeMin().order)
                expected.append(reference.removeFirst().order)
            }
        }
        #expect(out == expected)
        let empty = queue.isEmpty
        #expect(empty && next == made.count)
    }

    /// The order word: an observer sorts after every ordinary entry of its deadline, and
    /// entries of one kind by sequence.
    @Test func observersFireAfterOrdinaryTimersOfTheirInstant() {
        let at = Duration.seconds(1)
        let observer = Entry(deadline: at, observer: true, sequence: 1, waiter: .passUnretained(waiter))
        let ordinary = Entry(deadline: at, observer: false, sequence: 2, waiter: .passUnretained(waiter))
        let earlier = Entry(deadline: .milliseconds(999), observer: true, sequence: 3, waiter: .passUnretained(waiter))
        #expect(ordinary < observer && !(observer < ordinary))
        #expect(earlier < ordinary)
        var queue = TimerQueue()
        for entry in [observer, ordinary, earlier] { queue.insert(entry) }
        #expect([queue.removeMin(), queue.removeMin(), queue.removeMin()].map(\.order)
                == [earlier.order, ordinary.order, observer.order])
    }
}
