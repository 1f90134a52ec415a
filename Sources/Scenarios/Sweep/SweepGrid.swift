/// The axes of a sweep: each a scenario key path and the values it takes (`--grid
/// 'fairness.after=10s,30s,60s'`). The points are the cross product, the first axis varying
/// slowest, and each point is a list of ``YAMLSetting``s patched into the scenario file.
public struct SweepGrid: Sendable, Equatable {
    public struct Axis: Sendable, Equatable {
        public let path: YAMLPath
        /// The values as written (each is YAML).
        public let values: [String]
        /// The option that gave the axis, for messages.
        public let flag: String

        public init(path: YAMLPath, values: [String], flag: String = "--grid") {
            self.path = path
            self.values = values
            self.flag = flag
        }

        /// Reads `KEY=V1,V2,...`. Commas inside brackets, braces or quotes belong to a value,
        /// so `workload[0].op.network=[a, b],[c]` has two values.
        /// `flag` is the option that gave it (`--grid`, or compare's `--vary`), for messages.
        public static func parse(_ argument: String, flag: String = "--grid") throws(CommandLineError) -> Axis {
            guard let equals = argument.firstIndex(of: "=") else {
                throw CommandLineError("\(flag) \(quoted(argument)): expected KEY=V1,V2,... (e.g. fairness.after=10s,30s,60s)")
            }
            let key = String(argument[..<equals])
            let path = try YAMLPath.parse(key)
            let values = splitTopLevel(String(argument[argument.index(after: equals)...]))
            guard !values.isEmpty, !values.contains(where: \.isEmpty) else {
                throw CommandLineError("\(flag) \(key)=...: expected values separated by commas, none of them empty")
            }
            guard Set(values).count == values.count else {
                throw CommandLineError("\(flag) \(key)=...: a value is listed twice")
            }
            for value in values { _ = try YAMLSetting(path: key, value: value, flag: flag) }
            return Axis(path: path, values: values, flag: flag)
        }

        static func splitTopLevel(_ text: String) -> [String] {
            var parts: [String] = []
            var current = ""
            var depth = 0
            var quote: Character?
            for character in text {
                if let open = quote {
                    if character == open { quote = nil }
                } else if character == "\"" || character == "'" {
                    quote = character
                } else if character == "[" || character == "{" {
                    depth += 1
                } else if character == "]" || character == "}" {
                    depth -= 1
                } else if character == ",", depth == 0 {
                    parts.append(current.trimmingSpaces)
                    current = ""
                    continue
                }
                current.append(character)
            }
            parts.append(current.trimmingSpaces)
            return parts
        }
    }

    public let axes: [Axis]

    public init(axes: [Axis]) throws(CommandLineError) {
        for (index, axis) in axes.enumerated() where axes[..<index].contains(where: { $0.path == axis.path }) {
            throw CommandLineError("\(axis.flag) \(axis.path): the key has two \(axis.flag) options")
        }
        // The product counted without overflow, stopping once past the limit.
        var points = 1
        for axis in axes {
            let (product, overflow) = points.multipliedReportingOverflow(by: axis.values.count)
            points = product
            guard !overflow && points <= Self.maxPoints else {
                throw CommandLineError("\(axis.flag): more than \(Self.maxPoints) points; every point's scenario "
                                       + "is read before anything runs (split the grid)")
            }
        }
        self.axes = axes
    }

    /// The most points a grid may have: each point's scenario is read and checked before any
    /// run starts, a few milliseconds each.
    public static let maxPoints = 100_000

    /// Points of the cross product (1 with no axis; at most ``maxPoints``).
    public var count: Int { axes.reduce(1) { $0 * $1.values.count } }

    /// The values of point `index` (one per axis), the first axis varying slowest.
    public func values(ofPoint index: Int) -> [String] {
        var rest = index
        var values: [String] = []
        for axis in axes.reversed() {
            values.append(axis.values[rest % axis.values.count])
            rest /= axis.values.count
        }
        return values.reversed()
    }

    /// The settings that make point `index`.
    public func settings(ofPoint index: Int) throws(CommandLineError) -> [YAMLSetting] {
        var settings: [YAMLSetting] = []
        for (axis, value) in zip(axes, values(ofPoint: index)) {
            settings.append(try YAMLSetting(path: axis.path.description, value: value, flag: axis.flag))
        }
        return settings
    }
}

extension String {
    var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
