#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `exp(x)` seconds in whole nanoseconds, exactly `Duration.nanosecondsRounded(seconds:
/// exp(x))` (the C library's `exp`, times 10^9, rounded half away from zero), without the
/// call for nearly every `x`.
///
/// Every log-normal draw (a round trip of every poll a long run counts, drawn even for the
/// polls it skips: about two and a half million an hour of `cluster-day.yaml`) took one call
/// of `exp`, a tenth of the draws' time (issue 12). Only the nanoseconds are kept, so an
/// approximation close enough that no half nanosecond lies between it and the library's
/// value rounds the same; where one might, the library is asked. The answer is the
/// library's in every case: the same draws, the same bytes.
///
/// The approximation: x = n ln2/128 + r with |r| <= ln2/256 (ln2/128 in two parts, the first
/// with its last 20 bits zero so that `n` times it is exact), and exp(x) 10^9 = 2^k (2^(j/128)
/// 10^9) e^r with n = 128k + j, the middle factor from ``ExpNanoseconds/powers`` (correctly
/// rounded) and e^r from its series to r^5 (the rest under 7e-19 of it). Its error is under 2
/// units in the last place (2^-52 of the value each); the library's `exp` is within 1 and its
/// product with 10^9 adds half: 3.5 units, under 8e-16 of the value. A result is taken only
/// when it is further than 2^-46 of itself (1.4e-14, 18 times that) from the nearest half
/// nanosecond. Outside -40 < x < 10 (under 5e-18 s, or over 22,026 s, where 2^-46 of the
/// value in nanoseconds nears half a nanosecond) and for NaN, the library is asked too.
///
/// `ExpNanosecondsTests` checks the table against the definition, compares millions of
/// exponents over the range with the library's rounding (every one of them equal), and checks
/// that exponents placed on a half nanosecond are left to the library.
public enum ExpNanoseconds {
    /// 128 / ln 2.
    @usableFromInline static let perStep: Double = 184.664_965_233_787_3
    /// ln2 / 128 in two parts.
    @usableFromInline static let stepHigh: Double = 0x1.62e42fee00000p-1 / 128
    @usableFromInline static let stepLow: Double = 0x1.a39ef35793c76p-33 / 128
    /// The closeness to a half nanosecond, relative to the value, within which the library
    /// decides.
    @usableFromInline static let margin: Double = 0x1p-46

