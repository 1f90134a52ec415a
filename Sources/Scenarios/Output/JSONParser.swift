/// Reads JSON back into a ``JSONValue`` (sweep shards for `simrun merge`). Integers are read
/// exactly (`.int`, or `.uint` above `Int.max`); numbers with a fraction or an exponent are
/// `.number`. Objects keep their key order.
extension JSONValue {
    /// A file that is not the JSON expected, as one line.
    public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        public var message: String
        public init(_ message: String) { self.message = message }
        public var description: String { message }
    }

    public static func parse(_ text: String) throws(ParseError) -> JSONValue {
        var parser = Parser(bytes: Array(text.utf8))
        parser.skipSpace()
        let value = try parser.value()
        parser.skipSpace()
        guard parser.position == parser.bytes.count else { throw parser.error("unexpected text after the JSON value") }
        return value
    }

    private struct Parser {
        let bytes: [UInt8]
        var position = 0

        func error(_ message: String) -> ParseError {
            let line = 1 + bytes[..<min(position, bytes.count)].filter { $0 == UInt8(ascii: "\n") }.count
            return ParseError("line \(line): \(message)")
        }

        mutating func skipSpace() {
            while position < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[position]) { position += 1 }
        }

        mutating func expect(_ byte: UInt8) throws(ParseError) {
            skipSpace()
            guard position < bytes.count, bytes[position] == byte else {
                throw error("expected \"\(Character(Unicode.Scalar(byte)))\"")
            }
            position += 1
        }

        mutating func value() throws(ParseError) -> JSONValue {
            skipSpace()
            guard position < bytes.count else { throw error("unexpected end of the file") }
            switch bytes[position] {
            case UInt8(ascii: "{"):
                position += 1
                var pairs: [(String, JSONValue)] = []
                skipSpace()
                if position < bytes.count, bytes[position] == UInt8(ascii: "}") { position += 1; return .object(pairs) }
                while true {
                    skipSpace()
                    let key = try string()
                    try expect(UInt8(ascii: ":"))
                    pairs.append((key, try value()))
                    skipSpace()
                    guard position < bytes.count else { throw error("unexpected end of the file in an object") }
                    if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                    try expect(UInt8(ascii: "}"))
                    return .object(pairs)
                }
            case UInt8(ascii: "["):
                position += 1
                var values: [JSONValue] = []
                skipSpace()
                if position < bytes.count, bytes[position] == UInt8(ascii: "]") { position += 1; return .array(values) }
                while true {
                    values.append(try value())
                    skipSpace()
                    guard position < bytes.count else { throw error("unexpected end of the file in a list") }
                    if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                    try expect(UInt8(ascii: "]"))
                    return .array(values)
                }
            case UInt8(ascii: "\""):
                return .string(try string())
            case UInt8(ascii: "t"): return try word("true", .bool(true))
            case UInt8(ascii: "f"): return try word("false", .bool(false))
            case UInt8(ascii: "n"): return try word("null", .null)
            default:
                return try number()
            }
        }

        mutating func word(_ text: String, _ value: JSONValue) throws(ParseError) -> JSONValue {
            let expected = Array(text.utf8)
            guard bytes.count - position >= expected.count,
                  Array(bytes[position..<position + expected.count]) == expected else { throw error("expected \(text)") }
            position += expected.count
            return value
        }

        mutating func number() throws(ParseError) -> JSONValue {
            let start = position
            var isInteger = true
            while position < bytes.count {
                let byte = bytes[position]
                if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") {
                    position += 1
                } else if [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "+")].contains(byte) {
                    isInteger = false
                    position += 1
                } else {
                    break
                }
            }
            let text = String(decoding: bytes[start..<position], as: UTF8.self)
            if isInteger, let value = Int(text) { return .int(value) }
            if isInteger, let value = UInt64(text) { return .uint(value) }
            guard !text.isEmpty, let value = Double(text) else { throw error("expected a JSON value") }
            return .number(value)
        }

        mutating func string() throws(ParseError) -> String {
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw error("expected a string") }
            position += 1
            var scalars = String.UnicodeScalarView()
            var raw: [UInt8] = []
            func flush() {
                scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars)
                raw.removeAll()
            }
            while position < bytes.count {
                let byte = bytes[position]
                position += 1
                switch byte {
                case UInt8(ascii: "\""):
                    flush()
                    return String(scalars)
                case UInt8(ascii: "\\"):
                    flush()
                    guard position < bytes.count else { break }
                    let escape = bytes[position]
                    position += 1
                    switch escape {
                    case UInt8(ascii: "n"): scalars.append("\n")
                    case UInt8(ascii: "r"): scalars.append("\r")
                    case UInt8(ascii: "t"): scalars.append("\t")
                    case UInt8(ascii: "b"): scalars.append("\u{8}")
                    case UInt8(ascii: "f"): scalars.append("\u{C}")
                    case UInt8(ascii: "u"):
                        guard bytes.count - position >= 4,
                              let code = UInt32(String(decoding: bytes[position..<position + 4], as: UTF8.self), radix: 16),
                              let scalar = Unicode.Scalar(code) else { throw error("a bad \\u escape") }
                        position += 4
                        scalars.append(scalar)
                    default: scalars.append(Unicode.Scalar(escape))
                    }
                default:
                    raw.append(byte)
                }
            }
            throw error("a string that never ends")
        }
    }

    // MARK: Reading

    /// The member `key` of an object (nil for anything else, or if absent).
    public subscript(key: String) -> JSONValue? {
        if case .object(let pairs) = self { return pairs.first { $0.0 == key }?.1 }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        switch self {
        case .array(let values), .inline(let values): return values
        default: return nil
        }
    }

    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    public var int64Value: Int64? {
        switch self {
        case .int(let value): return Int64(value)
        case .uint(let value): return Int64(exactly: value)
        default: return nil
        }
    }

    public var uint64Value: UInt64? {
        switch self {
        case .int(let value): return UInt64(exactly: value)
        case .uint(let value): return value
        default: return nil
        }
    }

    public var objectPairs: [(String, JSONValue)]? {
        if case .object(let pairs) = self { return pairs }
        return nil
    }
}
