/// A seeded pseudo-random stream (xoshiro256**), derived by name.
///
/// Every random draw in a simulation comes from a stream derived from the run's seed by a
/// name such as `"node-2/sf-net/db"` or `"workload/source-1"`. Derivation depends only on
/// the parent's *key* and the name, never on how many numbers the parent has drawn, so
/// adding an actor (and its stream) leaves every other actor's draws unchanged.
public struct RandomStream: RandomNumberGenerator, Sendable {
    /// The value this stream was derived from; children are derived from it.
    public let key: UInt64
    // Usable from inlinable code: every draw of a model walking its polling grid goes through
    // `next()`, which is worth inlining into the caller's loop.
    @usableFromInline var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// The root stream of a run.
    public init(seed: UInt64) {
        self.init(key: mix(seed ^ 0x5349_4D52_554E_0001))
    }

    /// The stream whose key is `key` (as returned by ``key`` of another stream).
    public init(key: UInt64) {
        self.key = key
        var sm = key
        s0 = splitMix(&sm); s1 = splitMix(&sm); s2 = splitMix(&sm); s3 = splitMix(&sm)
    }

    /// A child stream named `name`, independent of this stream's draws.
    public func derived(_ name: String) -> RandomStream {
        RandomStream(parent: key, name: name)
    }

    /// A child stream by index (for example one per op of a source), independent of draws.
    public func derived(_ index: UInt64) -> RandomStream {
        RandomStream(parent: key, index: index)
    }

    /// `RandomStream(key: parent).derived(name)`: a child depends only on its parent's key, so
    /// the parent's state is not drawn up (the model derives several streams of every op's
    /// key on every item).
    public init(parent: UInt64, name: String) {
        var hashed = StreamName()
        hashed.append(name)
        self.init(parent: parent, name: hashed)
    }

    /// `RandomStream(key: parent).derived(text)` where `text` is the name written part by part.
    public init(parent: UInt64, name: StreamName) {
        self.init(key: mix(parent ^ name.hash))
    }

    /// `RandomStream(key: parent).derived(index)`, without the parent's state.
    public init(parent: UInt64, index: UInt64) {
        self.init(key: Self.childKey(of: parent, index: index))
    }

    /// The key of `RandomStream(key: parent).derived(index)`, for a caller that may never draw
    /// from that child but derives its own children from it.
    public static func childKey(of parent: UInt64, index: UInt64) -> UInt64 {
        mix(parent &+ mix(index &+ 0x9E37_79B9_7F4A_7C15))
    }

    @inlinable @inline(__always)
    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    @inlinable @inline(__always)
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// Uniform in (0, 1]: safe to take the logarithm of.
    @inlinable @inline(__always)
    public mutating func nextOpenUnit() -> Double {
        1.0 - nextUnit()
    }
}

@inlinable @inline(__always) func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

@inline(__always) private func splitMix(_ state: inout UInt64) -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    return mix(state)
}

/// The splitmix64 finaliser: a bijective 64-bit mixer (also the model's table hash for op and
/// row ids).
@inlinable @inline(__always) public func mix(_ value: UInt64) -> UInt64 {
    var z = value
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}

/// The hash dictionaries and sets use for numbers the simulator allocates itself (op and row
/// ids, the kernel's waiter and task numbers): the splitmix64 finaliser of the number and the
/// table's seed, which spreads consecutive numbers over the whole table. Swift's own `Hasher`
/// (SipHash, through `hash(into:)`) guards a table against keys an adversary chooses; hashing
/// op and row ids with it was about 8 % of a model run (`simrun bench --mm1`). A key's
/// `hash(into:)` is unchanged, so such a number inside another key hashes as before.
@inlinable @inline(__always)
public func tableHash(_ value: Int, seed: Int) -> Int {
    Int(truncatingIfNeeded: mix(UInt64(truncatingIfNeeded: value) ^ UInt64(truncatingIfNeeded: seed)))
}

/// 64-bit FNV-1a of the UTF-8 bytes: a fixed hash (Swift's `Hasher` is seeded per process).
public func fnv1a(_ text: String) -> UInt64 {
    var name = StreamName()
    name.append(text)
    return name.hash
}

/// A child stream's name, hashed (FNV-1a, as ``RandomStream/derived(_:)-(String)`` hashes a
/// name) as it is written part by part: the same hash as the whole string's, without building
/// the string (an interpolated name longer than 15 bytes is a heap allocation, made for
/// every event an item writes).
public struct StreamName: Sendable {
    fileprivate private(set) var hash: UInt64 = 0xCBF2_9CE4_8422_2325

    public init() {}

    @inline(__always) private mutating func append(byte: UInt8) {
        hash ^= UInt64(byte)
        hash &*= 0x0000_0100_0000_01B3
    }

    public mutating func append(_ text: String) {
        // Through the string's contiguous bytes: iterating `utf8` costs several times as much
        // per byte (every worker's connection hashes its name).
        var text = text
        text.withUTF8 { bytes in
            for byte in bytes { append(byte: byte) }
        }
    }

    /// `value` as `"\(value)"` writes it: decimal, a minus sign before a negative one.
    public mutating func append(_ value: Int) {
        if value < 0 { append(byte: UInt8(ascii: "-")) }
        forEachDecimalDigit(of: UInt64(value.magnitude)) { append(byte: $0) }
    }
}

/// The ASCII decimal digits of `value`, most significant first, as `"\(value)"` writes them,
/// without building a string (a stream name hashed part by part, a JSON number written into
/// a byte buffer).
@inlinable
public func forEachDecimalDigit(of value: UInt64, _ body: (UInt8) -> Void) {
    var rest = value
    // The digits, least significant first (at most 20 for 64 bits).
    var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
    var count = 0
    withUnsafeMutableBytes(of: &digits) { buffer in
        repeat {
            buffer[count] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
            count += 1
        } while rest > 0
        for index in stride(from: count - 1, through: 0, by: -1) { body(buffer[index]) }
    }
}
