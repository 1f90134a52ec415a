import Yams

/// A value for one key path of a scenario file, given on the command line (`--set
/// 'workload[3].at=8s'`, or one point of a sweep's `--grid`). It patches the parsed
/// YAML tree before the scenario is read, so every key of the format can be set, and the
/// scenario parser checks the value as it checks the file's own. Errors in a set value name the
/// key path and say it came from the command line.
///
/// The value is YAML: `30s`, `[1, 2]` and `{policy: drr, weights: {background: 1}}` all work.
/// Keys that do not exist are created (with mappings on the way), but not variants, which a
/// key path under `variants.NAME` only changes; list items must exist.
public struct YAMLSetting: Sendable, Equatable {
    public let path: YAMLPath
    /// The value as written.
    public let value: String
    /// The option that gave it (`--set`, or a sweep's `--grid` or compare's `--vary`), for
    /// messages.
    public let flag: String

    /// `KEY=VALUE` as the command line gives it.
    public var text: String { "\(path)=\(value)" }

    /// Reads `KEY=VALUE`; the key path is `a.b[2].c` (a key that is not a plain word is
    /// written `["a.b"]`).
    public static func parse(_ argument: String) throws(CommandLineError) -> YAMLSetting {
        guard let equals = argument.firstIndex(of: "=") else {
            throw CommandLineError("--set \(quoted(argument)): expected KEY=VALUE (e.g. fairness.after=30s)")
        }
        return try YAMLSetting(path: String(argument[..<equals]), value: String(argument[argument.index(after: equals)...]))
    }

    /// A value for the key path `path` (as written on the command line), given by `flag`.
    public init(path: String, value: String, flag: String = "--set") throws(CommandLineError) {
        self.path = try YAMLPath.parse(path)
        guard !value.isEmpty else {
            throw CommandLineError("\(flag) \(path)=: expected a value after \"=\"")
        }
        self.value = value
        self.flag = flag
        _ = try node(named: "\(flag) \(path)")
    }

    /// The value as a YAML node.
    func node(named what: String) throws(CommandLineError) -> Node {
        let parsed: Node?
        do {
            parsed = try Yams.compose(yaml: value)
        } catch {
            throw CommandLineError("\(what)=\(value): the value is not valid YAML")
        }
        guard let parsed else { throw CommandLineError("\(what)=\(value): expected a value") }
        return parsed
    }
}

/// A mistake on the command line (exit status 64), as one line.
public struct CommandLineError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension YAMLPath {
    /// Reads a key path as ``description`` renders it: `workload[3].repeat.every`,
    /// `variants["a.b"].era`.
    public static func parse(_ text: String) throws(CommandLineError) -> YAMLPath {
        let bad = { (why: String) in CommandLineError("key path \(quoted(text)): \(why)") }
        var components: [Component] = []
        var rest = Substring(text)
        var needsKey = true
        while !rest.isEmpty {
            if rest.hasPrefix("[") {
                guard let close = rest.firstIndex(of: "]") else { throw bad("a \"[\" without its \"]\"") }
                let inside = rest[rest.index(after: rest.startIndex)..<close]
                if inside.hasPrefix("\""), inside.hasSuffix("\""), inside.count >= 2 {
                    components.append(.key(String(inside.dropFirst().dropLast())))
                } else if let index = Int(inside), index >= 0 {
                    guard !components.isEmpty else { throw bad("a list index needs a key before it") }
                    components.append(.index(index))
                } else {
                    throw bad("expected [N] (a list index) or [\"key\"], got [\(inside)]")
                }
                rest = rest[rest.index(after: close)...]
                needsKey = false
            } else if rest.hasPrefix(".") {
                guard !components.isEmpty, !needsKey else { throw bad("an empty key") }
                rest = rest.dropFirst()
                needsKey = true
                if rest.isEmpty { throw bad("ends with \".\"") }
            } else {
                guard needsKey else { throw bad("expected \".\" or \"[\" after \(YAMLPath(components))") }
                let word = rest.prefix { $0 != "." && $0 != "[" }
                guard word.unicodeScalars.allSatisfy({ YAMLPath.isPlainScalar($0) }) else {
                    throw bad("\(quoted(String(word))) is not a plain key; write it as [\"...\"]")
                }
                components.append(.key(String(word)))
                rest = rest.dropFirst(word.count)
                needsKey = false
            }
        }
        guard !components.isEmpty else { throw bad("expected a key path such as fairness.after") }
        return YAMLPath(components)
    }

