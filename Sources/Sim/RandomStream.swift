/// A seeded pseudo-random stream (xoshiro256**), derived by name.
///
/// Every random draw in a simulation comes from a stream derived from the run's seed by a
/// name such as `"node-2/sf-net/db"` or `"workload/source-1"`. Derivation depends only on
/// the parent's *key* and the name, never on how many numbers the parent has drawn, so
/// adding an actor (and its stream) leaves every other actor's draws unchanged.
public struct RandomStream: RandomNumberGenerator, Sendable {
    /// The value this stream was derived from; children are derived from it.
    public let key: UInt64
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

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
        RandomStream(key: mix(key ^ fnv1a(name)))
    }

    /// A child stream by index (for example one per op of a source), independent of draws.
    public func derived(_ index: UInt64) -> RandomStream {
        RandomStream(key: mix(key &+ mix(index &+ 0x9E37_79B9_7F4A_7C15)))
    }

    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// Uniform in (0, 1]: safe to take the logarithm of.
    public mutating func nextOpenUnit() -> Double {
        1.0 - nextUnit()
    }
}

@inline(__always) private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

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

/// 64-bit FNV-1a of the UTF-8 bytes: a fixed hash (Swift's `Hasher` is seeded per process).
func fnv1a(_ text: String) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in text.utf8 {
        hash ^= UInt64(byte)
        hash &*= 0x0000_0100_0000_01B3
    }
    return hash
}
