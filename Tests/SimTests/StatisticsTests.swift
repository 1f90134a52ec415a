@testable import Sim
import Testing

@Suite struct StudentTDistribution {
    /// Values as printed in standard t tables (three decimals).
    @Test(arguments: [
        (0.975, 1.0, 12.706), (0.975, 9.0, 2.262), (0.975, 29.0, 2.045), (0.995, 19.0, 2.861),
        (0.995, 1.0, 63.657), (0.9995, 29.0, 3.659), (0.9995, 19.0, 3.883), (0.975, 120.0, 1.980),
    ])
    func quantileMatchesPublishedTablesToThreeDecimals(probability: Double, degreesOfFreedom: Double,
                                                      table: Double) {
        let t = StudentT.quantile(probability, degreesOfFreedom: degreesOfFreedom)
        #expect(abs(t - table) < 0.0005)
    }

    /// Full-precision references (SciPy 1.17 `stats.t.ppf`), including fractional degrees of
    /// freedom and the far tail, to show this is an inversion and not a table.
    @Test(arguments: [
        (0.9995, 1.0, 636.6192487687897), (0.9995, 2.0, 31.599054576445365), (0.99, 3.0, 4.540702858568132),
        (0.95, 4.5, 2.065575888878524), (0.975, 1e6, 1.959966356814107), (0.975, 9.0, 2.262157162798205),
    ])
    func quantileMatchesReferenceToNineDigits(probability: Double, degreesOfFreedom: Double,
                                              reference: Double) {
        let t = StudentT.quantile(probability, degreesOfFreedom: degreesOfFreedom)
        #expect(abs(t - reference) <= 1e-9 * reference)
    }

    /// A quantile asked for again is the one computed the first time, bit for bit, kept by
    /// its arguments; another argument is computed anew.
    @Test func aQuantileAskedAgainIsTheOneComputed() {
        let (p, nu) = (0.975, 17.0)
        let first = StudentT.quantile(p, degreesOfFreedom: nu)
        #expect(first.bitPattern == StudentT.bisect(p, degreesOfFreedom: nu).bitPattern)
        let key = StudentT.Key(probability: p.bitPattern, degreesOfFreedom: nu.bitPattern)
        #expect(StudentT.known.withLock { $0[key] }?.bitPattern == first.bitPattern)
        #expect(StudentT.quantile(p, degreesOfFreedom: nu).bitPattern == first.bitPattern)
        let other = StudentT.quantile(0.95, degreesOfFreedom: nu)
        #expect(other != first && abs(StudentT.cdf(other, degreesOfFreedom: nu) - 0.95) < 1e-12)
        #expect(StudentT.quantile(1 - p, degreesOfFreedom: nu) == -first)
    }

    @Test func quantileIsSymmetricAndInvertsTheCDF() {
        for nu in [1.0, 2.0, 7.0, 30.0, 250.0] {
            for p in [0.001, 0.05, 0.3, 0.5, 0.8, 0.99, 0.9999] {
                let t = StudentT.quantile(p, degreesOfFreedom: nu)
                #expect(abs(StudentT.cdf(t, degreesOfFreedom: nu) - p) < 1e-12)
                #expect(StudentT.quantile(1 - p, degreesOfFreedom: nu) == -t)
            }
        }
    }

    @Test func normalCDFMatchesKnownValues() {
        #expect(abs(standardNormalCDF(1.96) - 0.9750021048517795) < 1e-12)
        #expect(standardNormalCDF(0) == 0.5)
        #expect(abs(standardNormalCDF(-3) - 0.0013498980316301) < 1e-12)
    }
}

@Suite struct ReplicationSummaries {
    /// For 1...5: mean 3, s = √2.5, half-width t_{(1+c)/2, 4}·s/√5 (SciPy reference values).
    @Test(arguments: [(0.95, 1.9632431614775572), (0.99, 3.2555867047577847), (0.999, 6.088402636254714)])
    func intervalOfKnownValuesAtEachConfidence(confidence: Double, halfWidth: Double) {
        let summary = ReplicationSummary([3, 1, 4, 5, 2], confidence: confidence)
        #expect(summary.n == 5)
        #expect(summary.mean == 3)
        #expect(abs(summary.standardDeviation - 2.5.squareRoot()) < 1e-12)
        #expect(abs(summary.halfWidth - halfWidth) < 1e-9)
        #expect(summary.lower == summary.mean - summary.halfWidth)
        #expect(summary.upper == summary.mean + summary.halfWidth)
        #expect(summary.contains(3 + halfWidth * 0.999) && !summary.contains(3 + halfWidth * 1.001))
    }

    @Test func defaultConfidenceIsNinetyFivePercent() {
        #expect(ReplicationSummary([1, 2, 3, 4, 5]).confidence == 0.95)
        #expect(ReplicationSummary([1, 2, 3, 4, 5]).halfWidth
                == ReplicationSummary([1, 2, 3, 4, 5], confidence: 0.95).halfWidth)
    }

    @Test func oneReplicationGivesAnUnboundedInterval() {
        let summary = ReplicationSummary([4.2])
        #expect(summary.mean == 4.2)
        #expect(summary.halfWidth == .infinity)
        #expect(summary.contains(-1e300) && summary.contains(1e300))
    }

    @Test func identicalReplicationsGiveAZeroWidthInterval() {
        let summary = ReplicationSummary([2, 2, 2])
        #expect(summary.standardDeviation == 0)
        #expect(summary.lower == 2 && summary.upper == 2)
    }
}

