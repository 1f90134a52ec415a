/// One JSON value of an event log line. Numbers keep their text, so that times written to the
/// nanosecond (`1767225600.123456789`, beyond a Double's precision) read back exactly.
enum EventLogJSON: Equatable {
    case object([(String, EventLogJSON)])
    case array([EventLogJSON])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    static func == (lhs: EventLogJSON, rhs: EventLogJSON) -> Bool {
        switch (lhs, rhs) {
        case (.object(let a), .object(let b)): return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case (.array(let a), .array(let b)): return a == b
        case (.string(let a), .string(let b)), (.number(let a), .number(let b)): return a == b
        case (.bool(let a), .bool(let b)): return a == b
        case (.null, .null): return true
        default: return false
        }
    }

    /// The value of `key` in an object (the first, if repeated); nil otherwise.
    subscript(key: String) -> EventLogJSON? {
        guard case .object(let pairs) = self else { return nil }
        return pairs.first { $0.0 == key }?.1
    }

    var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// A number (or a string holding one, as some exporters write them) in whole nanoseconds,
    /// rounded toward zero; nil if it is not a finite number or beyond ±292 years.
    var nanoseconds: Int64? {
        switch self {
        case .number(let text), .string(let text): return Self.nanoseconds(text)
        default: return nil
        }
    }

    /// A non-negative whole number.
    var count: Int? {
        guard let nanoseconds, nanoseconds >= 0, nanoseconds % 1_000_000_000 == 0 else { return nil }
        return Int(nanoseconds / 1_000_000_000)
    }

    /// Parses one line; nil if it is not one JSON value (the reason does not matter: the record
    /// is counted as malformed). Nesting deeper than 64 is refused, so no line can exhaust the
    /// stack.
    static func parse(_ bytes: ArraySlice<UInt8>) -> EventLogJSON? {
        var parser = Parser(bytes: bytes, position: bytes.startIndex)
        parser.skipSpace()
        guard let value = parser.value(depth: 0) else { return nil }
        parser.skipSpace()
        return parser.position == bytes.endIndex ? value : nil
    }

