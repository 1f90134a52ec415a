#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A distribution of durations (service times, round trips, inter-arrival times).
///
/// Samples are rounded to the nanosecond so that all later arithmetic is exact.
public enum Distribution: Sendable, Equatable, CustomStringConvertible {
    case constant(Duration)
    /// Uniform between the two bounds (inclusive of the lower).
    case uniform(Duration, Duration)
    case exponential(mean: Duration)
    /// Log-normal: `exp(mu + sigma * Z)` seconds, Z standard normal.
    case lognormal(mu: Double, sigma: Double)
    /// Each sample is one of the listed values, equally likely.
    case empirical([Duration])

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
        case .exponential(let mean):
            return .seconds(double: -log(rng.nextOpenUnit()) * mean.seconds)
        case .lognormal(let mu, let sigma):
            return .seconds(double: exp(mu + sigma * standardNormal(&rng)))
        case .empirical(let values):
            return values[Int(rng.next() % UInt64(values.count))]
        }
    }

    /// The exact mean, in seconds.
    public var meanSeconds: Double {
        switch self {
        case .constant(let value): return value.seconds
        case .uniform(let low, let high): return (low.seconds + high.seconds) / 2
        case .exponential(let mean): return mean.seconds
        case .lognormal(let mu, let sigma): return exp(mu + sigma * sigma / 2)
        case .empirical(let values):
            return values.reduce(0.0) { $0 + $1.seconds } / Double(max(values.count, 1))
        }
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
        }
    }
}

/// Box-Muller from two uniforms; one normal per call keeps the draw count fixed.
private func standardNormal(_ rng: inout RandomStream) -> Double {
    let u1 = rng.nextOpenUnit()
    let u2 = rng.nextUnit()
    return sqrt(-2 * log(u1)) * cos(2 * Double.pi * u2)
}
