#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Standard normal draws by the ziggurat method (Marsaglia and Tsang, 2000), with 256 layers.
///
/// Every log-normal sample (a round trip of every poll a long run counts, drawn even for the
/// polls it skips) draws one standard normal; Box-Muller spent a logarithm, a square root and
/// a cosine on it (about 200 instructions). Here 99.3 % of draws take one 64-bit number, two
/// table reads, a multiplication and a comparison; the rest take a second uniform and an
/// exponential (the wedge of a layer) or the tail's two logarithms.
///
/// The half-density f(x) = exp(-x^2/2) on x >= 0 is covered by 256 regions of equal area
/// `area`: layer 0 is the rectangle [0, r] x [0, f(r)] together with the tail beyond r (its
/// "width" x[0] = area / f(r) puts the tail's share at the rectangle's far end), and layer i
/// (i >= 1) the rectangle [0, x[i]] x [f(x[i]), f(x[i+1])], where x[1] = r, x[i+1] =
/// f^-1(f(x[i]) + area / x[i]) and x[256] = 0. A draw picks a layer and a point x = u x[i]
/// uniformly in it: below x[i+1] the whole column under the layer lies under the curve, so x
/// is accepted at once; otherwise layer 0 draws from the tail (Marsaglia 1964) and the others
/// accept x when a uniform height in the layer falls under f(x), else start again. The sign
/// is one bit of the same 64-bit number.
///
/// `r` is the right edge for which the recursion ends at x[256] = 0 (published with the
/// method's 256-layer tables; `NormalZigguratTests` checks that the recursion computed here
/// closes, and the draws' distribution).
struct NormalZiggurat: Sendable {
    static let layers = 256
    /// The start of the tail (x[1]).
    static let r = 3.654_152_885_361_008_8

    /// x[0] ... x[256]: the layers' widths, decreasing to x[256] = 0.
    let x: [Double]
    /// f(x[i]) for i = 0 ... 256 (f(x[0]) is f(r); f(x[256]) = 1).
    let f: [Double]
    /// The area of each layer: r f(r) plus the tail's area beyond r.
    let area: Double

    static let shared = NormalZiggurat()

    init() {
        let r = Self.r
        let fr = exp(-r * r / 2)
        area = r * fr + (Double.pi / 2).squareRoot() * erfc(r / 2.0.squareRoot())
        var x = [Double](repeating: 0, count: Self.layers + 1)
        var f = [Double](repeating: 1, count: Self.layers + 1)
        x[0] = area / fr
        f[0] = fr
        x[1] = r
        f[1] = fr
        for i in 1..<(Self.layers - 1) {
            let top = f[i] + area / x[i]
            x[i + 1] = (-2 * log(top)).squareRoot()
            f[i + 1] = top
        }
        x[Self.layers] = 0
        f[Self.layers] = 1
        self.x = x
        self.f = f
    }

    /// One standard normal.
    @inline(__always)
    func next(_ rng: inout RandomStream) -> Double {
        x.withUnsafeBufferPointer { x in
            while true {
                let bits = rng.next()
                let layer = Int(truncatingIfNeeded: bits & 0xff)
                let negative = bits & 0x100 != 0
                // The top 53 bits: uniform in [0, 1), independent of the layer and sign bits.
                let u = Double(bits >> 11) * 0x1p-53
                let candidate = u * x[layer]
                if candidate < x[layer + 1] { return negative ? -candidate : candidate }
                if let value = rare(layer: layer, candidate: candidate, &rng) {
                    return negative ? -value : value
                }
            }
        }
    }

    /// The 0.7 % of draws outside a layer's inner column: the tail (layer 0) or the wedge of
    /// a layer between x[i+1] and x[i]; nil to draw again.
    @inline(never)
    private func rare(layer: Int, candidate: Double, _ rng: inout RandomStream) -> Double? {
        if layer == 0 {
            // Marsaglia's tail: r + e1 / r, accepted when 2 e2 > (e1 / r)^2, with e1 and e2
            // standard exponentials.
            while true {
                let beyond = -log(rng.nextOpenUnit()) / Self.r
                let height = -log(rng.nextOpenUnit())
                if 2 * height > beyond * beyond { return Self.r + beyond }
            }
        }
        let height = f[layer] + rng.nextUnit() * (f[layer + 1] - f[layer])
        return height < exp(-candidate * candidate / 2) ? candidate : nil
    }
}
