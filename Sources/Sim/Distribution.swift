#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A distribution of durations (service times, round trips, inter-arrival times).
///
/// Samples are rounded to the nanosecond so that all later arithmetic is exact, and capped at
/// ``Duration/longest`` (about 2562047 h): an exponential with a mean of a century or a
/// log-normal with a huge sigma still gives a duration, never a trap. A capped sample lies
/// beyond every time limit, so the run ends there.
public enum Distribution: Sendable, Equatable, CustomStringConvertible {
    case constant(Duration)
    /// Uniform between the two bounds (inclusive of the lower).
    case uniform(Duration, Duration)
    case exponential(mean: Duration)
    /// Log-normal: `exp(mu + sigma * Z)` seconds, Z standard normal.
    case lognormal(mu: Double, sigma: Double)
    /// Each sample is one of the listed values, equally likely.
    case empirical([Duration])
    /// Given quantiles, linearly interpolated in between (a piecewise-linear inverse CDF).
    /// Probabilities increase from 0 to 1 and values never decrease; see ``quantiles(_:)``.
    case quantiles([Quantile])

    /// One point of a ``quantiles(_:)`` distribution: P(X <= value) = probability.
    public struct Quantile: Sendable, Equatable {
        public var probability: Double
        public var value: Duration
        public init(_ probability: Double, _ value: Duration) {
            self.probability = probability
            self.value = value
        }
    }

    /// z such that P(Z <= z) = 0.99 for a standard normal Z.
    public static let z99 = 2.326_347_874_040_841

    /// The log-normal with the given median and 99th percentile (p99 >= median > 0).
    public static func lognormal(median: Duration, p99: Duration) -> Distribution {
        let mu = log(median.seconds)
        let sigma = (log(p99.seconds) - mu) / z99
        return .lognormal(mu: mu, sigma: sigma)
    }

    public static let zero = Distribution.constant(.zero)

    /// Draws one sample from `rng`.
    public func sample(_ rng: inout RandomStream) -> Duration {
        switch self {
        case .constant(let value):
            return value
        case .uniform(let low, let high):
            return low + .seconds(double: rng.nextUnit() * (high - low).seconds)
        case .exponential, .lognormal:
            // One formula for both: `sampleNanoseconds` is `.seconds(double:)`'s rounding.
            return .nanoseconds(sampleNanoseconds(&rng))
        case .empirical(let values):
            return values[Int(rng.next() % UInt64(values.count))]
        case .quantiles(let points):
            let u = rng.nextUnit()
            var index = 1
            while index < points.count - 1 && points[index].probability < u { index += 1 }
            let low = points[index - 1], high = points[index]
            let span = high.probability - low.probability
            let fraction = span > 0 ? (u - low.probability) / span : 0
            return low.value + .seconds(double: fraction * (high.value - low.value).seconds)
        }
    }

    /// Whether every sample is the rounding of a number of seconds to the nanosecond (or a
    /// cap), so ``sampleNanoseconds(_:)`` gives it: log-normal and exponential (those with a
    /// ``wholeNanosecondSampler``).
    public var samplesWholeNanoseconds: Bool { wholeNanosecondSampler != nil }

    /// One sample in nanoseconds, for a distribution whose ``samplesWholeNanoseconds``: the
    /// same draws and the same value as ``sample(_:)`` (`.nanoseconds` of the result), without
    /// building a `Duration`, for callers that sum many samples (a daemon walking its polling
    /// grid). Traps on another distribution.
    @inlinable @inline(__always)
    public func sampleNanoseconds(_ rng: inout RandomStream) -> Int64 {
        sampleNanoseconds(&rng, normal: standardNormal)
    }

    @inlinable @inline(__always)
    func sampleNanoseconds(_ rng: inout RandomStream, normal: (inout RandomStream) -> Double) -> Int64 {
        guard let sampler = wholeNanosecondSampler else {
            preconditionFailure("sampleNanoseconds on \(self), whose samples are not whole nanoseconds")
        }
        return sampler.sample(&rng, normal: normal)
    }

    /// This distribution's ``WholeNanosecondSampler``, if its samples are whole nanoseconds
    /// (log-normal, exponential).
    @inlinable
    public var wholeNanosecondSampler: WholeNanosecondSampler? {
        switch self {
        case .exponential(let mean): return .exponential(meanSeconds: mean.seconds)
        case .lognormal(let mu, let sigma): return .lognormal(mu: mu, sigma: sigma)
        case .constant, .uniform, .empirical, .quantiles: return nil
        }
    }