    /// `[-]digits[.digits][e[+-]digits]` in nanoseconds, exactly (truncated below 1 ns).
    static func nanoseconds(_ text: String) -> Int64? {
        var bytes = Array(text.utf8)[...]
        var negative = false
        if bytes.first == UInt8(ascii: "-") { negative = true; bytes = bytes.dropFirst() }
        var digits: [UInt8] = []
        var fractionDigits = 0
        var seenPoint = false
        var exponent = 0
        while let byte = bytes.first {
            if byte >= 0x30 && byte <= 0x39 {
                digits.append(byte - 0x30)
                if seenPoint { fractionDigits += 1 }
            } else if byte == UInt8(ascii: ".") && !seenPoint {
                seenPoint = true
            } else {
                break
            }
            bytes = bytes.dropFirst()
        }
        guard !digits.isEmpty else { return nil }
        if let marker = bytes.first, marker == UInt8(ascii: "e") || marker == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            var exponentNegative = false
            if bytes.first == UInt8(ascii: "-") || bytes.first == UInt8(ascii: "+") {
                exponentNegative = bytes.first == UInt8(ascii: "-")
                bytes = bytes.dropFirst()
            }
            guard !bytes.isEmpty, bytes.count <= 4, bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            exponent = Int(String(decoding: bytes, as: UTF8.self)) ?? 0
            if exponentNegative { exponent = -exponent }
            bytes = []
        }
        guard bytes.isEmpty else { return nil }
        // value = digits × 10^(exponent − fractionDigits); in ns, × 10^9.
        let shift = exponent - fractionDigits + 9
        var leading = digits.drop { $0 == 0 }
        if leading.isEmpty { return 0 }
        var scale = shift
        if scale < 0 {
            // Drop the digits below a nanosecond (rounding toward zero).
            let keep = leading.count + scale
            if keep <= 0 { return 0 }
            leading = leading.prefix(keep)
            scale = 0
        }
        guard leading.count + scale <= 19 else { return nil }
        var value: Int64 = 0
        for digit in leading {
            let (times, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowSum) = times.addingReportingOverflow(Int64(digit))
            if overflow || overflowSum { return nil }
            value = sum
        }
        for _ in 0..<scale {
            let (times, overflow) = value.multipliedReportingOverflow(by: 10)
            if overflow { return nil }
            value = times
        }
        return negative ? -value : value
    }

    private struct Parser {
        let bytes: ArraySlice<UInt8>
        var position: Int

        mutating func skipSpace() {
            while position < bytes.endIndex, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[position]) { position += 1 }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            skipSpace()
            guard position < bytes.endIndex, bytes[position] == byte else { return false }
            position += 1
            return true
        }

        mutating func value(depth: Int) -> EventLogJSON? {
            skipSpace()
            guard position < bytes.endIndex, depth < 64 else { return nil }
            switch bytes[position] {
            case UInt8(ascii: "{"):
                position += 1
                var pairs: [(String, EventLogJSON)] = []
                if take(UInt8(ascii: "}")) { return .object(pairs) }
                repeat {
                    skipSpace()
                    guard let key = string(), take(UInt8(ascii: ":")), let value = value(depth: depth + 1) else { return nil }
                    pairs.append((key, value))
                } while take(UInt8(ascii: ","))
                return take(UInt8(ascii: "}")) ? .object(pairs) : nil
            case UInt8(ascii: "["):
                position += 1
                var values: [EventLogJSON] = []
                if take(UInt8(ascii: "]")) { return .array(values) }
                repeat {
                    guard let value = value(depth: depth + 1) else { return nil }
                    values.append(value)
                } while take(UInt8(ascii: ","))
                return take(UInt8(ascii: "]")) ? .array(values) : nil
            case UInt8(ascii: "\""):
                return string().map { .string($0) }
            case UInt8(ascii: "t"): return word("true", .bool(true))
            case UInt8(ascii: "f"): return word("false", .bool(false))
            case UInt8(ascii: "n"): return word("null", .null)
            default:
                let start = position
                while position < bytes.endIndex, Self.numberBytes.contains(bytes[position]) { position += 1 }
                guard position > start else { return nil }
                let text = String(decoding: bytes[start..<position], as: UTF8.self)
                return nanosecondsAreReadable(text) ? .number(text) : nil
            }
        }

        /// Any JSON number shape (validated loosely; ``EventLogJSON/nanoseconds`` decides).
        private func nanosecondsAreReadable(_ text: String) -> Bool {
            guard let first = text.utf8.first else { return false }
            return first == UInt8(ascii: "-") || (first >= 0x30 && first <= 0x39)
        }

        static let numberBytes: Set<UInt8> = Set("0123456789+-.eE".utf8)

        mutating func word(_ text: String, _ value: EventLogJSON) -> EventLogJSON? {
            let utf8 = Array(text.utf8)
            guard bytes.endIndex - position >= utf8.count,
                  bytes[position..<(position + utf8.count)].elementsEqual(utf8) else { return nil }
            position += utf8.count
            return value
        }

        mutating func string() -> String? {
            guard position < bytes.endIndex, bytes[position] == UInt8(ascii: "\"") else { return nil }
            position += 1
            var out: [UInt8] = []
            while position < bytes.endIndex {
                let byte = bytes[position]
                position += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return String(decoding: out, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard position < bytes.endIndex else { return nil }
                    let escaped = bytes[position]
                    position += 1
                    switch escaped {
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "u"):
                        guard bytes.endIndex - position >= 4,
                              let code = UInt32(String(decoding: bytes[position..<(position + 4)], as: UTF8.self), radix: 16)
                        else { return nil }
                        position += 4
                        // Surrogate halves are replaced (the fields read here are ASCII).
                        let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
                        out += Array(String(Character(scalar)).utf8)
                    default: out.append(escaped)
                    }
                default:
                    if byte < 0x20 { return nil }
                    out.append(byte)
                }
            }
            return nil
        }
    }
}