    /// True if `self` is `other` or lies under it.
    func isWithin(_ other: YAMLPath) -> Bool {
        components.count >= other.components.count && Array(components.prefix(other.components.count)) == other.components
    }
}

extension YAMLDocument {
    /// This document with `settings` applied in order (a later one wins). Nodes set this way
    /// report errors as coming from the command line.
    public func patched(with settings: [YAMLSetting]) throws(ScenarioError) -> YAMLDocument {
        guard !settings.isEmpty else { return self }
        var tree = root.node
        for setting in settings {
            let value: Node
            do {
                value = try setting.node(named: "\(setting.flag) \(setting.path)")
            } catch {
                throw ScenarioError(file: file, keyPath: setting.path.description, message: error.message,
                                    fromCommandLine: true)
            }
            tree = try Self.set(value, at: setting.path.components[...], in: tree, setting: setting, file: file)
        }
        return YAMLDocument(file: file, root: YAMLNode(node: tree, path: .root, file: file, settings: settings))
    }

    private static func set(_ value: Node, at components: ArraySlice<YAMLPath.Component>, in node: Node,
                            setting: YAMLSetting, file: String) throws(ScenarioError) -> Node {
        guard let head = components.first else { return value }
        let rest = components.dropFirst()
        let here = YAMLPath(Array(setting.path.components.prefix(setting.path.components.count - components.count)))
        // Worded as every error in a set value is, naming the option that gave it.
        func failure(_ message: String) -> ScenarioError {
            YAMLNode.error(message, file: file, line: nil, path: setting.path, setting: setting)
        }
        let shape = YAMLNode(node: node, path: here, file: "").kind
        switch head {
        case .key(let key):
            var pairs: [(Node, Node)] = []
            switch node {
            case .mapping(let mapping): pairs = Array(mapping).map { ($0.key, $0.value) }
            case _ where shape == .null: pairs = []
            default:
                throw failure("\(here.description.isEmpty ? "the document" : here.description) is not a mapping, so it has no key \(quoted(key))")
            }
            if let index = pairs.firstIndex(where: { $0.0.scalar?.string == key }) {
                pairs[index].1 = try set(value, at: rest, in: pairs[index].1, setting: setting, file: file)
            } else {
                if case .index = rest.first {
                    throw failure("\(here.appending(key: key)) does not exist, so it has no list items")
                }
                // A variant made by a key path is most often a misspelt one: the run leaves the
                // variant meant unchanged and does not run the new one unless asked.
                if here == YAMLPath([.key("variants")]), !rest.isEmpty {
                    let names = pairs.compactMap { $0.0.scalar?.string }
                    throw failure("the scenario has no variant \(quoted(key))"
                                  + (names.isEmpty ? "" : " (it has \(names.joined(separator: ", ")))")
                                  + "; a key path changes a variant, it does not add one (set variants.NAME={...} to add one)")
                }
                pairs.append((Node(key), try set(value, at: rest, in: .mapping(Node.Mapping([])), setting: setting,
                                                 file: file)))
            }
            if case .mapping(let mapping) = node {
                return .mapping(Node.Mapping(pairs, mapping.tag, mapping.style, mapping.mark))
            }
            return .mapping(Node.Mapping(pairs))
        case .index(let index):
            guard case .sequence(var sequence) = node else {
                throw failure("\(here) is not a list, so it has no item [\(index)]")
            }
            guard index < sequence.count else {
                throw failure("\(here) has \(sequence.count) item\(sequence.count == 1 ? "" : "s"), so there is no [\(index)]")
            }
            sequence[index] = try set(value, at: rest, in: sequence[index], setting: setting, file: file)
            return .sequence(sequence)
        }
    }
}