    /// The normal ziggurat's layers, for a walk that draws many samples in nanoseconds
    /// (``WholeNanosecondSampler/sample(_:normals:)``): outside this module each read of the table asks
    /// `swift_once` first, so a walk reads this once and each normal is drawn inline, where a
    /// call per draw (``standardNormal``) was about a fifth of a draw.
    @inlinable
    public static var normalLayers: NormalLayers { NormalLayers.shared }

    /// The exact mean, in seconds.
    public var meanSeconds: Double {
        switch self {
        case .constant(let value): return value.seconds
        case .uniform(let low, let high): return (low.seconds + high.seconds) / 2
        case .exponential(let mean): return mean.seconds
        case .lognormal(let mu, let sigma): return exp(mu + sigma * sigma / 2)
        case .empirical(let values):
            return values.reduce(0.0) { $0 + $1.seconds } / Double(max(values.count, 1))
        case .quantiles(let points):
            return zip(points, points.dropFirst()).reduce(0.0) { sum, pair in
                sum + (pair.1.probability - pair.0.probability) * (pair.0.value.seconds + pair.1.value.seconds) / 2
            }
        }
    }

    /// The mean, variance and skewness of one sample, in nanoseconds and from the
    /// distribution's own law (the rounding of samples to whole nanoseconds left out: it
    /// moves the mean by less than half a nanosecond). A sum of many samples is close to the
    /// normal law these give (approximate idle rounds lean on it).
    public var momentsInNanoseconds: (mean: Double, variance: Double, skewness: Double) {
        switch self {
        case .lognormal(let mu, let sigma):
            // E = exp(mu + s^2/2), Var = (exp(s^2) - 1) E^2, skewness (exp(s^2) + 2) sqrt(exp(s^2) - 1).
            let mean = exp(mu + sigma * sigma / 2) * 1e9
            let spread = exp(sigma * sigma)
            return (mean, (spread - 1) * mean * mean, (spread + 2) * (spread - 1).squareRoot())
        case .exponential(let mean):
            let nanoseconds = mean.seconds * 1e9
            return (nanoseconds, nanoseconds * nanoseconds, 2)
        default:
            // E[Y], E[Y^2], E[Y^3] of Y = X - c in nanoseconds, c the mean (so that a narrow
            // law's moments do not cancel against its mean's powers), then the central moments.
            let center = meanSeconds * 1e9
            let raw: (Double, Double, Double)
            switch self {
            case .constant:
                raw = (0, 0, 0)
            case .uniform(let low, let high):
                raw = Self.uniformRawMoments(low.seconds * 1e9 - center, high.seconds * 1e9 - center)
            case .empirical(let values):
                let count = Double(max(values.count, 1))
                raw = values.reduce((0.0, 0.0, 0.0)) { sum, value in
                    let y = value.seconds * 1e9 - center
                    return (sum.0 + y / count, sum.1 + y * y / count, sum.2 + y * y * y / count)
                }
            case .quantiles(let points):
                // Uniform on each segment of the inverse CDF, weighted by its probability.
                raw = zip(points, points.dropFirst()).reduce((0.0, 0.0, 0.0)) { sum, pair in
                    let weight = pair.1.probability - pair.0.probability
                    let segment = Self.uniformRawMoments(pair.0.value.seconds * 1e9 - center,
                                                         pair.1.value.seconds * 1e9 - center)
                    return (sum.0 + weight * segment.0, sum.1 + weight * segment.1, sum.2 + weight * segment.2)
                }
            case .lognormal, .exponential:
                raw = (0, 0, 0)
            }
            let shift = raw.0
            let variance = max(0, raw.1 - shift * shift)
            let third = raw.2 - 3 * shift * raw.1 + 2 * shift * shift * shift
            return (center + shift, variance, variance > 0 ? third / (variance * variance.squareRoot()) : 0)
        }
    }

    /// E[Y], E[Y^2], E[Y^3] of a uniform Y on [a, b].
    private static func uniformRawMoments(_ a: Double, _ b: Double) -> (Double, Double, Double) {
        ((a + b) / 2, (a * a + a * b + b * b) / 3, (a * a * a + a * a * b + a * b * b + b * b * b) / 4)
    }

