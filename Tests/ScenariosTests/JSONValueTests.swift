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
