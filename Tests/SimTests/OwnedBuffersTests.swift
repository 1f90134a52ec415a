@testable import Sim
import Testing

/// The executor's own storage (``OwnedArray``, ``OwnedQueue``): the same elements in the same
/// order as an `Array` given the same operations, across growth and, for the queue, its ring
/// wrapping round; and every element it still holds released when it goes.
@Suite struct OwnedBuffersTests {
    /// An object whose release is counted.
    final class Tracked {
        let value: Int
        let released: Counter
        init(_ value: Int, _ released: Counter) {
            self.value = value
            self.released = released
        }
        deinit { released.count += 1 }
    }

    final class Counter { var count = 0 }

    /// Random appends and removals from the front, against an array: the ring's head moves
    /// round its storage many times and it grows while wrapped (a growth that put the wrapped
    /// part back out of order, or a mask off by one, gives other values). From the default
    /// room and from the small rooms a signal's waiters start with (``Signal``), which grow
    /// while wrapped more often.
    @Test(arguments: [64, 4, 1])
    func theQueueGivesItsElementsBackInTheOrderTheyCame(capacity: Int) {
        var random = RandomStream(seed: 7)
        var queue = OwnedQueue<Int>(capacity: capacity)
        var expected: [Int] = []
        var next = 0
        var mismatches = 0
        for _ in 0..<20_000 {
            // More appends than removals at first (growth while wrapped), then more removals.
            let appendChance: UInt64 = expected.count < 300 ? 6 : 4
            if random.next() % 10 < appendChance {
                queue.append(next)
                expected.append(next)
                next += 1
            } else {
                let popped = queue.popFirst()
                let wanted = expected.isEmpty ? nil : expected.removeFirst()
                if popped != wanted { mismatches += 1 }
            }
            if queue.count != expected.count { mismatches += 1 }
        }
        while let popped = queue.popFirst() {
            if popped != expected.removeFirst() { mismatches += 1 }
        }
        #expect(mismatches == 0)
        #expect(expected.isEmpty)
        let empty = queue.isEmpty
        #expect(empty)
    }

    /// Removal from anywhere in the queue (a signal's waiter whose wait ended otherwise): the
    /// first element picked goes, the others keep their order, with the ring wrapped round
    /// its storage; nothing goes when nothing is picked.
    @Test(arguments: [64, 4])
    func theQueueRemovesTheFirstPickedKeepingTheOthersInOrder(capacity: Int) {
        var random = RandomStream(seed: 5)
        var queue = OwnedQueue<Int>(capacity: capacity)
        var expected: [Int] = []
        var mismatches = 0
        for value in 0..<3_000 {
            queue.append(value)
            expected.append(value)
            if random.next() % 3 == 0, !expected.isEmpty {
                if queue.popFirst() != expected.removeFirst() { mismatches += 1 }
            }
            if random.next() % 4 == 0, !expected.isEmpty {
                let target = expected[Int(random.next() % UInt64(expected.count))]
                let removed = queue.removeFirst { $0 == target }
                expected.remove(at: expected.firstIndex(of: target)!)
                if removed != target { mismatches += 1 }
            }
            if queue.removeFirst(where: { $0 < 0 }) != nil { mismatches += 1 }
        }
        var left: [Int] = []
        while let value = queue.popFirst() { left.append(value) }
        #expect(mismatches == 0)
        #expect(left == expected)
    }

    /// The array's appends, writes by index, removals from the end and removal by a
    /// predicate (which sees each element once, in order, and keeps the rest in order), as an
    /// `Array`'s.
    @Test func theArrayKeepsItsElementsAsAnArrayWould() {
        var random = RandomStream(seed: 11)
        var owned = OwnedArray<Int>(capacity: 1)
        var expected: [Int] = []
        for step in 0..<5_000 {
            switch random.next() % 8 {
            case 0, 1, 2, 3:
                owned.append(step)
                expected.append(step)
            case 4:
                let popped = owned.popLast()
                #expect(popped == expected.popLast())
            case 5 where !expected.isEmpty:
                let index = Int(random.next() % UInt64(expected.count))
                owned[index] = -step
                expected[index] = -step
            case 6:
                var seen: [Int] = []
                let pick = { (value: Int) -> Bool in
                    seen.append(value)
                    return value % 7 == 0
                }
                let before = owned.elements
                owned.removeAll(where: pick)
                expected.removeAll { $0 % 7 == 0 }
                #expect(seen == before)
            default:
                break
            }
            let count = owned.count
            #expect(count == expected.count)
        }
        let elements = owned.elements, inPlace = owned.buffer.count
        #expect(elements == expected)
        #expect(inPlace == expected.count)
    }

    /// What the storage still holds when it goes is released, once each; what it gave back
    /// or removed is not released again (the counts would be off by those).
    @Test func elementsLeftAreReleasedOnceWhenTheStorageGoes() {
        let released = Counter()
        do {
            var queue = OwnedQueue<Tracked>()
            for value in 0..<100 { queue.append(Tracked(value, released)) }
            // Wrapped: the head has moved, and the tail has come round the start.
            for _ in 0..<40 { _ = queue.popFirst() }
            for value in 100..<130 { queue.append(Tracked(value, released)) }
            #expect(released.count == 40)
        }
        #expect(released.count == 130)

        let releasedFromArray = Counter()
        do {
            var array = OwnedArray<Tracked?>()
            for value in 0..<50 { array.append(Tracked(value, releasedFromArray)) }
            array[3] = nil
            _ = array.popLast()
            array.removeAll { $0.map { $0.value % 2 == 0 } ?? false }
            #expect(releasedFromArray.count == 1 + 1 + 25)
        }
        #expect(releasedFromArray.count == 50)
    }

    /// References handed in and out without a reference count (``OwnedQueue/append(retained:)``,
    /// ``OwnedQueue/popFirstRetained()``: a signal's waiters handed to the executor's checks)
    /// keep an object alive exactly as long as the references the queue and the caller hold:
    /// a count taken or given too many frees an object still held (its `deinit` counted early)
    /// or never frees it.
    @Test func referencesHandedInAndOutAreHeldOnceEach() {
        let released = Counter()
        do {
            var queue = OwnedQueue<Tracked>()
            // Handed in: the queue holds the only reference.
            for value in 0..<70 { queue.append(retained: .passRetained(Tracked(value, released))) }
            // Mixed with plain appends, the ring wrapping and growing.
            for value in 70..<80 { queue.append(Tracked(value, released)) }
            #expect(released.count == 0)
            var handedOut: [Unmanaged<Tracked>] = []
            for _ in 0..<30 { handedOut.append(queue.popFirstRetained()!) }
            // The caller holds them now: none is freed until it lets go.
            #expect(released.count == 0)
            #expect(handedOut.map { $0.takeUnretainedValue().value } == Array(0..<30))
            // Handed back in, then let go of with the queue.
            for reference in handedOut.prefix(10) { queue.append(retained: reference) }
            for reference in handedOut.dropFirst(10) { reference.release() }
            #expect(released.count == 20)
            let popped = queue.popFirst()
            #expect(popped?.value == 30)
        }
        #expect(released.count == 80)
    }
}