    /// The exact second moment E[X^2], in seconds squared (queueing formulas need it).
    public var secondMomentSeconds: Double {
        switch self {
        case .constant(let value): return value.seconds * value.seconds
        case .uniform(let low, let high):
            let a = low.seconds, b = high.seconds
            return (a * a + a * b + b * b) / 3
        case .exponential(let mean): return 2 * mean.seconds * mean.seconds
        case .lognormal(let mu, let sigma): return exp(2 * mu + 2 * sigma * sigma)
        case .empirical(let values):
            return values.reduce(0.0) { $0 + $1.seconds * $1.seconds } / Double(max(values.count, 1))
        case .quantiles(let points):
            // Uniform on each segment of the inverse CDF: E[X^2] = (a^2 + ab + b^2) / 3 there.
            return zip(points, points.dropFirst()).reduce(0.0) { sum, pair in
                let a = pair.0.value.seconds, b = pair.1.value.seconds
                return sum + (pair.1.probability - pair.0.probability) * (a * a + a * b + b * b) / 3
            }
        }
    }

    public var description: String {
        switch self {
        case .constant(let value): return "constant(\(value.seconds.formatted6)s)"
        case .uniform(let low, let high): return "uniform(\(low.seconds.formatted6)s, \(high.seconds.formatted6)s)"
        case .exponential(let mean): return "exponential(mean \(mean.seconds.formatted6)s)"
        case .lognormal(let mu, let sigma):
            return "lognormal(median \(exp(mu).formatted6)s, p99 \(exp(mu + sigma * Distribution.z99).formatted6)s)"
        case .empirical(let values): return "empirical(\(values.count) samples)"
        case .quantiles(let points):
            let text = points.map { "p\(formatFixed($0.probability * 100, decimals: 1)) \($0.value.seconds.formatted6)s" }
            return "quantiles(\(text.joined(separator: ", ")))"
        }
    }
}

extension Duration {
    /// The nanoseconds of ``seconds(double:)``: `value` seconds rounded to the nanosecond,
    /// zero for NaN, clamped to the range of `Int64` (`Int64.max` is ``longest``).
    @inlinable @inline(__always)
    static func nanosecondsRounded(seconds value: Double) -> Int64 {
        let nanoseconds = value * 1e9
        // Rounded half away from zero, as `rounded()` (a call into libm for each of the
        // millions of round trips a long run draws): truncated (exact), then moved by the
        // rest, which is exact too (below 2^53 the whole part is exact and the difference has
        // no more bits than the value; above, every Double is whole and the rest is 0). The
        // draws' case first (`exp` and `-log` are never negative): in [0, 2^63) the truncation
        // fits and the rest is in [0, 1), two comparisons in all.
        if nanoseconds >= 0 && nanoseconds < 0x1p63 {
            let whole = Int64(nanoseconds)
            return nanoseconds - Double(whole) >= 0.5 ? whole &+ 1 : whole
        }
        if nanoseconds.isNaN { return 0 }
        // 2^63 is the first Double that does not fit in Int64; every Double between it and
        // -2^63 is within 1,024 of it and whole, so it rounds inside as well.
        if nanoseconds >= 0x1p63 { return .max }
        if nanoseconds <= -0x1p63 { return .min }
        // Negative: the rest is in (-1, 0].
        let whole = Int64(nanoseconds)
        return nanoseconds - Double(whole) <= -0.5 ? whole &- 1 : whole
    }

    /// This duration in nanoseconds if it is a whole number of them within the range of
    /// `Int64`, else nil.
    @inlinable @inline(__always)
    public var exactNanoseconds: Int64? {
        // A non-negative duration (every instant of a run) without dividing: if the count is
        // q * 10^9 = q * 5^9 * 2^9, shifting out the 2^9 leaves q * 5^9, and multiplying by
        // the inverse of 5^9 modulo 2^64 gives q back (its low 64 bits, which are q itself
        // when q fits in 63). Whatever the count, the candidate is the answer exactly when
        // it times 10^9 is the count again: a shift and two multiplications where a 128-bit
        // division was a call into the runtime (the database asks this of every sleeping
        // daemon's plan on every insert, and each daemon's walk of its idle rounds).
        let count = attoseconds
        if count >= 0 {
            let inverseOfFiveToTheNinth: UInt64 = 0x8e47_ce42_3a2e_9c6d  // 5^9 * it = 1 (mod 2^64)
            let candidate = UInt64(truncatingIfNeeded: count >> 9) &* inverseOfFiveToTheNinth
            guard candidate <= UInt64(Int64.max), Int128(candidate) * 1_000_000_000 == count else { return nil }
            return Int64(candidate)
        }
        let (s, atto) = components
        guard atto % 1_000_000_000 == 0 else { return nil }
        let (whole, overflow) = s.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return nil }
        let (sum, overflowed) = whole.addingReportingOverflow(atto / 1_000_000_000)
        return overflowed ? nil : sum
    }
}

