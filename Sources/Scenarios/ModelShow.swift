import Model
import Sim

/// `simrun model show`: every effective setting of a run and where it comes from.
public struct ModelShow: Sendable {
    /// Where one effective value comes from.
    public enum Source: Sendable, Equatable, CustomStringConvertible {
        /// Stated by the model of the real system (docs/model.md, which keeps the model file's
        /// section numbers).
        case sourced(String)
        /// Chosen here, for the reason given.
        case assumed(String)
        /// Written in the scenario (or a variant of it), at `file:line`.
        case scenario(String)
        /// Not written itself, but follows from switches the scenario set (e.g. the dequeue
        /// from `steps`, round trips from `ideal`).
        case derived(String)

        public var kind: String {
            switch self {
            case .sourced: return "sourced"
            case .assumed: return "assumed"
            case .scenario: return "scenario"
            case .derived: return "derived"
            }
        }

        public var detail: String {
            switch self {
            case .sourced(let text), .assumed(let text), .scenario(let text), .derived(let text): return text
            }
        }

        public var description: String { "\(kind): \(detail)" }
    }

    public struct Row: Sendable, Equatable {
        public var key: String
        public var value: String
        public var source: Source
    }

    public var title: String
    public var rows: [Row]

    /// The era defaults, with their sources.
    public static func defaults(era: Era) -> ModelShow {
        let config = ModelConfig.preset(era)
        return ModelShow(title: "era \(era.rawValue) defaults", rows: rows(config, era: era) { _, _ in nil })
    }

    /// The settings of `variant` of `scenario`.
    public static func of(_ scenario: Scenario, variant: Variant) -> ModelShow {
        let era = scenario.era(of: variant)
        let config = scenario.config(for: variant)
        let preset = ModelConfig.preset(era)
        // What this scenario wrote: the variant's overrides and switches win over the top level's.
        var written: [(key: String, at: String)] = []
        func location(_ line: Int?) -> String { line.map { "\(scenario.file):\($0)" } ?? scenario.file }
        for (settings, prefix) in [(variant.settings, "variant \(variant.name), "), (scenario.base, "")] {
            for (key, line) in settings.lines.sorted(by: { $0.key < $1.key }) {
                written.append((key, prefix + location(line)))
            }
            for override in settings.overrides {
                written.append((normalised(override.keyPath), prefix + location(override.line)))
            }
        }
        let switches = written.filter { ["ideal", "steps", "follow_up", "coalescing", "coalescing_sql", "era"]
            .contains($0.key) }.map(\.key)
        let title = "\(scenario.file): variant \(variant.name) (era \(era.rawValue))"
        return ModelShow(title: title, rows: rows(config, era: era) { key, value in
            if let hit = written.first(where: { key == $0.key || key.hasPrefix($0.key + ".") }) {
                return .scenario(hit.at)
            }
            if value != preset.valueForShow(key), !switches.isEmpty {
                return .derived("from " + Array(Set(switches)).sorted().joined(separator: ", "))
            }
            return nil
        })
    }

    /// Rows of `config`; `override` returns the scenario's source of a key, if it set it.
    private static func rows(_ config: ModelConfig, era: Era,
                             override: (String, String) -> Source?) -> [Row] {
        var rows: [Row] = []
        for setting in ModelSetting.catalog {
            let value = setting.value(config)
            rows.append(Row(key: setting.key, value: value,
                            source: override(setting.key, value) ?? source(setting.provenance(era))))
        }
        for task in ModelSetting.taskSettings(config) {
            rows.append(Row(key: task.key, value: task.value,
                            source: override(task.key, task.value) ?? source(task.provenance)))
        }
        return rows
    }

    private static func source(_ provenance: Provenance) -> Source {
        switch provenance {
        case .sourced(let section): return .sourced("model " + section)
        case .assumed(let reason): return .assumed(reason)
        }
    }

    /// An override's key path as the catalog spells it: variant prefixes dropped, old
    /// spellings mapped to their current keys.
    static func normalised(_ keyPath: String) -> String {
        var key = keyPath
        if key.hasPrefix("variants.") {
            let parts = key.split(separator: ".", maxSplits: 2)
            key = parts.count == 3 ? String(parts[2]) : key
        }
        switch key {
        case "overrides.costs.started_event": return "overrides.events.kinds"
        case "overrides.hard_delete_after": return "overrides.hard_delete.after"
        case "overrides.events.append", "overrides.events.write": return "overrides.events.write"
        default: return key
        }
    }

    // MARK: Rendering

    public var table: String {
        var table = TextTable(["setting", "value", "source"], leftAligned: true)
        for row in rows { table.add([row.key, row.value, row.source.description]) }
        return ([title, ""] + table.lines(indent: "")).joined(separator: "\n") + "\n"
    }

    public var json: JSONValue {
        .object([
            ("title", .string(title)),
            ("settings", .array(rows.map { row in
                .object([("key", .string(row.key)), ("value", .string(row.value)),
                         ("source", .string(row.source.kind)), ("detail", .string(row.source.detail))])
            })),
        ])
    }
}

private extension ModelConfig {
    /// The value the catalog shows for `key` (for comparing with a preset).
    func valueForShow(_ key: String) -> String? {
        if let setting = ModelSetting.catalog.first(where: { $0.key == key }) { return setting.value(self) }
        return ModelSetting.taskSettings(self).first { $0.key == key }?.value
    }
}
