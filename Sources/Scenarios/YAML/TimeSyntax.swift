/// The text forms of durations and rates shared by scenario files and command-line flags.
///
/// Durations: a decimal number (`5`, `0.25`, `.5`; no exponent), optionally a space, then a unit:
/// `ns`, `us`/`µs`, `ms`, `s`, `m`/`min`, `h`. `0` without a unit is rejected so that a unit is
/// never guessed. Conversion is exact: the decimal digits are scaled with integer arithmetic, so
/// `0.1s` is exactly 100 ms. Durations resolve to whole nanoseconds, like every `Sim` duration.
///
/// Rates: a decimal number, `/`, and a unit `s`, `m`/`min` or `h` (`2/s`, `120/m`, `30/h`),
/// read as events per second.

/// Why a duration or rate text was rejected. `message` says what was expected and what was
/// found (e.g. `must not be negative, got "-5s"`); callers add the file, line or flag name.
public struct TimeSyntaxError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Example forms quoted in messages about durations.
let durationExamples = "e.g. 0.2s, 150ms, 15m"

/// Nanoseconds per duration unit, in the order listed to users.
private let durationUnits: [(name: String, nanoseconds: Int128)] = [
    ("ns", 1), ("us", 1_000), ("µs", 1_000), ("ms", 1_000_000), ("s", 1_000_000_000),
    ("m", 60_000_000_000), ("min", 60_000_000_000), ("h", 3_600_000_000_000),
]
/// U+03BC (Greek mu) looks identical to U+00B5 (micro sign) and is accepted too.
private let greekMicroseconds = "\u{03BC}s"

/// Seconds per rate unit, in the order listed to users.
private let rateUnits: [(name: String, seconds: Double)] = [("s", 1), ("m", 60), ("min", 60), ("h", 3600)]

/// Parses a non-negative duration such as `0.5s`, `150ms`, `15m` or `2 h`.
/// Throws with a message for a missing or unknown unit, a negative value, a value finer than a
/// nanosecond or one too large for `Duration.nanoseconds(Int64)`.
public func parseDuration(_ text: String) throws(TimeSyntaxError) -> Duration {
    let shown = quoted(text)
    guard let (number, rest) = DecimalText.prefix(of: text) else {
        throw TimeSyntaxError("expected a duration with a unit (\(durationExamples)), got \(shown)")
    }
    let unitText = String(rest.drop(while: { $0 == " " || $0 == "\t" }))
    if unitText.isEmpty {
        throw TimeSyntaxError(number.isZero
            ? "durations need a unit (e.g. 0s, 0ms), got \(shown)"
            : "expected a duration with a unit (\(durationExamples)), got \(shown)")
    }
    let unit = unitText == greekMicroseconds ? "µs" : unitText
    guard let nanosecondsPerUnit = durationUnits.first(where: { $0.name == unit })?.nanoseconds else {
        let names = durationUnits.map(\.name).joined(separator: ", ")
        throw TimeSyntaxError("unknown unit \(quoted(unitText)) in \(shown) (expected one of: \(names))")
    }
    if number.negative && !number.isZero {
        throw TimeSyntaxError("must not be negative, got \(shown)")
    }
    switch number.scaled(by: nanosecondsPerUnit) {
    case .exact(let nanoseconds):
        return .nanoseconds(nanoseconds)
    case .fractional:
        throw TimeSyntaxError("expected a whole number of nanoseconds, got \(shown)")
    case .tooLarge:
        throw TimeSyntaxError("expected a duration of at most 2562047h, got \(shown)")
    }
}

/// The fastest rate: a mean interval of one nanosecond, the resolution of every duration.
public let fastestRatePerSecond = 1e9
/// The slowest rate: a mean interval of the longest duration (about 2562047 h).
public let slowestRatePerSecond = 1 / Duration.longest.seconds