/// The normal ziggurat's layers, read once for a walk of many draws
/// (``Distribution/normalLayers``).
public struct NormalLayers: @unchecked Sendable {
    @usableFromInline let x: UnsafeBufferPointer<Double>
    /// ``ExpNanoseconds``'s table, read once with the layers.
    @usableFromInline let powers: UnsafePointer<Double>

    /// A copy of the table made once and kept for the life of the process (257 numbers).
    @usableFromInline static let shared: NormalLayers = {
        let table = UnsafeMutableBufferPointer<Double>.allocate(capacity: NormalZiggurat.x.count)
        _ = table.initialize(from: NormalZiggurat.x)
        return NormalLayers(x: UnsafeBufferPointer(table), powers: ExpNanoseconds.powers)
    }()
}

/// One standard normal: the ziggurat (``NormalZiggurat``), one 64-bit draw for most samples.
/// Called, not inlined, from ``Distribution/sampleNanoseconds(_:)`` (which is inlined into the
/// model's walks of its polling grids): only inside this module is the ziggurat's table known
/// to be in the binary from the start; inlined into another module, each read of it asks
/// `swift_once` first (the idle day 8.83 -> 9.22 billion instructions).
@usableFromInline
func standardNormal(_ rng: inout RandomStream) -> Double {
    NormalZiggurat.next(&rng)
}

extension RandomStream {
    /// One standard normal (the ziggurat every log-normal draws through), for a caller outside
    /// `Sim` that needs one normal, not a walk of many.
    public mutating func nextStandardNormal() -> Double {
        standardNormal(&self)
    }
}

/// A distribution whose samples are whole nanoseconds (log-normal, exponential), as plain
/// numbers: ``Distribution/sampleNanoseconds(_:)`` draws through it, and a walk drawing
/// many samples keeps it in a local, a copy without reference counting (a `Distribution`
/// may hold a list, and copying one is a call that switches on its case).
public enum WholeNanosecondSampler: Sendable, Equatable {
    case exponential(meanSeconds: Double)
    case lognormal(mu: Double, sigma: Double)

    /// One sample in nanoseconds (see ``Distribution/sampleNanoseconds(_:)``).
    @inlinable @inline(__always)
    public func sample(_ rng: inout RandomStream, normal: (inout RandomStream) -> Double) -> Int64 {
        sample(&rng, normal: normal, exponential: { nanosecondsOfExp($0) })
    }

    /// ``sample(_:normal:)`` with the normal drawn inline from `normals`
    /// (``Distribution/normalLayers``, read once by the walk), and the log-normal's
    /// exponential computed inline from its table (``ExpNanoseconds``).
    @inlinable @inline(__always)
    public func sample(_ rng: inout RandomStream, normals: NormalLayers) -> Int64 {
        sample(&rng, normal: { NormalZiggurat.next(&$0, layers: normals.x) },
               exponential: { nanosecondsOfExp($0, powers: normals.powers) })
    }

    /// One sample in nanoseconds, the normal drawn by `normal` and exp(x) seconds in whole
    /// nanoseconds (``nanosecondsOfExp(_:)``) by `exponential`.
    @inlinable @inline(__always)
    func sample(_ rng: inout RandomStream, normal: (inout RandomStream) -> Double,
                exponential: (Double) -> Int64) -> Int64 {
        switch self {
        case .exponential(let mean):
            return Duration.nanosecondsRounded(seconds: -log(rng.nextOpenUnit()) * mean)
        case .lognormal(let mu, let sigma):
            return exponential(mu + sigma * normal(&rng))
        }
    }
}
