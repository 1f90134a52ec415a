import Yams

/// A cursor on one node of a ``YAMLDocument``: the node, its key path and its file, so every
/// accessor can report a ``ScenarioError`` that names `FILE:LINE: KEYPATH`.
///
/// Scalars are read from the text the user wrote, whether or not it was quoted: `"0.5s"` and
/// `0.5s` are the same duration, `"42"` and `42` the same integer. A plain empty value, `~` or
/// `null` is a null node; accessors reject it unless the schema checks ``isNull`` first.
///
/// Usage, on top of ``YAMLMapping``:
/// ```swift
/// let top = try document.root.mapping(allowedKeys: ["name", "seed", "time_limit"])
/// let seed = try top.required("seed").uint64()
/// let limit = try top.optional("time_limit")?.positiveDuration() ?? .seconds(900)
/// ```
public struct YAMLNode {
    /// The shape of a node, for schemas that accept more than one form.
    public enum Kind: Sendable, Equatable {
        case scalar, mapping, sequence, null
    }

    /// The Yams node underneath, for needs this reader does not cover.
    public let node: Node
    /// Where this node sits in the document.
    public let path: YAMLPath
    /// The file name used in errors.
    public let file: String
    /// The 1-based line reported for this node; a mapping value reports its key's line. Nil
    /// for a value set on the command line.
    public let line: Int?
    /// The command-line settings applied to the document (``YAMLSetting``), usually none.
    public let settings: [YAMLSetting]

    public init(node: Node, path: YAMLPath, file: String, line: Int? = nil, settings: [YAMLSetting] = []) {
        self.node = node
        self.path = path
        self.file = file
        self.settings = settings
        let setting = settings.last { path.isWithin($0.path) }
        self.line = setting == nil ? line ?? node.mark?.line : nil
    }

    /// The command-line setting this node's value comes from, if any (the last that covers it).
    public var setting: YAMLSetting? { settings.last { path.isWithin($0.path) } }

    /// A child of this node, carrying the document's settings.
    private func child(_ node: Node, _ path: YAMLPath, line: Int? = nil) -> YAMLNode {
        YAMLNode(node: node, path: path, file: file, line: line, settings: settings)
    }

    /// Scalar, mapping, list, or null (an unquoted empty value, `~` or `null`).
    public var kind: Kind {
        switch node {
        case .scalar(let scalar):
            return scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
                ? .null : .scalar
        case .mapping: return .mapping
        case .sequence: return .sequence
        case .alias: return .null  // Yams resolves aliases while composing; never seen here.
        }
    }

    /// True for an empty value, `~` or `null` written without quotes.
    public var isNull: Bool { kind == .null }

    /// The text of a scalar exactly as written (without quotes), or nil for a mapping or list.
    /// A null node gives its text too (`""`, `~` or `null`).
    public var rawScalar: String? {
        if case .scalar(let scalar) = node { return scalar.string }
        return nil
    }

    // MARK: Errors

    /// An error at this node with `message`, for checks the schema makes itself
    /// (e.g. `throw node.error("must be shorter than time_limit")`).
    public func error(_ message: String) -> ScenarioError {
        Self.error(message, file: file, line: line, path: path, setting: setting)
    }

    /// An error at `path`; a value set on the command line says so.
    static func error(_ message: String, file: String, line: Int?, path: YAMLPath, setting: YAMLSetting?) -> ScenarioError {
        guard let setting else { return ScenarioError(file: file, line: line, keyPath: path.description, message: message) }
        return ScenarioError(file: file, keyPath: path.description,
                             message: "\(message) (set on the command line: \(setting.flag) \(setting.text))",
                             fromCommandLine: true)
    }

    /// `expected <what>, got <what is here>`.
    public func expected(_ what: String) -> ScenarioError {
        error("expected \(what), got \(found)")
    }

    /// What this node is, for messages: the quoted scalar, `a mapping`, `a list`,
    /// `an empty value` or `null`.
    public var found: String {
        switch kind {
        case .scalar: return quoted(rawScalar ?? "")
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .null: return rawScalar?.isEmpty ?? true ? "an empty value" : "null"
        }
    }

    /// The scalar's text if this is a non-null scalar; otherwise `expected <what>, got ...`.
    func scalarText(expecting what: String) throws(ScenarioError) -> String {
        guard kind == .scalar, let text = rawScalar else { throw expected(what) }
        return text
    }

    // MARK: Scalars

