/// A position inside a YAML document, rendered as `workload[2].instance_start.node`.
///
/// Keys that are not plain identifiers (letters, digits, `_`, `-`) are rendered in brackets
/// and quoted, e.g. `queues["a.b"]`, so every rendered path is unambiguous.
public struct YAMLPath: Hashable, Sendable, CustomStringConvertible {
    public enum Component: Hashable, Sendable {
        case key(String)
        case index(Int)
    }

    public private(set) var components: [Component]

    public init(_ components: [Component] = []) { self.components = components }

    /// The document root; renders as the empty string.
    public static let root = YAMLPath()

    public func appending(key: String) -> YAMLPath { YAMLPath(components + [.key(key)]) }
    public func appending(index: Int) -> YAMLPath { YAMLPath(components + [.index(index)]) }

    public var description: String {
        var text = ""
        for component in components {
            switch component {
            case .key(let key) where YAMLPath.isPlain(key):
                text += text.isEmpty ? key : ".\(key)"
            case .key(let key):
                text += "[\(quoted(key))]"
            case .index(let index):
                text += "[\(index)]"
            }
        }
        return text
    }

    private static func isPlain(_ key: String) -> Bool {
        !key.isEmpty && key.unicodeScalars.allSatisfy(isPlainScalar)
    }

    /// A letter, digit, `_` or `-`: what a key rendered without brackets is made of.
    static func isPlainScalar(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "_" || scalar == "-" || ("a"..."z").contains(scalar)
            || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }
}