@Suite struct MannWhitney {
    /// By hand: pooled order 1y 2y 3x 4y 5x 6y 7y 8x 9x, so the ranks of x are 3, 5, 8, 9 and
    /// R₁ = 25, U₁ = 25 − 4·5/2 = 15 (= pairs x > y: 2 + 3 + 5 + 5). No ties: σ² = 4·5·10/12,
    /// z = (15 − 10 − ½)/σ = 1.1023, p = 2(1 − Φ(z)) = 0.2703 (SciPy agrees: 0.27034414).
    @Test func smallExampleWithoutTies() {
        let result = MannWhitneyU([3, 5, 8, 9], [1, 2, 4, 6, 7])
        #expect(result.u == 15)
        #expect(abs(result.z - 4.5 / (200.0 / 12).squareRoot()) < 1e-12)
        #expect(abs(result.pValue - 0.2703441406547801) < 1e-9)
    }

    /// By hand: 2.3 appears three times (ranks 2–4, mid-rank 3), 4.0 twice (ranks 6–7, 6.5).
    /// Ranks of x: 1, 3, 3, 6.5, 8; R₁ = 21.5, U₁ = 21.5 − 15 = 6.5. Tie term Σ(t³ − t) = 24 + 6,
    /// σ² = 5·6/12 · (12 − 30/110) = 29.318, z = −(15 − 6.5 − ½)/σ = −1.4775, p = 0.13955.
    @Test func smallExampleWithTiesUsesMidRanksAndTheTieCorrection() {
        let result = MannWhitneyU([1.1, 2.3, 2.3, 4.0, 5.5], [2.3, 3.0, 4.0, 6.1, 7.2, 8.4])
        #expect(result.u == 6.5)
        #expect(abs(result.z - -8.0 / (2.5 * (12 - 30.0 / 110)).squareRoot()) < 1e-12)
        #expect(abs(result.pValue - 0.13954714372531585) < 1e-9)
    }

    @Test func swappingTheSamplesMirrorsUAndKeepsP() {
        let x: [Double] = [1.1, 2.3, 2.3, 4.0, 5.5], y: [Double] = [2.3, 3.0, 4.0, 6.1, 7.2, 8.4]
        let forward = MannWhitneyU(x, y), backward = MannWhitneyU(y, x)
        #expect(backward.u == 30 - forward.u)
        #expect(backward.z == -forward.z)
        #expect(backward.pValue == forward.pValue)
    }

    @Test func allTiedSamplesGivePOfOne() {
        let result = MannWhitneyU([2, 2, 2], [2, 2])
        #expect(result.u == 3)
        #expect(result.pValue == 1)
    }

    @Test func clearlyShiftedSamplesGiveASmallP() {
        let low = (0..<30).map { Double($0) }, high = (0..<30).map { Double($0) + 25 }
        #expect(MannWhitneyU(low, high).pValue < 1e-6)
    }
}

@Suite struct Bootstrap {
    static func uniformSample(_ count: Int, shift: Double, stream name: String) -> [Double] {
        var stream = RandomStream(seed: 11).derived(name)
        return (0..<count).map { _ in stream.nextUnit() + shift }
    }

    @Test func sameStreamGivesTheSameInterval() {
        let x = Self.uniformSample(50, shift: 0.1, stream: "x"), y = Self.uniformSample(60, shift: 0, stream: "y")
        var first = RandomStream(seed: 3), second = RandomStream(seed: 3), other = RandomStream(seed: 4)
        let a = BootstrapInterval.differenceOfMeans(x, y, using: &first)
        #expect(a == BootstrapInterval.differenceOfMeans(x, y, using: &second))
        #expect(a != BootstrapInterval.differenceOfMeans(x, y, using: &other))
    }

    /// For large samples the percentile interval approaches estimate ± z·SE with
    /// SE = √(s₁²/n₁ + s₂²/n₂); 2000 resamples put its ends within a few per cent of that.
    @Test func intervalAgreesWithTheNormalApproximationForLargeSamples() {
        let x = Self.uniformSample(400, shift: 0.2, stream: "x"), y = Self.uniformSample(400, shift: 0, stream: "y")
        var stream = RandomStream(seed: 5)
        let interval = BootstrapInterval.differenceOfMeans(x, y, confidence: 0.95, using: &stream)
        let sx = ReplicationSummary(x), sy = ReplicationSummary(y)
        let standardError = (sx.standardDeviation * sx.standardDeviation / 400
                             + sy.standardDeviation * sy.standardDeviation / 400).squareRoot()
        let normalWidth = 2 * 1.959964 * standardError
        #expect(interval.estimate == sx.mean - sy.mean)
        #expect(interval.contains(interval.estimate))
        #expect(abs((interval.upper - interval.lower) / normalWidth - 1) < 0.1)
        #expect(abs((interval.lower + interval.upper) / 2 - interval.estimate) < 0.1 * normalWidth)
        #expect(!interval.contains(0))
    }

    @Test func identicalSamplesGiveAnIntervalAroundZero() {
        let x = Self.uniformSample(100, shift: 0, stream: "x")
        var stream = RandomStream(seed: 6)
        let interval = BootstrapInterval.differenceOfMeans(x, x, confidence: 0.99, using: &stream)
        #expect(interval.estimate == 0)
        #expect(interval.contains(0))
        #expect(interval.lower < 0 && interval.upper > 0)
    }
}