/// Parses a rate such as `2/s`, `120/m`, `30/h` or `0.5/s` into events per second. Its mean
/// interval (1 / rate) must be a duration: from 1 ns to about 2562047 h.
public func parseRate(_ text: String) throws(TimeSyntaxError) -> Double {
    let shown = quoted(text)
    let malformed = TimeSyntaxError("expected a rate such as 2/s, 120/m or 30/h, got \(shown)")
    let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
    guard parts.count == 2 else { throw malformed }
    let countText = parts[0].trimmingSpaces
    guard let (number, rest) = DecimalText.prefix(of: countText), rest.isEmpty,
          let count = Double(countText) else { throw malformed }
    let unitText = parts[1].trimmingSpaces
    guard let seconds = rateUnits.first(where: { $0.name == unitText })?.seconds else {
        if unitText.isEmpty { throw malformed }
        let names = rateUnits.map(\.name).joined(separator: ", ")
        throw TimeSyntaxError("unknown unit \(quoted(unitText)) in \(shown) (expected one of: \(names))")
    }
    guard !number.negative, !number.isZero else {
        throw TimeSyntaxError("expected a rate greater than zero, got \(shown)")
    }
    let rate = count / seconds
    guard rate >= slowestRatePerSecond, rate <= fastestRatePerSecond else {
        throw TimeSyntaxError("expected a rate from 1 per 2562047h to 1000000000/s (a mean interval from 1ns "
                              + "to 2562047h), got \(shown)")
    }
    return rate
}

/// A decimal number as written: sign, all digits, and how many of them follow the point.
struct DecimalText {
    var negative: Bool
    /// Integer and fraction digits together, as values 0...9.
    var digits: [Int]
    var fractionDigits: Int

    var isZero: Bool { digits.allSatisfy { $0 == 0 } }

    /// Reads `[+-]? (digits [. digits?] | . digits)` from the start of `text`; returns the number
    /// and the unread rest, or nil if `text` does not start with a number.
    static func prefix(of text: String) -> (DecimalText, Substring)? {
        var rest = Substring(text)
        var negative = false
        if let sign = rest.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            rest = rest.dropFirst()
        }
        var digits: [Int] = []
        var fractionDigits = 0
        var seenPoint = false
        while let character = rest.first {
            if let digit = character.wholeNumberValue, character.isASCII {
                digits.append(digit)
                if seenPoint { fractionDigits += 1 }
            } else if character == ".", !seenPoint {
                seenPoint = true
            } else {
                break
            }
            rest = rest.dropFirst()
        }
        guard !digits.isEmpty else { return nil }
        return (DecimalText(negative: negative, digits: digits, fractionDigits: fractionDigits), rest)
    }

    enum Scaled { case exact(Int64), fractional, tooLarge }

    /// |self| × `factor`, exactly, if that is a whole number that fits in `Int64`.
    func scaled(by factor: Int128) -> Scaled {
        var digits = self.digits
        var fractionDigits = self.fractionDigits
        while fractionDigits > 0, digits.last == 0 {
            digits.removeLast()
            fractionDigits -= 1
        }
        // A whole result needs 10^f to divide mantissa × factor. Trailing zeros are gone, so the
        // mantissa lacks a factor 2 or a factor 5, and the factor (at most 2^13·3^2·5^11 for
        // hours) supplies at most 13 of them: beyond 13 fraction digits nothing is whole.
        guard fractionDigits <= 13 else { return .fractional }
        var mantissa: Int128 = 0
        for digit in digits {
            let (shifted, overflow1) = mantissa.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = shifted.addingReportingOverflow(Int128(digit))
            if overflow1 || overflow2 { return .tooLarge }
            mantissa = next
        }
        let (product, overflow) = mantissa.multipliedReportingOverflow(by: factor)
        if overflow { return .tooLarge }
        var divisor: Int128 = 1
        for _ in 0..<fractionDigits { divisor *= 10 }
        let (quotient, remainder) = product.quotientAndRemainder(dividingBy: divisor)
        if remainder != 0 { return .fractional }
        guard let result = Int64(exactly: quotient) else { return .tooLarge }
        return .exact(result)
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
