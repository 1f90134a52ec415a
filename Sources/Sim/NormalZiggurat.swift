#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Standard normal draws by the ziggurat method (Marsaglia and Tsang, 2000), with 256 layers.
///
/// Every log-normal sample (a round trip of every poll a long run counts, drawn even for the
/// polls it skips) draws one standard normal; Box-Muller spent a logarithm, a square root and
/// a cosine on it (about 200 instructions). Here 98.5 % of candidates take one 64-bit number,
/// two table reads, a multiplication and a comparison; the other 1.5 % take a second uniform
/// and an exponential (the wedge of a layer, where 0.67 % of all candidates are rejected and
/// drawn again) or the tail's two logarithms (two hours of the idle day: 53,414 of 3,595,129).
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
/// method's 256-layer tables). ``Layers`` computes the recursion; the widths the draws read,
/// ``x``, are its output written out as literals, which the compiler places in the binary (a
/// computed table is initialised on first use, and every read of it asks whether it has been:
/// 7 instructions a draw). `NormalZigguratTests` checks that the literals are the recursion's
/// values, that the recursion closes, and the draws' distribution.
@usableFromInline enum NormalZiggurat {
    static let layerCount = 256
    /// The start of the tail (x[1]).
    @usableFromInline static let r = 3.654_152_885_361_008_8

    /// x[0] ... x[256], the layers' widths (``Layers/x``, printed with Swift's shortest
    /// round-trip `description`).
    @usableFromInline static let x: [Double] = [
        3.9107579595249167, 3.654152885361009, 3.449278298561431, 3.320244733839825,
        3.2245750520478014, 3.1478892895180004, 3.083526132002143, 3.0278377917695933,
        2.9786032798818427, 2.934366867208887, 2.894121053613412, 2.8571387308732246,
        2.822877396826443, 2.790921174001927, 2.760944005279986, 2.732685359044011,
        2.705933656123062, 2.6805146432857447, 2.6562830375767432, 2.6331163936315827,
        2.6109105184888235, 2.589575986708286, 2.5690354526818435, 2.549221550324783,
        2.530075232159854, 2.511544441626694, 2.4935830412710467, 2.4761499396705227,
        2.459208374334705, 2.442725318200364, 2.426670984937146, 2.411018413901119,
        2.395743119781927, 2.3808227951720853, 2.366237056717291, 2.3519672273791445,
        2.3379961487965284, 2.3243080188711325, 2.3108882506013715, 2.2977233489028634,
        2.284800802724492, 2.2721089902283818, 2.2596370951737876, 2.247375032947389,
        2.235313384929921, 2.2234433400925107, 2.211756642884161, 2.2002455466112765,
        2.1889027716263607, 2.1777214677402927, 2.1666951803543086, 2.1558178198767375,
        2.145083634047889, 2.1344871828460166, 2.1240233156895236, 2.113687150686653,
        2.1034740557148774, 2.093379631138792, 2.0833996939983046, 2.073530263518743,
        2.063767547811732, 2.054107931650652, 2.0445479652175313, 2.035084353729619,
        2.025713947863854, 2.016433734906204, 2.0072408305605287, 1.9981324713584196,
        1.989106007617438, 1.9801588969004766, 1.9712886979336592, 1.962493064944363,
        1.9537697423846465, 1.9451165600086782, 1.9365314282756945, 1.9280123340526656,
        1.919557336593188, 1.911164563771253, 1.902832208550429, 1.8945585256707045,
        1.8863418285367826, 1.8781804862929956, 1.8700729210712665, 1.8620176053996738,
        1.8540130597602016, 1.8460578502851852, 1.8381505865828063, 1.8302899196827567,
        1.8224745400938855, 1.8147031759662824, 1.8069745913508206, 1.7992875845497198,
        1.791640986552162, 1.784033659549441, 1.7764644955245226, 1.7689324149112682,
        1.7614363653189098, 1.7539753203176711, 1.746548278281722, 1.7391542612859112,
        1.731792314052963, 1.7244615029480446, 1.7171609150178229, 1.7098896570713016,
        1.7026468547999227, 1.6954316519345611, 1.688243209437195, 1.6810807047251737,
        1.6739433309261247, 1.6668302961616652, 1.6597408228581823, 1.6526741470830555,
        1.645629517904782, 1.6386061967755474, 1.6316034569348732, 1.6246205828330345,
        1.6176568695730151, 1.6107116223698297, 1.6037841560260941, 1.5968737944227878,
        1.5899798700241905, 1.583101723396029, 1.576238702735906, 1.5693901634151233,
        1.5625554675310445, 1.5557339834691761, 1.5489250854741732, 1.5421281532290017,
        1.5353425714415136, 1.528567729437712, 1.5218030207609976, 1.515047842776714,
        1.508301596281311, 1.5015636851154632, 1.494833515780493, 1.4881104970574472,
        1.481394039628187, 1.4746835556978553, 1.4679784586180793, 1.461278162510275,
        1.4545820818884097, 1.4478896312805756, 1.4412002248487235, 1.4345132760058916,
        1.4278281970302555, 1.4211443986753085, 1.4144612897754707, 1.4077782768463984,
        1.4010947636792506, 1.3944101509281406, 1.3877238356899755, 1.381035211075855,
        1.3743436657731658, 1.3676485835974757, 1.3609493430332826, 1.3542453167626345,
        1.3475358711805867, 1.3408203658964035, 1.3340981532193597, 1.3273685776279254,
        1.3206309752210559, 1.31388467315022, 1.3071289890307307, 1.3003632303308368,
        1.2935866937369473, 1.2867986644932432, 1.2799984157138176, 1.2731852076653558,
        1.266358287018229, 1.2595168860637138, 1.2526602218948968, 1.2457874955486268,
        1.238897891105687, 1.2319905747461355, 1.2250646937565302, 1.218119375485481,
        1.2111537262436987, 1.2041668301443809, 1.197157747879441, 1.1901255154266914,
        1.1830691426826863, 1.1759876120154515, 1.1688798767308326, 1.1617448594456108,
        1.1545814503599272, 1.1473885054208484, 1.1401648443681507, 1.1329092486525332,
        1.1256204592155328, 1.1182971741193444, 1.110938046013575, 1.1035416794246389,
        1.0961066278520206, 1.088631390653979, 1.0811144097034031, 1.0735540657924356,
        1.0659486747621219, 1.0582964833306743, 1.0505956645909291, 1.0428443131441483,
        1.03504043983344, 1.0271819660356452, 1.0192667174654837, 1.011292417439995,
        1.0032566795446725, 0.9951569996350904, 0.986990747099062, 0.9787551552942242,
        0.970447311064224, 0.9620641432230401, 0.9536024098810856, 0.945058684468165,
        0.9364293402865745, 0.9277105334019995, 0.91889818364959, 0.9099879534967179,
        0.9009752244612211, 0.8918550707329409, 0.8826222295851649, 0.87327106808886,
        0.8637955455533082, 0.8541891710081632, 0.8444449549091533, 0.8345553540863815,
        0.8245122087522915, 0.8143066701352146, 0.8039291169899705, 0.7933690588406226,
        0.7826150233072324, 0.7716544242245675, 0.7604734064301074, 0.7490566620178146,
        0.7373872114342949, 0.7254461409099988, 0.7132122851909752, 0.7006618411068143,
        0.6877678927957875, 0.6744998228372929, 0.6608225742444187, 0.6466957148949927,
        0.6320722363860599, 0.6168969900077502, 0.6011046177559914, 0.5846167661063781,
        0.5673382570538175, 0.5491517023271638, 0.5299097206615566, 0.5094233296020902,
        0.4874439661392345, 0.46363433679088045, 0.4375184022078697, 0.40838913461198884,
        0.3751213328783779, 0.3357375192144219, 0.2861745917920683, 0.21524189598487473, 0.0
    ]

