/// A value bound to a `:name` parameter.
enum SQLValue {
    case text(String)
    case int(Int)
    case number(Double)
    case null
    /// Expands to `v1, v2, ...` (for `IN (...)` and `FIELD(...)`).
    case list([SQLValue])
}

/// The statements of a SQL file (``QueueSQL``'s format), checked when read: every statement
/// live mode runs must be there.
public struct SQLStatements: Sendable {
    static let required = ["schema", "reset", "now", "insert_op", "insert_state", "insert_row", "load_op",
                           "set_state", "requeue_state", "claim", "claim_bounded_staleness", "dequeue_one",
                           "mark_claimed", "delete_row", "reap_select", "release_rows", "release_claims_select",
                           "release_all", "requeue_executing", "depth", "has_pending_op", "recent_outcomes", "find_pending",
                           "fold_select", "fold_update", "event", "counters", "quiet"]

    private let statements: [String: String]
    /// Where the statements came from (a file name, or `built-in`).
    public let source: String

    public init(text: String, source: String) throws {
        var statements: [String: String] = [:]
        var current: String?
        var body: [Substring] = []
        func flush() {
            if let current { statements[current] = body.joined(separator: "\n") }
            body = []
        }
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.drop { $0 == " " }
            if trimmed.hasPrefix("-- name:") {
                flush()
                let name = trimmed.dropFirst("-- name:".count).trimmingSpaces
                guard !name.isEmpty, statements[name] == nil else {
                    throw LiveError.usage("\(source):\(number + 1): a `-- name:` line needs a new statement name")
                }
                // A name live mode never runs is a misspelling (its statement would be ignored).
                guard Self.required.contains(name) else {
                    throw LiveError.usage("\(source):\(number + 1): no statement of live mode is named \(name) "
                                          + "(the names are those of `simrun live sql`)")
                }
                current = name
            } else if trimmed.hasPrefix("--") {
                continue
            } else {
                body.append(line)
            }
        }
        flush()
        let missing = Self.required.filter { (statements[$0] ?? "").trimmingSpaces.isEmpty }
        guard missing.isEmpty else {
            throw LiveError.usage("\(source): no statement named \(missing.joined(separator: ", ")) "
                                  + "(each starts with a `-- name: NAME` line; see `simrun live sql`)")
        }
        self.statements = statements
        self.source = source
    }

    /// The built-in statements (``QueueSQL``); with `asDeployed`, the inert uuid join.
    public static func builtIn(asDeployed: Bool = false) throws -> SQLStatements {
        try SQLStatements(text: builtInText(asDeployed: asDeployed),
                          source: asDeployed ? "built-in SQL (as deployed)" : "built-in SQL")
    }

    public static func builtInText(asDeployed: Bool = false) -> String {
        (asDeployed ? QueueSQL.asDeployed : QueueSQL.text) + "\n"
    }

    /// The statement `name` split at `;` line ends (the schema is several statements).
    func parts(_ name: String) -> [String] {
        (statements[name] ?? "").split(separator: ";\n").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
    }

    /// The statement `name` with `{key}` expanded for `columns` and every `:param` replaced by
    /// its escaped value. An unbound parameter is an error naming the statement.
    func render(_ name: String, _ values: [String: SQLValue], key columns: [String] = [],
                escape: (String) -> String) throws -> String {
        var sql = statements[name] ?? ""
        let key = columns.map { "AND co.\($0) = :key_\($0)" }.joined(separator: " ")
        sql = sql.replacing("{key}", with: key)
        return try Self.bind(sql, values, statement: name, source: source, escape: escape)
    }

    static func bind(_ sql: String, _ values: [String: SQLValue], statement: String, source: String,
                     escape: (String) -> String) throws -> String {
        var out = ""
        var quote: Character?
        var index = sql.startIndex
        while index < sql.endIndex {
            let character = sql[index]
            if let open = quote {
                out.append(character)
                if character == open { quote = nil }
                index = sql.index(after: index)
                continue
            }
            if character == "'" || character == "\"" || character == "`" {
                quote = character
                out.append(character)
                index = sql.index(after: index)
                continue
            }
            let next = sql.index(after: index)
            if character == ":", next < sql.endIndex, sql[next].isLetter || sql[next] == "_" {
                var end = next
                while end < sql.endIndex, sql[end].isLetter || sql[end].isNumber || sql[end] == "_" {
                    end = sql.index(after: end)
                }
                let name = String(sql[next..<end])
                guard let value = values[name] else {
                    throw LiveError.usage("\(source): statement \(statement) uses :\(name), which live mode does not bind")
                }
                out += literal(value, escape: escape)
                index = end
                continue
            }
            out.append(character)
            index = next
        }
        return out
    }

    static func literal(_ value: SQLValue, escape: (String) -> String) -> String {
        switch value {
        case .text(let text): return "'\(escape(text))'"
        case .int(let number): return String(number)
        case .number(let number): return number.isFinite ? "\(number)" : "NULL"
        case .null: return "NULL"
        case .list(let values):
            return values.isEmpty ? "NULL" : values.map { literal($0, escape: escape) }.joined(separator: ", ")
        }
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and newlines.
    var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
