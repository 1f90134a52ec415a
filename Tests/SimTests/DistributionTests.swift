import Sim
import Testing

/// Sample moments of every distribution kind against the exact `meanSeconds` and
/// `secondMomentSeconds` the queueing formulas rely on.
///
/// Tolerance: 5 standard errors of the sample statistic, the standard error estimated from
/// the same sample. For a fixed seed the result is fixed; 5 standard errors keeps it passing
/// for essentially any seed (two-sided normal tail 6e-7) while a wrong formula is off by many
/// standard errors at this sample size (for example a lognormal mean without the σ²/2 term is
/// off by more than 100 of them).
@Suite struct DistributionMoments {
    static let samples = 100_000

    static let kinds: [Distribution] = [
        .constant(.milliseconds(250)),
        .uniform(.milliseconds(100), .milliseconds(900)),
        .exponential(mean: .seconds(2)),
        .lognormal(median: .milliseconds(100), p99: .seconds(1)),
        .lognormal(mu: 0.5, sigma: 0.25),
        .empirical([.milliseconds(10), .milliseconds(20), .milliseconds(20), .seconds(1)]),
    ]

    /// Mean and standard error of the mean of `values`.
    static func meanAndStandardError(_ values: [Double]) -> (mean: Double, standardError: Double) {
        let summary = ReplicationSummary(values)
        return (summary.mean, summary.standardDeviation / Double(values.count).squareRoot())
    }

    @Test(arguments: kinds)
    func sampleMeanAndSecondMomentMatchTheExactMoments(_ distribution: Distribution) {
        var stream = RandomStream(seed: 2024).derived(distribution.description)
        let values = (0..<Self.samples).map { _ in distribution.sample(&stream).seconds }
        let first = Self.meanAndStandardError(values)
        let second = Self.meanAndStandardError(values.map { $0 * $0 })
        // Samples are rounded to the nanosecond: allow that much besides the sampling error.
        let rounding = 1e-9
        #expect(abs(first.mean - distribution.meanSeconds) <= 5 * first.standardError + rounding)
        #expect(abs(second.mean - distribution.secondMomentSeconds)
                <= 5 * second.standardError + 2 * rounding * distribution.meanSeconds)
    }

    @Test func samplesAreNeverNegativeAndStayInTheirSupport() {
        var stream = RandomStream(seed: 5)
        let uniform = Distribution.uniform(.milliseconds(100), .milliseconds(900))
        let empirical: [Duration] = [.milliseconds(10), .seconds(1)]
        for _ in 0..<10_000 {
            let u = uniform.sample(&stream)
            #expect(u >= .milliseconds(100) && u <= .milliseconds(900))
            #expect(Distribution.exponential(mean: .seconds(1)).sample(&stream) >= .zero)
            #expect(Distribution.lognormal(mu: 0, sigma: 1).sample(&stream) >= .zero)
            #expect(empirical.contains(Distribution.empirical(empirical).sample(&stream)))
        }
    }

    /// The fraction of samples at or below the median (p99) is binomial with p = 0.5 (0.99):
    /// 5 binomial standard deviations of tolerance, for the reason given above.
    @Test func lognormalFromMedianAndP99HasThatMedianAndP99() {
        let median = Duration.milliseconds(40), p99 = Duration.milliseconds(900)
        let distribution = Distribution.lognormal(median: median, p99: p99)
        var stream = RandomStream(seed: 77)
        let values = (0..<Self.samples).map { _ in distribution.sample(&stream) }
        let n = Double(Self.samples)
        let belowMedian = Double(values.count { $0 <= median }) / n
        let belowP99 = Double(values.count { $0 <= p99 }) / n
        #expect(abs(belowMedian - 0.5) <= 5 * (0.5 * 0.5 / n).squareRoot())
        #expect(abs(belowP99 - 0.99) <= 5 * (0.99 * 0.01 / n).squareRoot())
    }
}

/// A quantiles distribution reproduces its own percentiles and exact moments.
@Test func quantilesDistributionHitsItsPercentilesAndMoments() {
    let distribution = Distribution.quantiles([.init(0, .milliseconds(1)), .init(0.5, .microseconds(3700)),
                                               .init(0.9, .microseconds(5200)), .init(0.99, .microseconds(88600)),
                                               .init(1, .milliseconds(150))])
    var random = RandomStream(seed: 11)
    var samples = (0..<200_000).map { _ in distribution.sample(&random).seconds }
    samples.sort()
    // Order statistics of 200,000 draws: the p50 and p90 estimates have standard errors far
    // below 0.1 ms on these segments; 0.1 ms is the tolerance.
    #expect(abs(samples[100_000] - 0.0037) < 0.0001)
    #expect(abs(samples[180_000] - 0.0052) < 0.0001)
    let mean = samples.reduce(0, +) / Double(samples.count)
    // Standard deviation of one draw is under 15 ms; the mean of 200,000 has standard error
    // under 0.04 ms: 0.2 ms is five of them.
    #expect(abs(mean - distribution.meanSeconds) < 0.0002)
}
