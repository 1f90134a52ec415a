#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a YAML input may cost before it is parsed, so that no file can exhaust memory or hang
/// the parser: its size, and aliases in the one place where the parser expands them.
///
/// Yams shares an anchored node wherever an alias names it, so an "alias bomb" (each anchor a
/// list of ten aliases of the one before) costs nothing as a value. As a mapping key it does:
/// the parser hashes every key to find duplicates, and hashing walks the whole expansion
/// (10^11 nodes for eleven levels). No schema key is ever a collection or an alias, so an alias
/// in key position is refused before parsing.
public enum YAMLInputLimits {
    /// Default largest input: the shipped scenarios are a few kilobytes; a baseline of a large
    /// scenario with many replications is a few hundred kilobytes.
    public static let defaultMaxBytes = 16 << 20

    /// Reads at most `maxBytes` from `path` (a file, a FIFO, a device), failing beyond that
    /// without reading the rest.
    static func readBytes(path: String, maxBytes: Int) throws(ScenarioError) -> [UInt8] {
        var bytes: [UInt8] = []
        try InputFile.forEachChunk(path: path, maxBytes: maxBytes, expected: "a YAML file") { chunk throws(ScenarioError) in
            bytes += chunk
        }
        return bytes
    }

    /// The first alias written as a mapping key (`*name: value`, `? *name`), with its line.
    ///
    /// A line scanner, not a parser: it skips comments, quoted scalars (also across lines) and
    /// the bodies of block scalars (`|`, `>`), and looks for `*name` followed by `:` and a
    /// space, the end of the line or a flow indicator, or preceded by the `?` key indicator.
    static func aliasUsedAsKey(in text: String) -> (line: Int, alias: String)? {
        var quote: Character?
        var blockScalarIndent: Int?
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = Array(rawLine.utf8)
            let indent = line.prefix { $0 == UInt8(ascii: " ") }.count
            if let parent = blockScalarIndent {
                if indent > parent || indent == line.count || line == [UInt8(ascii: "\r")] { continue }
                blockScalarIndent = nil
            }
            var index = 0
            var lastToken: UInt8?
            var previous: UInt8 = UInt8(ascii: " ")
            while index < line.count {
                let byte = line[index]
                if let open = quote {
                    if open == "\"" && byte == UInt8(ascii: "\\") {
                        index += 2
                        continue
                    }
                    if byte == UInt8(ascii: open == "\"" ? "\"" : "'") {
                        if open == "'" && index + 1 < line.count && line[index + 1] == UInt8(ascii: "'") {
                            index += 2
                            continue
                        }
                        quote = nil
                        lastToken = byte
                    }
                    index += 1
                    continue
                }
                switch byte {
                case UInt8(ascii: "#") where previous == UInt8(ascii: " ") || previous == UInt8(ascii: "\t") || index == 0:
                    index = line.count
                    continue
                case UInt8(ascii: "\""), UInt8(ascii: "'"):
                    // A quote opens a scalar only where a scalar can start.
                    if isSeparator(previous) { quote = byte == UInt8(ascii: "\"") ? "\"" : "'" }
                case UInt8(ascii: "*") where isSeparator(previous):
                    var end = index + 1
                    while end < line.count && isAnchorCharacter(line[end]) { end += 1 }
                    let name = String(decoding: line[(index + 1)..<end], as: UTF8.self)
                    var after = end
                    while after < line.count && line[after] == UInt8(ascii: " ") { after += 1 }
                    let colonKey = after < line.count && line[after] == UInt8(ascii: ":")
                        && (after + 1 == line.count || isSeparator(line[after + 1]) || line[after + 1] == UInt8(ascii: "\r"))
                    if !name.isEmpty && (colonKey || lastToken == UInt8(ascii: "?")) {
                        return (lineNumber, name)
                    }
                    index = end
                    previous = line[end - 1]
                    lastToken = UInt8(ascii: "*")
                    continue
                default:
                    break
                }
                if byte != UInt8(ascii: " ") && byte != UInt8(ascii: "\t") { lastToken = byte }
                previous = byte
                index += 1
            }
            if quote == nil, let last = lastSignificant(line), opensBlockScalar(line, last: last) {
                blockScalarIndent = indent
            }
        }
        return nil
    }

    private static func isSeparator(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "[")
            || byte == UInt8(ascii: "{") || byte == UInt8(ascii: ",") || byte == UInt8(ascii: "?")
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ":")
    }

    /// libyaml's anchor characters: ASCII letters, digits, `_` and `-`.
    private static func isAnchorCharacter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
            || byte == UInt8(ascii: "-")
    }

    /// Index of the last byte before a comment and trailing blanks.
    private static func lastSignificant(_ line: [UInt8]) -> Int? {
        var end = line.count
        if let hash = zip(line.indices, line).first(where: { index, byte in
            byte == UInt8(ascii: "#") && (index == 0 || line[index - 1] == UInt8(ascii: " "))
        })?.0 {
            end = hash
        }
        while end > 0 && [UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r")].contains(line[end - 1]) { end -= 1 }
        return end > 0 ? end - 1 : nil
    }

    /// `key: |`, `- >-`, `key: |2+`: a block scalar header ends the line.
    private static func opensBlockScalar(_ line: [UInt8], last: Int) -> Bool {
        var index = last
        while index >= 0 && (line[index] == UInt8(ascii: "+") || line[index] == UInt8(ascii: "-")
                             || (line[index] >= UInt8(ascii: "1") && line[index] <= UInt8(ascii: "9"))) {
            index -= 1
        }
        guard index >= 0, line[index] == UInt8(ascii: "|") || line[index] == UInt8(ascii: ">") else { return false }
        return index == 0 || line[index - 1] == UInt8(ascii: " ")
    }
}
