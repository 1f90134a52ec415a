import Sim

/// A JSON document with ordered object keys and fixed number formatting, so the same report
/// always renders to the same bytes.
public indirect enum JSONValue: Sendable, Equatable {
    case object([(String, JSONValue)])
    case array([JSONValue])
    /// An array written on one line (`[1, 2, [3, 4]]`): for long lists of small numbers such
    /// as histogram buckets.
    case inline([JSONValue])
    case string(String)
    case int(Int)
    case uint(UInt64)
    /// Rendered with six decimals (microsecond resolution for seconds).
    case number(Double)
    case bool(Bool)
    case null

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        lhs.rendered() == rhs.rendered()
    }

    /// Pretty-printed with two-space indentation and a trailing newline at top level.
    public func rendered() -> String {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        write(into: &out, indent: 0)
        return String(decoding: out, as: UTF8.self)
    }

    /// Written as UTF-8 bytes into one growing buffer: a report of tens of thousands of
    /// values would otherwise build a string per key, per value and per indentation.
    private func write(into out: inout [UInt8], indent: Int) {
        switch self {
        case .object(let pairs):
            if pairs.isEmpty { JSONValue.append("{}", to: &out); return }
            out.append(UInt8(ascii: "{"))
            for (index, (key, value)) in pairs.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                out.append(UInt8(ascii: "\n"))
                JSONValue.pad(indent + 1, to: &out)
                JSONValue.quote(key, into: &out)
                JSONValue.append(": ", to: &out)
                value.write(into: &out, indent: indent + 1)
            }
            out.append(UInt8(ascii: "\n"))
            JSONValue.pad(indent, to: &out)
            out.append(UInt8(ascii: "}"))
        case .array(let values):
            if values.isEmpty { JSONValue.append("[]", to: &out); return }
            out.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                out.append(UInt8(ascii: "\n"))
                JSONValue.pad(indent + 1, to: &out)
                value.write(into: &out, indent: indent + 1)
            }
            out.append(UInt8(ascii: "\n"))
            JSONValue.pad(indent, to: &out)
            out.append(UInt8(ascii: "]"))
        case .inline(let values):
            out.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { JSONValue.append(", ", to: &out) }
                if case .array(let nested) = value {
                    JSONValue.inline(nested).write(into: &out, indent: indent)
                } else {
                    value.write(into: &out, indent: indent)
                }
            }
            out.append(UInt8(ascii: "]"))
        case .string(let text): JSONValue.quote(text, into: &out)
        case .int(let value):
            if value < 0 { out.append(UInt8(ascii: "-")) }
            forEachDecimalDigit(of: UInt64(value.magnitude)) { out.append($0) }
        case .uint(let value): forEachDecimalDigit(of: value) { out.append($0) }
        case .number(let value): JSONValue.append(value.isFinite ? formatFixed(value, decimals: 6) : "null", to: &out)
        case .bool(let value): JSONValue.append(value ? "true" : "false", to: &out)
        case .null: JSONValue.append("null", to: &out)
        }
    }

    private static func append(_ text: String, to out: inout [UInt8]) {
        out.append(contentsOf: text.utf8)
    }

    private static func pad(_ indent: Int, to out: inout [UInt8]) {
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * indent))
    }

    static func quote(_ text: String) -> String {
        var out: [UInt8] = []
        quote(text, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `text` as a JSON string: quotes, backslashes and control characters escaped, every
    /// other byte copied as it is (every byte of a multi-byte scalar is 0x80 or above), in
    /// runs between escapes.
    private static func quote(_ text: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            var copied = 0
            for (index, byte) in bytes.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<index]))
                copied = index + 1
                switch byte {
                case UInt8(ascii: "\""): append("\\\"", to: &out)
                case UInt8(ascii: "\\"): append("\\\\", to: &out)
                case UInt8(ascii: "\n"): append("\\n", to: &out)
                case UInt8(ascii: "\r"): append("\\r", to: &out)
                case UInt8(ascii: "\t"): append("\\t", to: &out)
                default:
                    // Four lower-case hex digits, as String(_:radix:) padded with zeros.
                    append("\\u00", to: &out)
                    for nibble in [byte >> 4, byte & 0xF] {
                        out.append(nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10)
                    }
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied...]))
        }
        out.append(UInt8(ascii: "\""))
    }
}
