import Foundation
import Yams

/// One parsed YAML file, ready to be read through ``root``.
///
/// Loading never traps: a missing or unreadable file, bytes that are not UTF-8 and YAML syntax
/// errors all become a ``ScenarioError`` naming the file and, where the parser knows it, the line.
/// Anchors and aliases are resolved by the parser: an alias reads as a copy of the anchored
/// node, and errors inside it report the line of the anchor.
public struct YAMLDocument {
    /// The file name used in every error from this document.
    public let file: String
    /// The top-level node; a null node if the document is empty.
    public let root: YAMLNode

    /// Reads and parses the file at `path` (a file, a FIFO or a device), reading at most
    /// `maxBytes`. Errors name the file as `path` was written.
    public static func load(path: String,
                            maxBytes: Int = YAMLInputLimits.defaultMaxBytes) throws(ScenarioError) -> YAMLDocument {
        try load(bytes: YAMLInputLimits.readBytes(path: path, maxBytes: maxBytes), file: path)
    }

    /// Parses UTF-8 `bytes` as the contents of `file`.
    public static func load(bytes: [UInt8], file: String) throws(ScenarioError) -> YAMLDocument {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ScenarioError(file: file, line: lineOfFirstInvalidUTF8(bytes),
                                message: "expected UTF-8 text, got bytes that are not valid UTF-8")
        }
        return try load(text: text, file: file)
    }

    /// Parses `text` as the contents of `file` (the name is used only in error messages).
    /// A byte-order mark before the text is skipped, as other YAML readers do; an alias used as
    /// a mapping key is refused before parsing (see ``YAMLInputLimits``).
    public static func load(text: String, file: String) throws(ScenarioError) -> YAMLDocument {
        let text = text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
        if text.utf8.contains(UInt8(ascii: "*")), let found = YAMLInputLimits.aliasUsedAsKey(in: text) {
            throw ScenarioError(file: file, line: found.line,
                                message: "an alias (*\(found.alias)) is used as a mapping key; keys must be written out")
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: text, .default, .default, .utf8)
        } catch {
            throw translate(error, file: file)
        }
        let root = node ?? Node("", .implicit, .plain)
        return YAMLDocument(file: file, root: YAMLNode(node: root, path: .root, file: file))
    }

    /// Turns a Yams error into one line. libyaml reports a problem and sometimes the construct
    /// it was inside. For the scanner the construct's start is where the mistake is (a missing
    /// `:` is only noticed on the next line, an unclosed quote at the end of the file), so its
    /// line is reported; for the parser the problem's line is, with the construct's noted.
    private static func translate(_ error: any Error, file: String) -> ScenarioError {
        func syntax(_ context: YamlError.Context?, _ problem: String, _ mark: Mark,
                    preferContextLine: Bool) -> ScenarioError {
            // libyaml's own wording names its C function; say what it means instead.
            let problem = problem.hasPrefix("Maximum nesting level reached")
                ? "lists and mappings nested too deeply (over about a thousand levels)" : problem
            guard let context else {
                return ScenarioError(file: file, line: mark.line, message: "invalid YAML: \(problem)")
            }
            if preferContextLine || context.mark.line == mark.line {
                return ScenarioError(file: file, line: context.mark.line,
                                     message: "invalid YAML: \(problem) (\(context.text))")
            }
            return ScenarioError(file: file, line: mark.line,
                                 message: "invalid YAML: \(problem) (\(context.text) on line \(context.mark.line))")
        }
        guard let yamlError = error as? YamlError else {
            return ScenarioError(file: file, message: "invalid YAML: \(oneLine(String(describing: error)))")
        }
        switch yamlError {
        case .scanner(_, let problem, let mark, let yaml) where character(at: mark, in: yaml) == "\t":
            return ScenarioError(file: file, line: mark.line,
                                 message: "invalid YAML: \(problem) (a tab; YAML indents with spaces only)")
        case .scanner(let context?, "could not find expected ':'", _, let yaml)
            where context.text == "while scanning a simple key" && keyLength(at: context.mark, in: yaml) > 1024:
            // libyaml looks no further than 1024 characters for a simple key's `:`.
            return ScenarioError(file: file, line: context.mark.line,
                                 message: "invalid YAML: a key longer than 1024 characters (YAML's limit for a key "
                                     + "written without `?`)")
        case .scanner(let context, let problem, let mark, _):
            return syntax(context, problem, mark, preferContextLine: true)
        case .composer(_, "but found another document", let mark, _):
            return ScenarioError(file: file, line: mark.line,
                                 message: "invalid YAML: expected a single document, found a second one")
        case .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            return syntax(context, problem, mark, preferContextLine: false)
        case .reader(let problem, let offset, _, let yaml):
            let line = offset.map { offset in 1 + yaml.prefix(offset).filter(\.isNewline).count }
            return ScenarioError(file: file, line: line, message: "invalid YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map(quoted).joined(separator: ", ")
            let noun = duplicates.count == 1 ? "key" : "keys"
            return ScenarioError(file: file, line: context.mark.line,
                                 message: "duplicate \(noun) \(keys) in the same mapping (first on this line); each key may appear once")
        default:
            return ScenarioError(file: file, message: "invalid YAML: \(oneLine(yamlError.description))")
        }
    }

    /// How many characters the key starting at `mark` has before the `:` that ends it on its
    /// line (0 if there is none).
    private static func keyLength(at mark: Mark, in yaml: String) -> Int {
        guard mark.line >= 1, let line = yaml.split(separator: "\n", omittingEmptySubsequences: false)
            .dropFirst(mark.line - 1).first else { return 0 }
        let key = line.unicodeScalars.dropFirst(max(mark.column - 1, 0))
        let colon = key.indices.first { index in
            key[index] == ":" && (key.index(after: index) == key.endIndex || key[key.index(after: index)] == " ")
        }
        return colon.map { key.distance(from: key.startIndex, to: $0) } ?? 0
    }

    /// The character libyaml pointed at (1-based line and column, counted in scalars).
    private static func character(at mark: Mark, in yaml: String) -> Unicode.Scalar? {
        let lines = yaml.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        guard mark.line >= 1, mark.line <= lines.count else { return nil }
        let scalars = Array(lines[mark.line - 1].unicodeScalars)
        guard mark.column >= 1, mark.column <= scalars.count else { return nil }
        return scalars[mark.column - 1]
    }

    private static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).first.map(String.init) ?? text
    }

    /// 1-based line of the first byte that does not decode, for the "not UTF-8" report.
    private static func lineOfFirstInvalidUTF8(_ bytes: [UInt8]) -> Int {
        var iterator = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        var line = 1
        while case .valid(let encoded) = parser.parseScalar(from: &iterator) {
            if Unicode.UTF8.decode(encoded) == "\n" { line += 1 }
        }
        return line
    }
}
