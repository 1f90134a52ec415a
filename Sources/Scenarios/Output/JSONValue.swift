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
        var out = ""
        write(into: &out, indent: 0)
        return out
    }

    private func write(into out: inout String, indent: Int) {
        let pad = String(repeating: "  ", count: indent + 1)
        let closePad = String(repeating: "  ", count: indent)
        switch self {
        case .object(let pairs):
            if pairs.isEmpty { out += "{}"; return }
            out += "{\n"
            for (index, (key, value)) in pairs.enumerated() {
                out += pad + JSONValue.quote(key) + ": "
                value.write(into: &out, indent: indent + 1)
                out += index == pairs.count - 1 ? "\n" : ",\n"
            }
            out += closePad + "}"
        case .array(let values):
            if values.isEmpty { out += "[]"; return }
            out += "[\n"
            for (index, value) in values.enumerated() {
                out += pad
                value.write(into: &out, indent: indent + 1)
                out += index == values.count - 1 ? "\n" : ",\n"
            }
            out += closePad + "]"
        case .inline(let values):
            out += "["
            for (index, value) in values.enumerated() {
                if index > 0 { out += ", " }
                if case .array(let nested) = value {
                    JSONValue.inline(nested).write(into: &out, indent: indent)
                } else {
                    value.write(into: &out, indent: indent)
                }
            }
            out += "]"
        case .string(let text): out += JSONValue.quote(text)
        case .int(let value): out += String(value)
        case .uint(let value): out += String(value)
        case .number(let value): out += value.isFinite ? formatFixed(value, decimals: 6) : "null"
        case .bool(let value): out += value ? "true" : "false"
        case .null: out += "null"
        }
    }

    static func quote(_ text: String) -> String {
        // Most strings need no escape (every byte of a multi-byte scalar is 0x80 or above):
        // copied whole rather than scalar by scalar (an effect report quotes tens of
        // thousands of them).
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            return "\"" + text + "\""
        }
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
