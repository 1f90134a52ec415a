/// The kernel's pending timers, earliest first: four-ary min-heaps (two, below), and beside
/// them the timers registered in bulk, sorted once.
///
/// The executor needs only the earliest entry, its removal, insertion and (at shutdown and
/// compaction) every entry in any order; `HeapModule`'s `Heap` is a min-max heap, which also
/// keeps the largest at hand and pays for it on every removal. Here a removal moves the hole
/// left by the earliest entry down to a leaf along the earliest children and puts the last
/// entry there, sifting it up (it nearly always belongs near the bottom); four children a
/// node make the tree half as deep as a binary one, with the four children side by side in
/// memory.
///
/// A scenario's scripted actions are registered together at the start of a run
/// (``insert(inBulk:)``, ``Simulation/spawn(_:role:)``): 47,520 in a day of `cluster-day`,
/// most of them waiting for hours. In the heap, every other timer would pay their depth on
/// each insertion and removal; they are kept in an array sorted latest first instead, whose
/// last entry is compared with the heap's first.
///
/// The heap itself is two: the entries due within ``nearSpan`` of the earliest (`near`), and
/// the rest (`far`), every key of the first no later than ``bound`` and every key of the
/// second past it, so the earliest entry is always `near`'s first. Most timers of a
/// `cluster-day` hour are a round trip's (about a millisecond) among some 1,300 that wait
/// for seconds: each paid the whole heap's depth on its insertion and removal; in the near
/// heap of a few dozen it pays two levels. A far entry pays both heaps' (it moves to `near`
/// when `near` empties: `far`'s earliest and those within ``nearSpan`` of it).
///
/// Entries are totally ordered (``SimExecutor/TimerEntry``'s sequence numbers are unique),
/// so any correct priority queue fires them in the same order: how the queue is built cannot
/// change a run (`TimerQueueTests` checks the order against a sort).
///
/// Not copyable: each heap is a buffer the queue alone owns (``Heap``, ``OwnedArray``), which
/// an array's copy-on-write would otherwise check for a second owner on every insertion and
/// removal.
struct TimerQueue: ~Copyable {
    typealias Entry = SimExecutor.TimerEntry

    /// The entries with keys up to ``bound``: a heap.
    private var near = Heap()
    /// The entries with keys past ``bound``: a heap, empty while `near` is.
    private var far = Heap()
    /// The last key of `near`'s span: ``nearSpan`` past the key of the entry that began it
    /// (or, while `far` is empty and `near` small, of the latest entry).
    private var bound: UInt64 = 0
    /// How far past its first entry `near` reaches, in keys (about nanoseconds). How the
    /// entries are split does not change their order (`TimerQueueTests` checks it with spans
    /// from one key up), only the time it takes: of 1 ms, 10 ms, 50 ms, 200 ms and 1 s, 10 ms
    /// took the fewest instructions on an hour of `cluster-day` in `plan` and `ideal-plan`,
    /// within 0.6 % of each other (docs/performance.md, "Session 29").
    let nearSpan: UInt64
    /// The entries inserted in bulk, latest first.
    private var later: [Entry] = []

    init(nearSpan: Duration = .milliseconds(10)) {
        self.nearSpan = Swift.max(1, Entry.key(of: nearSpan))
    }

    var count: Int { near.count + far.count + later.count }
    var isEmpty: Bool { near.isEmpty && later.isEmpty }

    /// The earliest entry.
    var min: Entry? { laterComesFirst ? later.last : near.first }

    /// Whether the earliest entry is the earliest of those inserted in bulk (else the heap's,
    /// or none). Inlined: the executor's loop reads ``min`` for every timer, and left as a
    /// call this was 2.8 % more of the kernel M/M/1's instructions.
    @inline(__always)
    private var laterComesFirst: Bool {
        guard let start = later.last else { return false }
        return near.first.map { start < $0 } ?? true
    }

    /// Every entry: the heaps' in no particular order, then those inserted in bulk, earliest
    /// first.
    var unordered: [Entry] { near.entries + far.entries + later.reversed() }

    mutating func insert(_ entry: Entry) {
        if entry.key <= bound {
            near.push(entry)
        } else if far.isEmpty && near.count < Self.nearBeforeFar {
            // `near` reaches past the entry: a queue of a few timers is one heap (a refill
            // for every timer of the kernel's M/M/1 cost 2 % of its instructions).
            bound = spanEnd(from: entry.key)
            near.push(entry)
        } else {
            far.push(entry)
        }
    }

    /// The entries `near` takes beyond its span while `far` is empty.
    private static let nearBeforeFar = 16

    /// Inserts `batch` (in any order) apart from the heap, sorting the entries kept apart.
    mutating func insert(inBulk batch: [Entry]) {
        later.append(contentsOf: batch)
        later.sort(by: >)
    }

