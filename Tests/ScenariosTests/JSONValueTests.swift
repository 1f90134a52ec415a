import Foundation
import Scenarios
import Testing

/// Strings in JSON output: plain ones (copied whole) and ones needing escapes (quotes,
/// backslashes, control characters, next to text beyond ASCII) must both parse back to the
/// same string with Foundation's JSON reader, and a plain string must appear verbatim.
@Suite struct JSONStrings {
    static let texts = [
        "", "plain", "node-12/net_op", "é✓ 日本 🚀", "say \"hi\"", "back\\slash", "line\nbreak\r\ttab",
        "bell\u{07} nul\u{00} unit\u{1F} del\u{7F}", "é\"✓\\\u{01}", String(repeating: "a\"", count: 40),
    ]

    @Test(arguments: texts)
    func aStringRendersToJSONThatParsesBackToIt(_ text: String) throws {
        let rendered = JSONValue.array([.string(text)]).rendered()
        let parsed = try JSONSerialization.jsonObject(with: Data(rendered.utf8), options: [.fragmentsAllowed])
        #expect((parsed as? [String]) == [text], "\(rendered)")
        let needsEscape = text.unicodeScalars.contains { $0.value < 0x20 || $0 == "\"" || $0 == "\\" }
        #expect(rendered.contains("\"" + text + "\"") == !needsEscape, "\(rendered)")
    }
}

/// The exact bytes of a document using every case: reports are compared byte for byte
/// (determinism, baselines' fingerprints), so the layout itself is pinned here, written out
/// by hand.
@Suite struct JSONLayout {
    @Test func everyCaseRendersToTheseBytes() {
        let document = JSONValue.object([
            ("empty_object", .object([])),
            ("empty_array", .array([])),
            ("ints", .array([.int(0), .int(-7), .int(Int.min), .int(Int.max)])),
            ("uint", .uint(UInt64.max)),
            ("numbers", .inline([.number(1.5), .number(-0.0000004), .number(.nan), .array([.int(3), .uint(40)])])),
            ("flags", .object([("yes", .bool(true)), ("no", .bool(false)), ("none", .null)])),
            ("text", .string("a\u{07}\"é")),
        ])
        let expected = """
            {
              "empty_object": {},
              "empty_array": [],
              "ints": [
                0,
                -7,
                -9223372036854775808,
                9223372036854775807
              ],
              "uint": 18446744073709551615,
              "numbers": [1.500000, 0.000000, null, [3, 40]],
              "flags": {
                "yes": true,
                "no": false,
                "none": null
              },
              "text": "a\\u0007\\"é"
            }
            """
        #expect(document.rendered() == expected)
    }
}