    /// The recursion behind ``x``, and the heights f(x[i]) the wedges read.
    struct Layers: Sendable {
        /// x[0] ... x[256]: the layers' widths, decreasing to x[256] = 0.
        let x: [Double]
        /// f(x[i]) for i = 0 ... 256 (f(x[0]) is f(r); f(x[256]) = 1).
        let f: [Double]
        /// The area of each layer: r f(r) plus the tail's area beyond r.
        let area: Double

        init() {
            let r = NormalZiggurat.r
            let layers = NormalZiggurat.layerCount
            let fr = exp(-r * r / 2)
            area = r * fr + (Double.pi / 2).squareRoot() * erfc(r / 2.0.squareRoot())
            var x = [Double](repeating: 0, count: layers + 1)
            var f = [Double](repeating: 1, count: layers + 1)
            x[0] = area / fr
            f[0] = fr
            x[1] = r
            f[1] = fr
            for i in 1..<(layers - 1) {
                let top = f[i] + area / x[i]
                x[i + 1] = (-2 * log(top)).squareRoot()
                f[i + 1] = top
            }
            x[layers] = 0
            f[layers] = 1
            self.x = x
            self.f = f
        }
    }

    /// Computed on the first draw outside a layer's inner column.
    static let layers = Layers()

    /// One standard normal.
    @inlinable @inline(__always)
    static func next(_ rng: inout RandomStream) -> Double {
        x.withUnsafeBufferPointer { next(&rng, layers: $0) }
    }

    /// ``next(_:)`` with the layers' `x` read once by the caller (``NormalLayers``).
    @inlinable @inline(__always)
    static func next(_ rng: inout RandomStream, layers x: UnsafeBufferPointer<Double>) -> Double {
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

    /// The 1.5 % of candidates outside a layer's inner column: the tail (layer 0) or the wedge
    /// of a layer between x[i+1] and x[i]; nil to draw again.
    @usableFromInline @inline(never)
    static func rare(layer: Int, candidate: Double, _ rng: inout RandomStream) -> Double? {
        if layer == 0 {
            // Marsaglia's tail: r + e1 / r, accepted when 2 e2 > (e1 / r)^2, with e1 and e2
            // standard exponentials.
            while true {
                let beyond = -log(rng.nextOpenUnit()) / r
                let height = -log(rng.nextOpenUnit())
                if 2 * height > beyond * beyond { return r + beyond }
            }
        }
        let f = layers.f
        let height = f[layer] + rng.nextUnit() * (f[layer + 1] - f[layer])
        return height < exp(-candidate * candidate / 2) ? candidate : nil
    }
}
