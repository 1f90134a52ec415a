import Foundation
@testable import Sim
import Testing

/// The ziggurat's tables and draws. The draws come from fixed seeds, so each test passes or
/// fails the same way on every run; the thresholds are those a correct sampler exceeds with
/// probability 0.001 or less on a random seed.
@Suite struct NormalZigguratTests {
    static let table = NormalZiggurat.Layers()

    /// The widths the draws read are the recursion's: printed from it with the shortest
    /// round-trip form, they read back to the same bits with glibc's `exp`, `log` and `erfc`;
    /// a libm that rounds those differently computes neighbours, so two units in the last place
    /// are allowed (a mistyped digit is millions of them). The draws read the literals on every
    /// platform.
    @Test func theLiteralWidthsAreTheRecursions() {
        #expect(NormalZiggurat.x.count == 257)
        for i in 0...256 {
            let literal = NormalZiggurat.x[i], computed = Self.table.x[i]
            #expect(abs(literal - computed) <= 2 * computed.ulp, "x[\(i)]: literal \(literal), computed \(computed)")
        }
    }

    /// Every layer holds the same area, so a uniformly chosen layer is a uniformly chosen
    /// point: the recursion computed from the published `r` must close at the top (x[256] = 0,
    /// f = 1) with the top layer's area equal to the others'. Rounding over 255 steps leaves
    /// about 1e-13 (relative); `r` off by 1e-12 leaves 1e-9 at the top, off by 1e-10, 1e-7.
    @Test func everyLayerHasTheSameAreaAndTheTopCloses() {
        let t = Self.table
        #expect(t.x.count == 257 && t.f.count == 257)
        #expect(abs(t.x[0] * t.f[0] - t.area) <= 1e-15)
        for i in 1..<256 {
            let layer = t.x[i] * (t.f[i + 1] - t.f[i])
            #expect(abs(layer - t.area) / t.area <= 1e-10, "layer \(i): area \(layer), expected \(t.area)")
            #expect(t.x[i + 1] < t.x[i] && t.f[i + 1] > t.f[i], "layer \(i) not stacked")
            #expect(abs(t.f[i] - exp(-t.x[i] * t.x[i] / 2)) <= 1e-12, "f(x[\(i)])")
        }
        #expect(t.x[256] == 0 && t.f[256] == 1)
        // The published area of a 256-layer normal ziggurat, 4.92867323399e-3, to its last digit.
        #expect(abs(t.area - 0.004_928_673_233_99) <= 1e-13)
    }

    static func draws(_ count: Int, seed: UInt64) -> [Double] {
        var stream = RandomStream(seed: seed)
        return (0..<count).map { _ in NormalZiggurat.next(&stream) }
    }

    /// Pearson's chi-square over 80 bins of width 0.1 on [-4, 4] and the two tails beyond
    /// (expected 63 each in 2,000,000 draws; 81 degrees of freedom, whose 0.999 quantile is
    /// 126 by Wilson-Hilferty). A ziggurat that accepted every point of a layer's wedge puts
    /// the 0.7 % of draws that should be rejected near the layers' edges, several times the
    /// density far out; one that never drew from the tail leaves the tails empty.
    @Test(arguments: [UInt64(1), 2, 3])
    func binnedCountsMatchTheNormal(seed: UInt64) {
        let n = 2_000_000
        var counts = [Int](repeating: 0, count: 82)
        for z in Self.draws(n, seed: seed) {
            let bin = z < -4 ? 0 : z >= 4 ? 81 : 1 + min(79, Int(((z + 4) * 10).rounded(.down)))
            counts[bin] += 1
        }
        var chiSquare = 0.0
        for bin in 0..<82 {
            let low = bin == 0 ? -Double.infinity : -4 + Double(bin - 1) / 10
            let high = bin == 81 ? Double.infinity : -4 + Double(bin) / 10
            let expected = Double(n) * (standardNormalCDF(high) - standardNormalCDF(low))
            chiSquare += (Double(counts[bin]) - expected) * (Double(counts[bin]) - expected) / expected
        }
        #expect(chiSquare <= 126, "chi-square \(chiSquare) over 82 bins (81 degrees of freedom)")
    }

    /// The tail beyond r on both sides: P(|Z| > r) = erfc(r / sqrt 2) = 2.58e-4, 516 of
    /// 2,000,000 draws with a standard deviation of 22.7; within 4 of them (the tail is drawn
    /// by its own method, so a mistake there shows here first). Mean and variance within 4
    /// standard errors (1/sqrt(n) and sqrt(2/n)), and the signs balanced within 4 of theirs.
    @Test func tailMomentsAndSigns() {
        let n = 2_000_000
        let values = Self.draws(n, seed: 7)
        let expectedTail = Double(n) * erfc(NormalZiggurat.r / 2.0.squareRoot())
        let tail = Double(values.filter { abs($0) > NormalZiggurat.r }.count)
        #expect(abs(tail - expectedTail) <= 4 * expectedTail.squareRoot(), "tail \(tail), expected \(expectedTail)")
        let mean = values.reduce(0, +) / Double(n)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
        #expect(abs(mean) <= 4 / Double(n).squareRoot(), "mean \(mean)")
        #expect(abs(variance - 1) <= 4 * (2 / Double(n)).squareRoot(), "variance \(variance)")
        let negative = Double(values.filter { $0 < 0 }.count)
        #expect(abs(negative - Double(n) / 2) <= 4 * (Double(n) / 4).squareRoot(), "negative \(negative)")
        #expect(values.allSatisfy { $0.isFinite })
    }

    /// The same seed gives the same draws (the wedge and tail draw extra numbers, but always
    /// the same ones).
    @Test func sameSeedSameDraws() {
        #expect(Self.draws(100_000, seed: 11) == Self.draws(100_000, seed: 11))
        #expect(Self.draws(1_000, seed: 11) != Self.draws(1_000, seed: 12))
    }
}