    /// Any non-null scalar, as written (`name: 42` gives `"42"`). Quote `"null"` or `""` to get
    /// those strings.
    public func string() throws(ScenarioError) -> String {
        try scalarText(expecting: "a string")
    }

    /// A name (of a network, an instance): a string that is not empty.
    public func name() throws(ScenarioError) -> String {
        let text = try scalarText(expecting: "a name")
        guard !text.isEmpty else { throw expected("a name") }
        return text
    }

    /// A decimal integer with optional sign and `_` between digits (`1_000`), fitting in `Int`.
    public func int() throws(ScenarioError) -> Int {
        try int(between: Int.min, and: Int.max, expecting: "an integer")
    }

    /// A decimal integer within `range`, e.g. `int(in: 1...64)`.
    public func int(in range: ClosedRange<Int>) throws(ScenarioError) -> Int {
        try int(between: range.lowerBound, and: range.upperBound,
                expecting: "an integer from \(range.lowerBound) to \(range.upperBound)")
    }

    /// A decimal integer of at least `range.lowerBound`, e.g. `int(in: 1...)`.
    public func int(in range: PartialRangeFrom<Int>) throws(ScenarioError) -> Int {
        try int(between: range.lowerBound, and: Int.max, expecting: "an integer >= \(range.lowerBound)")
    }

    private func int(between low: Int, and high: Int, expecting what: String) throws(ScenarioError) -> Int {
        let text = try scalarText(expecting: what)
        guard let digits = integerDigits(text) else { throw expected(what) }
        guard let value = Int(digits), value >= low, value <= high else { throw expected(what) }
        return value
    }

    /// A non-negative integer up to 2^64-1, decimal or `0x` hexadecimal (random seeds).
    public func uint64() throws(ScenarioError) -> UInt64 {
        let what = "an integer from 0 to \(UInt64.max)"
        let text = try scalarText(expecting: what)
        let value: UInt64?
        if text.hasPrefix("0x") || text.hasPrefix("0X") {
            let hex = text.dropFirst(2).filter { $0 != "_" }
            value = hex.isEmpty || text.hasSuffix("_") ? nil : UInt64(hex, radix: 16)
        } else {
            value = integerDigits(text).flatMap { UInt64($0) }
        }
        guard let value else { throw expected(what) }
        return value
    }

    /// A finite decimal number (`3`, `-0.5`, `1e-3`); rejects `.inf`, `.nan` and overflow.
    public func double() throws(ScenarioError) -> Double {
        try double(expecting: "a finite number") { _ in true }
    }

    /// A finite number within `range`, e.g. `double(in: 0...1)` for a probability.
    public func double(in range: ClosedRange<Double>) throws(ScenarioError) -> Double {
        try double(expecting: "a number from \(plain(range.lowerBound)) to \(plain(range.upperBound))") {
            range.contains($0)
        }
    }

    /// A finite number of at least `range.lowerBound`, e.g. `double(in: 0...)`.
    public func double(in range: PartialRangeFrom<Double>) throws(ScenarioError) -> Double {
        try double(expecting: "a number >= \(plain(range.lowerBound))") { range.contains($0) }
    }

    private func double(expecting what: String, _ accept: (Double) -> Bool) throws(ScenarioError) -> Double {
        let text = try scalarText(expecting: what)
        guard isDecimalNumber(text), let value = Double(text), value.isFinite, accept(value) else {
            throw expected(what)
        }
        return value
    }

    /// `true` or `false` (also `True`/`TRUE`/`False`/`FALSE`); YAML 1.1's `yes`, `on` and the
    /// like are rejected because they are too easy to write by accident.
    public func bool() throws(ScenarioError) -> Bool {
        let what = "true or false"
        switch try scalarText(expecting: what) {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default: throw expected(what)
        }
    }

    /// One of `allowed`, spelled exactly; a near miss gets a `did you mean` hint.
    public func enumValue(_ allowed: [String]) throws(ScenarioError) -> String {
        let what = "one of: \(allowed.joined(separator: ", "))"
        let text = try scalarText(expecting: what)
        guard allowed.contains(text) else {
            var message = "expected \(what); got \(found)"
            if let suggestion = nearestSpelling(to: text, among: allowed) {
                message += "; did you mean \(quoted(suggestion))?"
            }
            throw error(message)
        }
        return text
    }

    /// A case of a string-backed enum, by raw value, e.g. `enumValue(QueueOrder.self)`.
    public func enumValue<Value: RawRepresentable & CaseIterable>(
        _ type: Value.Type
    ) throws(ScenarioError) -> Value where Value.RawValue == String {
        let text = try enumValue(Value.allCases.map(\.rawValue))
        guard let value = Value(rawValue: text) else { throw expected("a \(Value.self)") }
        return value
    }

