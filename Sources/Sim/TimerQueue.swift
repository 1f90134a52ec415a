/// The kernel's pending timers, earliest first: a four-ary min-heap in one array, and beside
/// it the timers registered in bulk, sorted once.
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
/// Entries are totally ordered (``SimExecutor/TimerEntry``'s sequence numbers are unique),
/// so any correct priority queue fires them in the same order: how the queue is built cannot
/// change a run (`TimerQueueTests` checks the order against a sort).
struct TimerQueue {
    typealias Entry = SimExecutor.TimerEntry

    /// The heap.
    private var entries: [Entry] = []
    /// The entries inserted in bulk, latest first.
    private var later: [Entry] = []

    init() {}

    var count: Int { entries.count + later.count }
    var isEmpty: Bool { entries.isEmpty && later.isEmpty }

    /// The earliest entry.
    var min: Entry? { laterComesFirst ? later.last : entries.first }

    /// Whether the earliest entry is the earliest of those inserted in bulk (else the heap's,
    /// or none). Inlined: the executor's loop reads ``min`` for every timer, and left as a
    /// call this was 2.8 % more of the kernel M/M/1's instructions.
    @inline(__always)
    private var laterComesFirst: Bool {
        guard let start = later.last else { return false }
        return entries.first.map { start < $0 } ?? true
    }

    /// Every entry: the heap's in no particular order, then those inserted in bulk, earliest
    /// first.
    var unordered: [Entry] { entries + later.reversed() }

    mutating func insert(_ entry: Entry) {
        entries.append(entry)
        entries.withUnsafeMutableBufferPointer { heap in
            TimerQueue.siftUp(heap, entry, from: heap.count - 1)
        }
    }

    /// Inserts `batch` (in any order) apart from the heap, sorting the entries kept apart.
    mutating func insert(inBulk batch: [Entry]) {
        later.append(contentsOf: batch)
        later.sort(by: >)
    }

    /// Removes and returns the earliest entry; the queue must not be empty.
    mutating func removeMin() -> Entry {
        if laterComesFirst { return later.removeLast() }
        let last = entries.removeLast()
        guard !entries.isEmpty else { return last }
        return entries.withUnsafeMutableBufferPointer { heap in
            let first = heap[0]
            // The hole at the root moves down along the earliest children to a leaf...
            var hole = 0
            while let earliest = TimerQueue.earliestChild(heap, of: hole) {
                heap[hole] = heap[earliest]
                hole = earliest
            }
            // ...where the last entry goes, rising to its place.
            TimerQueue.siftUp(heap, last, from: hole)
            return first
        }
    }

    /// Removes every entry `shouldRemove` picks (it sees each once, and may act on it).
    mutating func removeAll(where shouldRemove: (Entry) -> Bool) {
        later.removeAll(where: shouldRemove)
        entries.removeAll(where: shouldRemove)
        guard entries.count > 1 else { return }
        entries.withUnsafeMutableBufferPointer { heap in
            var index = TimerQueue.parent(of: heap.count - 1)
            while index >= 0 {
                TimerQueue.siftDown(heap, from: index)
                index -= 1
            }
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
