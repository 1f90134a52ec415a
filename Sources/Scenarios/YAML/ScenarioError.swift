/// A mistake in a scenario file (or a scenario-like flag), reported as one line.
///
/// `description` is `FILE:LINE: KEYPATH: MESSAGE`; parts that are absent (no line, the
/// document root) are left out together with their separator. Messages say what was expected
/// and what was found, e.g. `expected a duration with a unit (e.g. 0.2s, 150ms, 15m), got "5"`.
///
/// Every accessor of ``YAMLNode`` throws only this type, so a caller that catches it can print
/// `description` and exit non-zero without ever seeing a trap or a stack trace.
public struct ScenarioError: Error, Equatable, Hashable, Sendable, CustomStringConvertible {
    /// The file as the user named it (not resolved), so the message matches what they typed.
    public var file: String
    /// 1-based line of the offending node, when the YAML parser reported one.
    public var line: Int?
    /// Where in the document, e.g. `workload[2].instance_start.node`; empty for the root.
    public var keyPath: String
    /// What was expected and what was found.
    public var message: String
    /// The offending value was given on the command line (`--set`, `--grid`), not in the file:
    /// the command exits with status 64 instead of 2.
    public var fromCommandLine: Bool

    public init(file: String, line: Int? = nil, keyPath: String = "", message: String, fromCommandLine: Bool = false) {
        self.file = file
        self.line = line
        self.keyPath = keyPath
        self.message = message
        self.fromCommandLine = fromCommandLine
    }

    public var description: String {
        var location = file
        if let line { location += ":\(line)" }
        var parts: [String] = []
        if !location.isEmpty { parts.append(location) }
        if !keyPath.isEmpty { parts.append(keyPath) }
        parts.append(message)
        return parts.joined(separator: ": ")
    }
}

/// Renders a scalar the user wrote for a message: quoted, with quotes, backslashes and control
/// characters escaped so the report stays on one line, and shortened when very long.
func quoted(_ text: String) -> String {
    let limit = 60
    var body = ""
    for character in text.prefix(limit) {
        switch character {
        case "\"": body += "\\\""
        case "\\": body += "\\\\"
        case "\n", "\r\n": body += "\\n"
        case "\r": body += "\\r"
        case "\t": body += "\\t"
        default: body.append(character)
        }
    }
    if text.count > limit { body += "..." }
    return "\"\(body)\""
}