    // MARK: Lists

    /// The items of a list, each with its indexed path (`workload[2]`).
    public func elements() throws(ScenarioError) -> [YAMLNode] {
        guard case .sequence(let sequence) = node else { throw expected("a list") }
        return sequence.enumerated().map { index, item in
            child(item, path.appending(index: index))
        }
    }

    /// Each item of a list read with `read`, e.g. `try node.list { try $0.duration() }`.
    ///
    /// Not typed-throws so that the closure needs no annotation (Swift 6 infers `any Error`
    /// for closure bodies). It throws a ``ScenarioError`` for a non-list and otherwise
    /// whatever `read` throws.
    public func list<Element>(of read: (YAMLNode) throws -> Element) throws -> [Element] {
        try elements().map(read)
    }

    // MARK: Mappings

    /// The key/value pairs of a mapping with any keys, in file order (for named variants such
    /// as `queues: {cluster: ..., node-1: ...}`). Keys must be scalars.
    public func entries() throws(ScenarioError) -> [YAMLEntry] {
        guard case .mapping(let mapping) = node else { throw expected("a mapping") }
        var result: [YAMLEntry] = []
        for (keyNode, valueNode) in mapping {
            let keyLine = keyNode.mark?.line
            guard case .scalar(let scalar) = keyNode else {
                let shape = YAMLNode(node: keyNode, path: path, file: file).found
                throw Self.error("expected a plain key, got \(shape) as a key", file: file, line: keyLine, path: path,
                                 setting: setting)
            }
            let key = scalar.string
            // The key's line, not the value's: a block value starts on the next line, and an
            // empty value has no position of its own.
            let value = child(valueNode, path.appending(key: key), line: keyLine)
            result.append(YAMLEntry(key: key, keyLine: keyLine, value: value))
        }
        return result
    }

    /// A mapping whose keys must all be in `allowedKeys`. The first unknown key in file order
    /// is reported with the list of allowed keys and, for a near miss, `did you mean`.
    public func mapping(allowedKeys: [String]) throws(ScenarioError) -> YAMLMapping {
        let entries = try entries()
        for entry in entries where !allowedKeys.contains(entry.key) {
            var message = "unknown key \(quoted(entry.key)) (expected one of: \(allowedKeys.joined(separator: ", ")))"
            if let suggestion = nearestSpelling(to: entry.key, among: allowedKeys) {
                message += "; did you mean \(quoted(suggestion))?"
            }
            // A key without a line was created by a setting that reaches through it.
            let created = entry.keyLine == nil ? settings.last { $0.path.isWithin(entry.value.path) } : nil
            throw Self.error(message, file: file, line: entry.keyLine, path: path,
                             setting: entry.value.setting ?? created)
        }
        return YAMLMapping(node: self, entries: entries, allowedKeys: allowedKeys)
    }
}

/// One key and its value, from ``YAMLNode/entries()``.
public struct YAMLEntry {
    public let key: String
    /// Line of the key itself.
    public let keyLine: Int?
    public let value: YAMLNode
}

/// Strips `_` separators from `[+-]?digits(_digits)*`; nil if `text` is not that.
private func integerDigits(_ text: String) -> String? {
    var body = Substring(text)
    var sign = ""
    if let first = body.first, first == "-" || first == "+" {
        sign = first == "-" ? "-" : ""
        body = body.dropFirst()
    }
    guard let first = body.first, let last = body.last, first.isASCII, first.isNumber,
          last.isASCII, last.isNumber,
          body.allSatisfy({ ($0.isASCII && $0.isNumber) || $0 == "_" }),
          !body.contains("__") else { return nil }
    return sign + body.filter { $0 != "_" }
}

/// `[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?` — no `inf`, `nan` or hex.
private func isDecimalNumber(_ text: String) -> Bool {
    guard let (_, rest) = DecimalText.prefix(of: text) else { return false }
    if rest.isEmpty { return true }
    var exponent = rest.dropFirst()
    guard rest.first == "e" || rest.first == "E" else { return false }
    if exponent.first == "+" || exponent.first == "-" { exponent = exponent.dropFirst() }
    return !exponent.isEmpty && exponent.allSatisfy { $0.isASCII && $0.isNumber }
}

/// `1` rather than `1.0` in messages about whole-number bounds.
func plain(_ value: Double) -> String {
    if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    return String(value)
}
