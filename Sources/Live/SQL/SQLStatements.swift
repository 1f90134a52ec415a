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
/// live mode runs must be there, and use only the parameters live mode binds to it.
public struct SQLStatements: Sendable {
    /// Every statement live mode runs, in the file's order, and the parameters every run of
    /// it binds (nil: run as written, unbound: `schema` and `reset`, split at `;` line ends).
    /// A statement may use these and no others: one run from several places (`event`,
    /// `set_state`, `insert_row`, `delete_row`, `mark_claimed`) lists what all of them bind.
    /// `{key}` expands to `:key_COLUMN` parameters, which are bound with it. The call sites
    /// are in `MariaDBConnection` and `LiveStore`; `LiveSQLFileRunTests` runs a file whose statements
    /// use every parameter listed here.
    static let binds: [(name: String, parameters: [String]?)] = [
        ("schema", nil), ("reset", nil), ("now", []),
        ("insert_op", opParameters), ("insert_state", opParameters),
        ("insert_row", ["queue", "delay", "payload", "state_uuid", "uuid"]),
        ("load_op", ["uuid", "state_uuid"]),
        ("set_state", ["state", "state_uuid", "message"]),
        ("requeue_state", ["queue", "delay", "payload", "state_uuid", "id", "uuid", "event"]),
        ("claim", ["queues", "limit", "claimer"]),
        ("claim_bounded_staleness", ["queues", "limit", "claimer", "after"]),
        ("dequeue_one", ["queue", "claimer"]),
        ("mark_claimed", ["claimer", "ids"]),
        ("delete_row", ["id"]),
        ("reap_select", ["claim_timeout"]),
        ("release_rows", ["ids"]),
        ("release_claims_select", ["queues", "prefix"]),
        ("release_all", []),
        ("requeue_executing", ["state_uuids"]),
        ("depth", ["queues"]),
        ("has_pending_op", ["network_uuid"]),
        ("recent_outcomes", ["network_uuid"]),
        ("find_pending", ["type", "task", "priority_rank"]),
        ("fold_select", ["type", "tasks", "survivor"]),
        ("fold_update", ["type", "tasks", "survivor", "state_uuids"]),
        ("event", ["uuid", "event"]),
        ("counters", []), ("quiet", []),
    ]

    /// What creating an op binds to its `insert_op` and `insert_state`.
    static let opParameters = ["uuid", "type", "node_uuid", "instance_uuid", "network_uuid", "priority",
                               "metadata", "state_uuid", "queue", "delay", "payload"]

    static let required = binds.map(\.name)

    private let statements: [String: String]
    /// Where the statements came from (a file name, or `built-in`).
    public let source: String

    public init(text: String, source: String) throws {
        var statements: [String: String] = [:]
        var current: String?
        var body: [Substring] = []
        // The file's line number of each line of `body`, to name where a parameter is.
        var numbers: [Int] = []
        func flush() throws {
            defer { body = []; numbers = [] }
            guard let current else { return }
            let sql = body.joined(separator: "\n")
            try Self.checkParameters(sql, statement: current, lines: numbers, source: source)
            statements[current] = sql
        }
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.drop { $0 == " " }
            if trimmed.hasPrefix("-- name:") {
                try flush()
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
                numbers.append(number + 1)
            }
        }
        try flush()
        let missing = Self.required.filter { (statements[$0] ?? "").trimmingSpaces.isEmpty }
        guard missing.isEmpty else {
            throw LiveError.usage("\(source): no statement named \(missing.joined(separator: ", ")) "
                                  + "(each starts with a `-- name: NAME` line; see `simrun live sql`)")
        }
        self.statements = statements
        self.source = source
    }

    /// Refuses a parameter of `statement` that live mode does not bind to it, before anything
    /// runs (found at the statement's first run, it ended a daemon mid-run). `lines` are the
    /// file's line numbers of the lines of `sql`.
    private static func checkParameters(_ sql: String, statement: String, lines: [Int], source: String) throws {
        guard let bound = binds.first(where: { $0.name == statement })?.parameters else { return }
        for (name, range) in parameters(in: sql) where !bound.contains(name) {
            let line = sql[..<range.lowerBound].reduce(0) { $1 == "\n" ? $0 + 1 : $0 }
            let at = line < lines.count ? "\(source):\(lines[line])" : source
            let offered = bound.isEmpty ? "none" : bound.map { ":\($0)" }.joined(separator: ", ")
            throw LiveError.usage("\(at): statement \(statement) uses :\(name), which live mode does not bind "
                                  + "to it (it binds \(offered))")
        }
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
        var copied = sql.startIndex
        for (name, range) in parameters(in: sql) {
            guard let value = values[name] else {
                throw LiveError.usage("\(source): statement \(statement) uses :\(name), which live mode does not bind")
            }
            out += sql[copied..<range.lowerBound]
            out += literal(value, escape: escape)
            copied = range.upperBound
        }
        out += sql[copied...]
        return out
    }

    /// The `:name` parameters of `sql` and where each is (its colon and name), in order;
    /// none inside quotes (`'...'`, `"..."`, `` `...` ``).
    static func parameters(in sql: String) -> [(name: String, range: Range<String.Index>)] {
        var found: [(name: String, range: Range<String.Index>)] = []
        var quote: Character?
        var index = sql.startIndex
        while index < sql.endIndex {
            let character = sql[index]
            let next = sql.index(after: index)
            if let open = quote {
                if character == open { quote = nil }
                index = next
                continue
            }
            if character == "'" || character == "\"" || character == "`" {
                quote = character
            } else if character == ":", next < sql.endIndex, sql[next].isLetter || sql[next] == "_" {
                var end = next
                while end < sql.endIndex, sql[end].isLetter || sql[end].isNumber || sql[end] == "_" {
                    end = sql.index(after: end)
                }
                found.append((String(sql[next..<end]), index..<end))
                index = end
                continue
            }
            index = next
        }
        return found
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
