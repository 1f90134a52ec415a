import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Statistics over the results of independent replications (one value per run, such as a mean
// wait in seconds). They sit at the output edge, so they work in `Double`; the units of every
// result are those of the values passed in.

/// The mean of independent replications with a Student-t confidence interval.
///
/// The interval is `mean ± t_{(1+confidence)/2, n−1} · s/√n`, with `s` the sample standard
/// deviation (divisor n − 1). It assumes the values are independent and roughly normal, which
/// holds for means of long enough runs with different seeds.
public struct ReplicationSummary: Sendable {
    /// Number of replications.
    public var n: Int
    public var mean: Double
    /// Sample standard deviation (divisor n − 1); NaN with one value.
    public var standardDeviation: Double
    /// Half the width of the interval; infinite with one value (no estimate of spread).
    public var halfWidth: Double
    public var lower: Double
    public var upper: Double
    /// The coverage asked for, in (0, 1).
    public var confidence: Double

    /// Summarises `values` (at least one) at `confidence` (0.95 unless told).
    public init(_ values: [Double], confidence: Double = 0.95) {
        precondition(!values.isEmpty, "a summary needs at least one replication")
        precondition(confidence > 0 && confidence < 1, "confidence is a probability in (0, 1)")
        n = values.count
        mean = values.reduce(0, +) / Double(n)
        self.confidence = confidence
        if n < 2 {
            standardDeviation = .nan
            halfWidth = .infinity
        } else {
            let center = mean
            let squares = values.reduce(0.0) { $0 + ($1 - center) * ($1 - center) }
            standardDeviation = (squares / Double(n - 1)).squareRoot()
            let t = StudentT.quantile((1 + confidence) / 2, degreesOfFreedom: Double(n - 1))
            halfWidth = t * standardDeviation / Double(n).squareRoot()
        }
        lower = mean - halfWidth
        upper = mean + halfWidth
    }

    /// Whether `value` lies in the closed interval.
    public func contains(_ value: Double) -> Bool { lower <= value && value <= upper }
}

/// Student's t distribution with ν degrees of freedom (ν > 0, not necessarily whole).
public enum StudentT {
    /// P(T > t) for t ≥ 0: ½ · I_{ν/(ν+t²)}(ν/2, ½), I the regularised incomplete beta.
    /// Computed directly (not as 1 − CDF) so small tail probabilities keep their digits.
    static func upperTail(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        0.5 * regularizedIncompleteBeta(nu / (nu + t * t), nu / 2, 0.5)
    }

    /// P(T ≤ t).
    public static func cdf(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        precondition(nu > 0, "degrees of freedom are positive")
        let tail = upperTail(abs(t), degreesOfFreedom: nu)
        return t >= 0 ? 1 - tail : tail
    }

    /// The t with P(T ≤ t) = `probability`, for `probability` in (0, 1).
    ///
    /// Inverts the tail by bisection on t after doubling an upper bracket; the tail is exact
    /// to about 1e-14, and the bisection runs until the bracket no longer shrinks, so the
    /// result is accurate to a few units in the last place of the tail's precision.
    ///
    /// Each one found is kept for the process (``known``): a report of replications asks for
    /// the same one (the confidence level's, at n - 1) for every figure of every cell, and
    /// finding it takes about sixty evaluations of the incomplete beta (a quarter of a
    /// 10-replication run of `six-instance-starts.yaml` went there).
    public static func quantile(_ probability: Double, degreesOfFreedom nu: Double) -> Double {
        precondition(probability > 0 && probability < 1, "a quantile needs a probability in (0, 1)")
        precondition(nu > 0, "degrees of freedom are positive")
        let key = Key(probability: probability.bitPattern, degreesOfFreedom: nu.bitPattern)
        if let t = known.withLock({ $0[key] }) { return t }
        let t = bisect(probability, degreesOfFreedom: nu)
        known.withLock { known in
            if known.count < maxKnown { known[key] = t }
        }
        return t
    }

    struct Key: Hashable {
        let probability: UInt64
        let degreesOfFreedom: UInt64
    }

    /// The quantiles found so far, by the bits of their arguments; at most ``maxKnown``.
    static let known = Mutex<[Key: Double]>([:])
    static let maxKnown = 4096

    /// ``quantile(_:degreesOfFreedom:)``, computed.
    static func bisect(_ probability: Double, degreesOfFreedom nu: Double) -> Double {
        if probability == 0.5 { return 0 }
        if probability < 0.5 { return -bisect(1 - probability, degreesOfFreedom: nu) }
        let target = 1 - probability
        var low = 0.0
        var high = 1.0
        while upperTail(high, degreesOfFreedom: nu) > target { low = high; high *= 2 }
        while true {
            let middle = (low + high) / 2
            guard middle > low && middle < high else { return middle }
            if upperTail(middle, degreesOfFreedom: nu) > target { low = middle } else { high = middle }
        }
    }
}

/// The standard normal CDF Φ(z), through `erfc` so both tails keep their digits.
public func standardNormalCDF(_ z: Double) -> Double {
    0.5 * erfc(-z / 2.0.squareRoot())
}

/// The two-sample Kolmogorov-Smirnov distance between `a` and `b`, each sorted ascending: the
/// largest gap between their empirical distribution functions (0: identical samples, 1:
/// disjoint, or exactly one of them empty).
public func kolmogorovSmirnovDistance(sorted a: [Double], _ b: [Double]) -> Double {
    guard !a.isEmpty, !b.isEmpty else { return a.isEmpty && b.isEmpty ? 0 : 1 }
    var i = 0, j = 0, distance = 0.0
    while i < a.count || j < b.count {
        let x = min(i < a.count ? a[i] : .infinity, j < b.count ? b[j] : .infinity)
        while i < a.count && a[i] <= x { i += 1 }
        while j < b.count && b[j] <= x { j += 1 }
        distance = max(distance, abs(Double(i) / Double(a.count) - Double(j) / Double(b.count)))
    }
    return distance
}

/// Regularised incomplete beta I_x(a, b) for a, b > 0 and x in [0, 1], by the continued
/// fraction (modified Lentz), on whichever side of the mean converges fast.
func regularizedIncompleteBeta(_ x: Double, _ a: Double, _ b: Double) -> Double {
    if x <= 0 { return 0 }
    if x >= 1 { return 1 }
    let logFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * log(x) + b * log1p(-x)
    if x < (a + 1) / (a + b + 2) {
        return exp(logFront) * betaContinuedFraction(x, a, b) / a
    }
    return 1 - exp(logFront) * betaContinuedFraction(1 - x, b, a) / b
}

private func betaContinuedFraction(_ x: Double, _ a: Double, _ b: Double) -> Double {
    let tiny = 1e-300
    let epsilon = 1e-16
    var c = 1.0
    var d = 1 - (a + b) * x / (a + 1)
    if abs(d) < tiny { d = tiny }
    d = 1 / d
    var result = d
    for m in 1...1000 {
        let m = Double(m)
        let even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
        d = 1 + even * d; if abs(d) < tiny { d = tiny }
        c = 1 + even / c; if abs(c) < tiny { c = tiny }
        d = 1 / d
        result *= d * c
        let odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
        d = 1 + odd * d; if abs(d) < tiny { d = tiny }
        c = 1 + odd / c; if abs(c) < tiny { c = tiny }
        d = 1 / d
        let step = d * c
        result *= step
        if abs(step - 1) < epsilon { break }
    }
    return result
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, nine terms; relative error about 1e-15). Written out
/// because the C library's `lgamma` writes the global `signgam`, a data race across threads.
func logGamma(_ x: Double) -> Double {
    precondition(x > 0, "logGamma is defined here for positive arguments")
    if x < 0.5 {
        // Reflection: Γ(x)Γ(1 − x) = π / sin(πx).
        return log(Double.pi / sin(Double.pi * x)) - logGamma(1 - x)
    }
    let coefficients: [Double] = [
        0.999_999_999_999_809_93, 676.520_368_121_885_1, -1259.139_216_722_402_8,
        771.323_428_777_653_13, -176.615_029_162_140_59, 12.507_343_278_686_905,
        -0.138_571_095_265_720_12, 9.984_369_578_019_571_6e-6, 1.505_632_735_149_311_6e-7,
    ]
    let z = x - 1
    var sum = coefficients[0]
    for (index, coefficient) in coefficients.enumerated().dropFirst() {
        sum += coefficient / (z + Double(index))
    }
    let t = z + 7.5
    return 0.5 * log(2 * Double.pi) + (z + 0.5) * log(t) - t + log(sum)
}

/// The Mann–Whitney U test (Wilcoxon rank-sum) of whether two samples come from the same
/// distribution, two-sided, by the normal approximation.
///
/// Ties get mid-ranks and the variance its tie correction:
/// σ² = n₁n₂/12 · ((N + 1) − Σ(t³ − t) / (N(N − 1))), with t the size of each tie group.
/// A continuity correction of ½ is applied to |U − n₁n₂/2| (as SciPy does by default).
/// The approximation is fair from about eight values per sample.
public struct MannWhitneyU: Sendable, Equatable {
    /// U of the first sample: the number of pairs (x from the first, y from the second) with
    /// x > y, ties counting ½. Ranges over 0...n₁n₂; the second sample's U is n₁n₂ − u.
    public var u: Double
    /// The standardised statistic, continuity-corrected; positive when the first sample
    /// tends larger. Zero when every value is tied.
    public var z: Double
    /// Two-sided p-value, 2·P(Z > |z|), capped at 1.
    public var pValue: Double

    /// Tests `first` against `second`; both non-empty, no NaN.
    public init(_ first: [Double], _ second: [Double]) {
        precondition(!first.isEmpty && !second.isEmpty, "each sample needs at least one value")
        precondition(!(first + second).contains(where: \.isNaN), "NaN has no rank")
        let n1 = Double(first.count), n2 = Double(second.count)
        let pooled = (first.map { ($0, true) } + second.map { ($0, false) }).sorted { $0.0 < $1.0 }
        var firstRankSum = 0.0
        var tieTerm = 0.0
        var start = 0
        while start < pooled.count {
            var end = start
            while end + 1 < pooled.count && pooled[end + 1].0 == pooled[start].0 { end += 1 }
            let midRank = Double(start + end + 2) / 2
            let size = Double(end - start + 1)
            tieTerm += size * size * size - size
            for index in start...end where pooled[index].1 { firstRankSum += midRank }
            start = end + 1
        }
        u = firstRankSum - n1 * (n1 + 1) / 2
        let total = n1 + n2
        let variance = n1 * n2 / 12 * ((total + 1) - tieTerm / (total * (total - 1)))
        let deviation = u - n1 * n2 / 2
        guard variance > 0 else {
            z = 0
            pValue = 1
            return
        }
        let corrected = max(0, abs(deviation) - 0.5)
        z = (deviation < 0 ? -corrected : corrected) / variance.squareRoot()
        pValue = min(1, erfc(abs(z) / 2.0.squareRoot()))
    }
}

/// A percentile bootstrap confidence interval for mean(first) − mean(second).
///
/// Each resample draws n₁ values from `first` and n₂ from `second` with replacement; the
/// interval runs between the (1 − confidence)/2 and (1 + confidence)/2 quantiles (linear
/// interpolation between order statistics) of the resampled differences. All draws come from
/// the caller's stream, so the interval is a pure function of the inputs and the stream.
public struct BootstrapInterval: Sendable, Equatable {
    /// mean(first) − mean(second) of the samples themselves.
    public var estimate: Double
    public var lower: Double
    public var upper: Double
    public var confidence: Double
    public var resamples: Int

    public static func differenceOfMeans(_ first: [Double], _ second: [Double], confidence: Double = 0.95,
                                         resamples: Int = 2000,
                                         using rng: inout RandomStream) -> BootstrapInterval {
        precondition(!first.isEmpty && !second.isEmpty, "each sample needs at least one value")
        precondition(confidence > 0 && confidence < 1, "confidence is a probability in (0, 1)")
        precondition(resamples >= 1, "a bootstrap needs at least one resample")
        var differences: [Double] = []
        differences.reserveCapacity(resamples)
        for _ in 0..<resamples {
            differences.append(resampledMean(first, &rng) - resampledMean(second, &rng))
        }
        differences.sort()
        let alpha = 1 - confidence
        return BootstrapInterval(
            estimate: first.reduce(0, +) / Double(first.count) - second.reduce(0, +) / Double(second.count),
            lower: quantile(sorted: differences, alpha / 2),
            upper: quantile(sorted: differences, 1 - alpha / 2),
            confidence: confidence, resamples: resamples)
    }

    /// Whether `value` lies in the closed interval.
    public func contains(_ value: Double) -> Bool { lower <= value && value <= upper }

    private static func resampledMean(_ values: [Double], _ rng: inout RandomStream) -> Double {
        let count = UInt64(values.count)
        var sum = 0.0
        for _ in 0..<values.count {
            // The high word of count × uniform 64 bits: an index in 0..<count, bias < count/2⁶⁴.
            sum += values[Int(count.multipliedFullWidth(by: rng.next()).high)]
        }
        return sum / Double(values.count)
    }

    private static func quantile(sorted values: [Double], _ probability: Double) -> Double {
        let position = probability * Double(values.count - 1)
        let below = Int(position.rounded(.down))
        let above = min(below + 1, values.count - 1)
        return values[below] + (position - Double(below)) * (values[above] - values[below])
    }
}
