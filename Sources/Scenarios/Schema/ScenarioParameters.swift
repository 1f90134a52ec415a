import Yams

/// `parameters:` at the top of a scenario: named values that the rest of the file uses as
/// `${name}`, so one knob (a CI job's test cadence, say) can be changed in one place, on the
/// command line (`--set parameters.cadence=12s`) or across a sweep.
///
/// A scalar that is exactly `${name}` becomes the parameter's value, whatever its type (a
/// duration, a number, a list); `${name}` inside a longer scalar is replaced by the value's
/// text (the value must then be a scalar). Values are substituted before the schema reads the
/// file, so a bad value is reported like any other, at the key that uses it.
enum ScenarioParameters {
    /// The document with every `${name}` replaced; unknown names are errors at their key.
    static func substitute(_ document: YAMLDocument) throws(ScenarioError) -> YAMLDocument {
        guard case .mapping(var top) = document.root.node,
              let index = top.firstIndex(where: { $0.key.string == "parameters" }) else { return document }
        let parametersNode = YAMLNode(node: top[index].value, path: YAMLPath.root.appending(key: "parameters"),
                                      file: document.file, line: top[index].key.mark?.line,
                                      settings: document.root.settings)
        var values: [(name: String, value: Node)] = []
        let entries = try parametersNode.entries()
        for entry in entries {
            guard isName(entry.key) else {
                throw ScenarioError(file: document.file, line: entry.keyLine, keyPath: "parameters",
                                    message: "expected a parameter name of letters, digits and _, got \(quoted(entry.key))")
            }
            guard entry.value.kind != .null else { throw entry.value.expected("a value") }
            values.append((entry.key, entry.value.node))
        }
        var used: Set<String> = []
        for position in top.indices where position != index {
            let key = top[position].key.string ?? ""
            top[position].value = try substitute(top[position].value, values, path: YAMLPath.root.appending(key: key),
                                                 file: document.file, used: &used)
        }
        // A parameter nothing uses is a mistake: a misspelt name (in the file, or created by
        // `--set parameters.NAME=...`, which would otherwise change nothing) or a leftover.
        for entry in entries where !used.contains(entry.key) {
            let hint = nearestSpelling(to: entry.key, among: values.map(\.name).filter { used.contains($0) })
                .map { "; did you mean \(quoted($0))?" } ?? ""
            throw entry.value.error("no ${\(entry.key)} in the file uses this parameter\(hint)")
        }
        return YAMLDocument(file: document.file, root: YAMLNode(node: .mapping(top), path: .root, file: document.file,
                                                                settings: document.root.settings))
    }

    private static func substitute(_ node: Node, _ values: [(name: String, value: Node)], path: YAMLPath,
                                   file: String, used: inout Set<String>) throws(ScenarioError) -> Node {
        switch node {
        case .scalar(let scalar):
            guard scalar.string.contains("${") else { return node }
            return try replace(scalar, values, path: path, file: file, used: &used)
        case .mapping(var mapping):
            for position in mapping.indices {
                let key = mapping[position].key.string ?? ""
                mapping[position].value = try substitute(mapping[position].value, values,
                                                         path: path.appending(key: key), file: file, used: &used)
            }
            return .mapping(mapping)
        case .sequence(var sequence):
            for position in sequence.indices {
                sequence[position] = try substitute(sequence[position], values, path: path.appending(index: position),
                                                    file: file, used: &used)
            }
            return .sequence(sequence)
        case .alias:
            return node
        }
    }

    private static func replace(_ scalar: Node.Scalar, _ values: [(name: String, value: Node)], path: YAMLPath,
                                file: String, used: inout Set<String>) throws(ScenarioError) -> Node {
        func fail(_ message: String) -> ScenarioError {
            ScenarioError(file: file, line: scalar.mark?.line, keyPath: path.description, message: message)
        }
        func lookup(_ name: String) throws(ScenarioError) -> Node {
            guard let found = values.first(where: { $0.name == name }) else {
                let declared = values.isEmpty ? "none are declared" : "declared: " + values.map(\.name).joined(separator: ", ")
                throw fail("unknown parameter \(quoted(name)) (\(declared); declare it under parameters)")
            }
            used.insert(name)
            return found.value
        }
        let text = scalar.string
        if text.hasPrefix("${"), text.hasSuffix("}"), text.dropFirst(2).dropLast().allSatisfy({ isNameCharacter($0) }) {
            var value = try lookup(String(text.dropFirst(2).dropLast()))
            // Errors in the value point at the key that uses it.
            value.setMark(scalar.mark)
            return value
        }
        var result = ""
        var rest = Substring(text)
        while let open = rest.range(of: "${") {
            result += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
                throw fail("expected ${name} with a closing brace, got \(quoted(text))")
            }
            let name = String(rest[open.upperBound..<close])
            guard case .scalar(let value) = try lookup(name) else {
                throw fail("parameter \(quoted(name)) is not a single value, so it cannot be part of \(quoted(text))")
            }
            result += value.string
            rest = rest[rest.index(after: close)...]
        }
        result += rest
        return .scalar(Node.Scalar(result, scalar.tag, scalar.style, scalar.mark))
    }

    private static func isName(_ text: String) -> Bool {
        !text.isEmpty && text.allSatisfy(isNameCharacter)
    }

    private static func isNameCharacter(_ character: Character) -> Bool {
        character == "_" || character.isASCII && (character.isLetter || character.isNumber)
    }
}

private extension Node {
    /// Moves the node (not its children) to `mark`.
    mutating func setMark(_ mark: Mark?) {
        switch self {
        case .scalar(var scalar): scalar.mark = mark; self = .scalar(scalar)
        case .mapping(var mapping): mapping.mark = mark; self = .mapping(mapping)
        case .sequence(var sequence): sequence.mark = mark; self = .sequence(sequence)
        case .alias: break
        }
    }
}