    /// The rounding of exp(x) 10^9 to the nanosecond, or nil where the library must decide;
    /// `powers` is ``powers`` (``NormalLayers/powers``, read once by a walk).
    @inlinable @inline(__always)
    public static func approximated(_ x: Double, powers: UnsafePointer<Double>) -> Int64? {
        // False for NaN as well.
        guard x > -40 && x < 10 else { return nil }
        // The nearest whole number to x 128/ln2 (|n| < 2^13), as the low bits of a sum whose
        // last place is 1: no conversion (a checked one traps out of range, and `rounded()`
        // is a call).
        let shifted = x * perStep + 0x1.8p52
        let n = Int64(bitPattern: shifted.bitPattern) &- 0x4338_0000_0000_0000
        let whole = shifted - 0x1.8p52
        let r = (x - whole * stepHigh) - whole * stepLow
        let q = r * (1 + r * (0.5 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120)))))
        let power = powers[Int(n & 127)]
        // 2^(n >> 7), n >> 7 in -58 ... 14: a normal number's exponent field.
        let scale = Double(bitPattern: UInt64(bitPattern: ((n &>> 7) &+ 1023) &<< 52))
        let nanoseconds = (power + power * q) * scale
        // Under 2^45: adding 2^52 rounds to a whole number (the nearest, ties to even), and
        // the rest is exact.
        let rounded = nanoseconds + 0x1p52
        let rest = nanoseconds - (rounded - 0x1p52)
        guard abs(rest) < 0.5 - nanoseconds * margin else { return nil }
        return Int64(bitPattern: rounded.bitPattern) &- 0x4330_0000_0000_0000
    }

    /// 2^(j/128) 10^9 for j = 0 ... 127, correctly rounded (computed to 60 digits and
    /// converted), written out as literals so that the compiler places them in the binary.
    static let table: [Double] = [
        1000000000.0, 1005429901.1128029, 1010889286.0517005, 1016378314.910953,
        1021897148.6541166, 1027445949.1187637, 1033024879.0212284, 1038634101.9613788,
        1044273782.4274138, 1049944085.8006873, 1055645178.3605572, 1061377227.289262,
        1067140400.6768236, 1072934867.5259756, 1078760797.75712, 1084618362.2133093,
        1090507732.6652577, 1096429081.816377, 1102382583.307841, 1108368411.7236786,
        1114386742.5958924, 1120437752.4096067, 1126521618.6082418, 1132638519.5987191,
        1138788634.7566917, 1144972144.4318042, 1151189229.9529827, 1157440073.633751,
        1163724858.7775774, 1170043769.6832502, 1176396991.6502812, 1182784710.9843411,
        1189207115.002721, 1195664392.0398273, 1202156731.4527032, 1208684323.6265817,
        1215247359.980469, 1221846032.9727576, 1228480536.10687, 1235151063.9369333,
        1241857812.073484, 1248600977.1892047, 1255380757.024691, 1262197350.3942506,
        1269050957.1917331, 1275941778.396392, 1282870016.0787783, 1289835873.4066658,
        1296839554.6510096, 1303881265.191936, 1310961211.5247643, 1318079601.266064,
        1325236643.1597414, 1332432547.0831614, 1339667524.053303, 1346941786.232946,
        1354255546.9368927, 1361609020.6382248, 1369002422.9745905, 1376435970.7545302,
        1383909881.963832, 1391424375.7719262, 1398979672.5383112, 1406575993.8190155,
        1414213562.373095, 1421892602.1691656, 1429613338.39197, 1437375997.4489822,
        1445180806.9770467, 1453027995.8490527, 1460917794.180647, 1468850433.336982,
        1476826145.9394994, 1484845165.8727524, 1492907728.2912648, 1501014069.6264255,
        1509164427.5934227, 1517359041.1982148, 1525598150.7445383, 1533881997.840956,
        1542210825.4079409, 1550584877.685, 1559004400.237837, 1567469639.9655528,
        1575980845.1078866, 1584538265.2524936, 1593142151.3422668, 1601792755.6826932,
        1610490331.9492543, 1619235135.1948638, 1628027421.8573477, 1636867449.7669644,
        1645755478.1539648, 1654691767.6561944, 1663676580.3267365, 1672710179.6415966,
        1681792830.5074291, 1690924799.2693052, 1700106353.7185235, 1709337763.100463,
        1718619298.122478, 1727951230.9618375, 1737333835.2737062, 1746767386.199169,
        1756252160.3732996, 1765788435.9332728, 1775376492.5265212, 1785016611.318935,
        1794709075.003107, 1804454167.806624, 1814252175.5003989, 1824103385.4070532,
        1834008086.4093425, 1843966568.958626, 1853979125.0833855, 1864046048.397789,
        1874167634.1102998, 1884344179.0323346, 1894575981.5869656, 1904863341.8176742,
        1915206561.3971472, 1925605943.6361248, 1936061793.4922945, 1946574417.5792332,
        1957144124.1754003, 1967771223.2331758, 1978456026.387951, 1989198846.9672663,
    ]

    /// A copy of ``table`` made once and kept for the life of the process, read through a
    /// pointer (``NormalLayers/powers``): inlined into another module, each read of the table
    /// itself would ask whether it has been made. Never written after it is made.
    @usableFromInline nonisolated(unsafe) static let powers: UnsafePointer<Double> = {
        let copy = UnsafeMutablePointer<Double>.allocate(capacity: table.count)
        copy.initialize(from: table, count: table.count)
        return UnsafePointer(copy)
    }()
}

/// ``ExpNanoseconds``: exp(x) seconds in whole nanoseconds, as the library rounds them. Not
/// inlined: the table is read inside this module (the array itself: read through
/// ``ExpNanoseconds/powers`` instead, the `ideal-plan` slice took 0.4 % more instructions).
@usableFromInline
func nanosecondsOfExp(_ x: Double) -> Int64 {
    ExpNanoseconds.table.withUnsafeBufferPointer { nanosecondsOfExp(x, powers: $0.baseAddress!) }
}

/// ``nanosecondsOfExp(_:)`` with the table read once by the caller.
@inlinable @inline(__always)
func nanosecondsOfExp(_ x: Double, powers: UnsafePointer<Double>) -> Int64 {
    ExpNanoseconds.approximated(x, powers: powers) ?? Duration.nanosecondsRounded(seconds: exp(x))
}