    /// Removes and returns the earliest entry; the queue must not be empty.
    mutating func removeMin() -> Entry {
        if laterComesFirst { return later.removeLast() }
        let first = near.popMin()
        if near.isEmpty && !far.isEmpty { refill() }
        return first
    }

    /// `near` is empty: the span begins at `far`'s earliest entry, and the entries in it move.
    /// Not inlined: it runs once a span.
    @inline(never)
    private mutating func refill() {
        bound = spanEnd(from: far.first!.key)
        // Taken earliest first, each goes to the end of `near` and stays there.
        while let first = far.first, first.key <= bound {
            near.push(far.popMin())
        }
    }

    /// The last key of a span of `near` beginning at `key`: ``nearSpan`` past it, or the
    /// largest key.
    @inline(__always)
    private func spanEnd(from key: UInt64) -> UInt64 {
        let (end, overflow) = key.addingReportingOverflow(nearSpan)
        return overflow ? .max : end
    }

    /// Removes every entry `shouldRemove` picks (it sees each once, and may act on it).
    mutating func removeAll(where shouldRemove: (Entry) -> Bool) {
        later.removeAll(where: shouldRemove)
        near.removeAll(where: shouldRemove)
        far.removeAll(where: shouldRemove)
        if near.isEmpty && !far.isEmpty { refill() }
    }

    // MARK: One heap: four-ary, in an owned buffer

    /// A four-ary min-heap of entries in a buffer it alone owns (``OwnedArray``; an entry is
    /// trivial: moved by copying its words, dropped without a release).
    struct Heap: ~Copyable {
        private var storage = OwnedArray<Entry>()

        var count: Int { storage.count }
        var isEmpty: Bool { storage.isEmpty }
        var first: Entry? { storage.isEmpty ? nil : storage[0] }
        /// Every entry, in no particular order.
        var entries: [Entry] { storage.elements }

        @inline(__always)
        mutating func push(_ entry: Entry) {
            storage.append(entry)
            Self.siftUp(storage.buffer, entry, from: storage.count - 1)
        }

        /// Removes and returns the earliest entry; the heap must not be empty. Inlined into
        /// ``TimerQueue/removeMin()`` (a call of its own was 1 % of the kernel M/M/1's
        /// instructions).
        @inline(__always)
        mutating func popMin() -> Entry {
            guard let last = storage.popLast() else { preconditionFailure("removing from an empty heap") }
            guard !storage.isEmpty else { return last }
            let heap = storage.buffer
            let first = heap[0]
            // The hole at the root moves down along the earliest children to a leaf...
            var hole = 0
            while let earliest = Self.earliestChild(heap, of: hole) {
                heap[hole] = heap[earliest]
                hole = earliest
            }
            // ...where the last entry goes, rising to its place.
            Self.siftUp(heap, last, from: hole)
            return first
        }

        mutating func removeAll(where shouldRemove: (Entry) -> Bool) {
            storage.removeAll(where: shouldRemove)
            guard storage.count > 1 else { return }
            let heap = storage.buffer
            var index = Self.parent(of: heap.count - 1)
            while index >= 0 {
                Self.siftDown(heap, from: index)
                index -= 1
            }
        }

        private static func parent(of index: Int) -> Int { (index - 1) >> 2 }

        /// The index of the earliest child of the node at `index`, or nil for a leaf.
        @inline(__always)
        private static func earliestChild(_ heap: UnsafeMutableBufferPointer<Entry>, of index: Int) -> Int? {
            let child = 4 * index + 1
            guard child < heap.count else { return nil }
            var earliest = child
            var next = child + 1
            let end = Swift.min(child + 4, heap.count)
            while next < end {
                if heap[next] < heap[earliest] { earliest = next }
                next += 1
            }
            return earliest
        }

        /// Puts `entry` in the hole at `index`, moving later parents down until its place.
        private static func siftUp(_ heap: UnsafeMutableBufferPointer<Entry>, _ entry: Entry, from index: Int) {
            var hole = index
            while hole > 0 {
                let up = parent(of: hole)
                guard entry < heap[up] else { break }
                heap[hole] = heap[up]
                hole = up
            }
            heap[hole] = entry
        }

        /// Moves the entry at `index` down below its earlier children (building the heap).
        private static func siftDown(_ heap: UnsafeMutableBufferPointer<Entry>, from index: Int) {
            let entry = heap[index]
            var hole = index
            while let earliest = earliestChild(heap, of: hole) {
                guard heap[earliest] < entry else { break }
                heap[hole] = heap[earliest]
                hole = earliest
            }
            heap[hole] = entry
        }
    }
}
