import Sim
import Testing

/// A child stream derived from a key alone (`RandomStream(parent:...)`, the model's per-op
/// streams) is the same stream as the one derived from the parent built whole, and a name
/// written part by part (`StreamName`) hashes as the interpolated string does.
@Suite struct ChildStreams {
    /// Draws a few values: two streams are the same if their keys and first draws agree.
    static func draws(_ stream: RandomStream) -> [UInt64] {
        var stream = stream
        return (0..<4).map { _ in stream.next() }
    }

    @Test func aChildOfAKeyIsTheChildOfTheStreamWithThatKey() {
        var keys = RandomStream(seed: 99)
        for index: UInt64 in [0, 1, 0xFFFF, 1 << 16 | 3, .max] {
            let parent = keys.next()
            let whole = RandomStream(key: parent).derived(index)
            #expect(RandomStream(parent: parent, index: index).key == whole.key)
            #expect(RandomStream.childKey(of: parent, index: index) == whole.key)
            #expect(Self.draws(RandomStream(parent: parent, index: index)) == Self.draws(whole))
            let named = RandomStream(key: parent).derived("event/enqueue")
            #expect(RandomStream(parent: parent, name: "event/enqueue").key == named.key)
            #expect(Self.draws(RandomStream(parent: parent, name: "event/enqueue")) == Self.draws(named))
        }
    }

    /// Every sign and length of number the model writes into a name (retries, defer counts),
    /// the extremes of `Int`, and text beyond ASCII.
    @Test func aNameWrittenInPartsHashesAsTheWholeString() {
        var random = RandomStream(seed: 7)
        var numbers = [0, 1, -1, 9, 10, -10, 99, 100, 12345, Int.max, Int.min, Int.min + 1]
        for _ in 0..<2_000 {
            let digits = Int(random.next() % 19) + 1
            let value = Int(truncatingIfNeeded: random.next()) % Int(pow10(digits))
            numbers.append(value)
        }
        for (position, number) in numbers.enumerated() {
            let other = numbers[(position * 7 + 3) % numbers.count]
            let text = position % 2 == 0 ? "started" : "coalesced-é✓"
            var name = StreamName()
            name.append("event/")
            name.append(text)
            name.append("/")
            name.append(number)
            name.append("/")
            name.append(other)
            let whole = RandomStream(key: 42).derived("event/\(text)/\(number)/\(other)")
            #expect(RandomStream(parent: 42, name: name).key == whole.key, "\(number) \(other)")
        }
    }

    private func pow10(_ exponent: Int) -> Int64 {
        (0..<min(exponent, 18)).reduce(1) { value, _ in value * 10 }
    }
}
