/// Storage for the executor's own queues and tables, which one owner (the executor's locked
/// state) mutates in place for every job and wait: not copyable, so that no mutation has to
/// ask the runtime whether the storage has a second owner, as an `Array`'s or a `Deque`'s
/// copy-on-write does on each append and removal (for the timer heaps, the job queue, the
/// parked waiters' slots and the signals' waiters, 3 % of the instructions of an hour of
/// `cluster-day`'s `ideal-plan`: docs/performance.md, "Session 30").

/// A growable array: appends and removals at the end, reads and writes by index.
struct OwnedArray<Element>: ~Copyable {
    private var base: UnsafeMutablePointer<Element>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int = 16) {
        self.capacity = Swift.max(1, capacity)
        base = .allocate(capacity: self.capacity)
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    var isEmpty: Bool { count == 0 }

    subscript(index: Int) -> Element {
        get {
            precondition(index >= 0 && index < count, "index out of range")
            return base[index]
        }
        set {
            precondition(index >= 0 && index < count, "index out of range")
            base[index] = newValue
        }
    }

    /// The elements in place, for reading and writing (not for appending or removing): valid
    /// until the array next changes its count.
    var buffer: UnsafeMutableBufferPointer<Element> { UnsafeMutableBufferPointer(start: base, count: count) }

    /// A copy of the elements, in order.
    var elements: [Element] { Array(UnsafeBufferPointer(start: base, count: count)) }

    @inline(__always)
    mutating func append(_ element: Element) {
        if count == capacity { grow() }
        (base + count).initialize(to: element)
        count += 1
    }

    @inline(__always)
    mutating func popLast() -> Element? {
        guard count > 0 else { return nil }
        count -= 1
        return (base + count).move()
    }

    /// Keeps the elements `shouldRemove` does not pick, in their order (it sees each once,
    /// first to last, and may act on it).
    mutating func removeAll(where shouldRemove: (Element) -> Bool) {
        var kept = 0
        for index in 0..<count {
            if shouldRemove(base[index]) {
                (base + index).deinitialize(count: 1)
            } else {
                if kept != index { (base + kept).moveInitialize(from: base + index, count: 1) }
                kept += 1
            }
        }
        count = kept
    }

    /// Twice the room, the elements moved.
    @inline(never)
    private mutating func grow() {
        let larger = UnsafeMutablePointer<Element>.allocate(capacity: 2 * capacity)
        larger.moveInitialize(from: base, count: count)
        base.deallocate()
        base = larger
        capacity *= 2
    }
}

/// A first-in, first-out queue in a ring.
struct OwnedQueue<Element>: ~Copyable {
    private var base: UnsafeMutablePointer<Element>
    /// The first element's index.
    private var head = 0
    private(set) var count = 0
    /// A power of two: an index wraps by a mask.
    private var capacity: Int

    /// `capacity`, a power of two, is the room before the first growth.
    init(capacity: Int = 64) {
        precondition(capacity > 0 && capacity & (capacity - 1) == 0, "a queue's capacity is a power of two")
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    deinit {
        let firstRun = Swift.min(count, capacity - head)
        (base + head).deinitialize(count: firstRun)
        base.deinitialize(count: count - firstRun)
        base.deallocate()
    }

    var isEmpty: Bool { count == 0 }

    @inline(__always)
    mutating func append(_ element: Element) {
        if count == capacity { grow() }
        (base + ((head + count) & (capacity - 1))).initialize(to: element)
        count += 1
    }

    @inline(__always)
    mutating func popFirst() -> Element? {
        guard count > 0 else { return nil }
        let first = (base + head).move()
        head = (head + 1) & (capacity - 1)
        count -= 1
        return first
    }

    /// Removes and returns the first element `matches` picks, the elements after it moving up
    /// one place; nil (nothing removed) if it picks none.
    mutating func removeFirst(where matches: (Element) -> Bool) -> Element? {
        for offset in 0..<count where matches(base[(head + offset) & (capacity - 1)]) {
            let removed = (base + ((head + offset) & (capacity - 1))).move()
            for later in offset + 1 ..< count {
                let from = base + ((head + later) & (capacity - 1))
                (base + ((head + later - 1) & (capacity - 1))).moveInitialize(from: from, count: 1)
            }
            count -= 1
            return removed
        }
        return nil
    }

    /// Twice the room, the elements moved to the start in order.
    @inline(never)
    private mutating func grow() {
        let larger = UnsafeMutablePointer<Element>.allocate(capacity: 2 * capacity)
        let firstRun = Swift.min(count, capacity - head)
        larger.moveInitialize(from: base + head, count: firstRun)
        (larger + firstRun).moveInitialize(from: base, count: count - firstRun)
        base.deallocate()
        base = larger
        head = 0
        capacity *= 2
    }
}

extension OwnedQueue where Element: AnyObject {
    /// ``append(_:)`` of an object whose reference the caller hands over (`+1`, as
    /// `Unmanaged.passRetained` gives): the queue holds that reference, and no reference count
    /// is taken for it (appending the object itself retains it, and the caller then releases
    /// its own).
    @inline(__always)
    mutating func append(retained reference: Unmanaged<Element>) {
        if count == capacity { grow() }
        UnsafeMutableRawPointer(base + ((head + count) & (capacity - 1)))
            .initializeMemory(as: Unmanaged<Element>.self, repeating: reference, count: 1)
        count += 1
    }

    /// ``popFirst()``, the queue's reference handed to the caller (`+1`, to release or hand
    /// on) without a reference count taken or given.
    @inline(__always)
    mutating func popFirstRetained() -> Unmanaged<Element>? {
        guard count > 0 else { return nil }
        let first = UnsafeMutableRawPointer(base + head).load(as: Unmanaged<Element>.self)
        head = (head + 1) & (capacity - 1)
        count -= 1
        return first
    }
}

// The storage hands out its elements only to its one owner (a lock guards it where threads
// share it): sendable as its elements are.
extension OwnedArray: @unchecked Sendable where Element: Sendable {}
extension OwnedQueue: @unchecked Sendable where Element: Sendable {}
