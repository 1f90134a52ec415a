import Model
import Sim

/// `simrun analyze`: the `wait_seconds` tables of `simrun run`, rebuilt from an event log in
/// the eventlog shape (docs/eventlog.md), simrun's own or one exported from a real cluster.
///
/// Every `execution duration` record is one execution: its `extra.wait_seconds` is recorded
/// by its `extra.queue_name`, its op type (`object_type`, else `extra.operation_type`) and its
/// tasks (`extra.tasks`, joined with `+` like `run`'s task labels), in the histograms `run`
/// uses; the tables are rendered by `run`'s own code. Since simrun writes wait_seconds to the
/// nanosecond and the histograms record microseconds, the tables of `run --events` and of
/// `analyze` on its log are the same bytes.
///
/// Read a line at a time: memory grows with the number of queues, op types and tasks, not
/// with the file. A record that cannot be used (not JSON, no message, an execution without a
/// readable `wait_seconds` or `queue_name`) is counted by reason and left out; one without
/// its op type or tasks is used under `unknown` and counted. Nothing is fatal but an
/// unreadable file.
public struct EventLogAnalysis: Sendable {
    /// Which group of rows to show beside `all` (nil: every group, as `run` shows).
    public enum Grouping: String, CaseIterable, Sendable {
        case queue, opType = "op_type", task
    }

    /// Why some records were left out or used with a label missing: how many, and the first
    /// line number.
    public struct Problem: Sendable {
        public var reason: String
        public var count: Int
        public var firstLine: Int
    }

    public let file: String
    public private(set) var records = 0
    public private(set) var executions = 0
    /// Records by message kind (`execution duration`, `created`, `deferred`, ...), in the
    /// order first seen.
    public private(set) var kinds: [(kind: String, count: Int)] = []
    /// Waits by variant (`""` for records without one), in the order first seen.
    public private(set) var variants: [(name: String, wait: Breakdown)] = []
    public private(set) var skipped: [Problem] = []
    public private(set) var incomplete: [Problem] = []

    public init(file: String) { self.file = file }

    /// Reads the log at `path`, a line at a time.
    public static func read(path: String) throws(ScenarioError) -> EventLogAnalysis {
        var analysis = EventLogAnalysis(file: path)
        try EventLogReader.forEachLine(path: path) { (line, number) throws(ScenarioError) in
            analysis.add(line, number: number)
        }
        // Lines none of which is a JSON object are not an event log (a binary file, a
        // scenario given by mistake): an error, not empty tables. A log with some bad lines
        // counts them and goes on.
        if analysis.records > 0,
           let notJSON = analysis.skipped.first(where: { $0.reason == Self.notAnObject }), notJSON.count == analysis.records {
            throw ScenarioError(file: path, message: "no line is a JSON object (\(analysis.records) read); expected an "
                                + "event log (JSON lines, docs/eventlog.md)")
        }
        return analysis
    }

    static let notAnObject = "not a JSON object"

    /// One line of the log (nil: longer than the reader takes).
    public mutating func add(_ line: ArraySlice<UInt8>?, number: Int) {
        guard let line else { return Self.note(&skipped, "line longer than \(EventLogReader.maxLineBytes) bytes", number) }
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return }
        records += 1
        guard let record = EventLogJSON.parse(line), case .object = record else {
            return Self.note(&skipped, Self.notAnObject, number)
        }
        guard let message = record["message"]?.string else { return Self.note(&skipped, "message missing or not a string", number) }
        let kind = Self.kind(of: message)
        if let index = kinds.firstIndex(where: { $0.kind == kind }) { kinds[index].count += 1 } else { kinds.append((kind, 1)) }
        guard kind == EventLogFormat.executionDuration else { return }
        let extra = Self.extra(of: record)
        guard let extra else { return Self.note(&skipped, "execution duration: extra missing or not an object", number) }
        guard let wait = extra["wait_seconds"]?.nanoseconds, wait >= 0 else {
            return Self.note(&skipped, "execution duration: extra.wait_seconds missing or not a non-negative number", number)
        }
        guard let queue = extra["queue_name"]?.string, !queue.isEmpty else {
            return Self.note(&skipped, "execution duration: extra.queue_name missing or not a string", number)
        }
        var opType = record["object_type"]?.string ?? extra["operation_type"]?.string ?? ""
        if opType.isEmpty {
            Self.note(&incomplete, "execution duration: object_type missing (op type counted as unknown)", number)
            opType = "unknown"
        }
        var task = Self.tasks(extra["tasks"]).map { $0.joined(separator: "+") } ?? ""
        if task.isEmpty {
            Self.note(&incomplete, "execution duration: extra.tasks missing (task counted as unknown)", number)
            task = "unknown"
        }
        let variant = record["variant"]?.string ?? ""
        let index: Int
        if let found = variants.firstIndex(where: { $0.name == variant }) {
            index = found
        } else {
            variants.append((variant, Breakdown()))
            index = variants.count - 1
        }
        let value = Duration.nanoseconds(wait)
        variants[index].wait.all.record(value)
        variants[index].wait.byQueue[queue, default: WaitHistogram()].record(value)
        variants[index].wait.byOpType[opType, default: WaitHistogram()].record(value)
        variants[index].wait.byTask[task, default: WaitHistogram()].record(value)
        executions += 1
    }

    private static func note(_ list: inout [Problem], _ reason: String, _ line: Int) {
        if let index = list.firstIndex(where: { $0.reason == reason }) {
            list[index].count += 1
        } else {
            list.append(Problem(reason: reason, count: 1, firstLine: line))
        }
    }

    /// The record's `extra`: an object, or a string holding one (the gRPC form, `json.dumps(extra)`).
    static func extra(of record: EventLogJSON) -> EventLogJSON? {
        switch record["extra"] {
        case .some(.object(let pairs)): return .object(pairs)
        case .some(.string(let text)):
            guard let parsed = EventLogJSON.parse(Array(text.utf8)[...]), case .object = parsed else { return nil }
            return parsed
        default: return nil
        }
    }

    /// A list of task names (strings), or nil.
    static func tasks(_ value: EventLogJSON?) -> [String]? {
        guard case .some(.array(let items)) = value, !items.isEmpty else { return nil }
        var names: [String] = []
        for item in items {
            guard let name = item.string, !name.isEmpty else { return nil }
            names.append(name)
        }
        return names
    }

    /// The kind of a message: the known events by name, anything else as `other`.
    static func kind(of message: String) -> String {
        if message == EventLogFormat.executionDuration { return message }
        if message == EventLogFormat.created { return "created" }
        if message.hasPrefix(EventLogFormat.deferredPrefix) { return "deferred" }
        if message == EventLogFormat.coalesced { return "coalesced" }
        if message == EventLogFormat.deduplicated { return "deduplicated" }
        if message.hasPrefix(EventLogFormat.skippedPrefix) { return "skipped" }
        return "other"
    }

    /// `breakdown` with only the `grouping` rows beside `all`.
    static func grouped(_ breakdown: Breakdown, by grouping: Grouping?) -> Breakdown {
        guard let grouping else { return breakdown }
        var out = breakdown
        if grouping != .queue { out.byQueue = [:] }
        if grouping != .opType { out.byOpType = [:] }
        if grouping != .task { out.byTask = [:] }
        return out
    }

    // MARK: Output

    /// What was read: record counts by kind, and the records left out or used incomplete.
    public var summaryLines: [String] {
        let kindText = kinds.map { "\($0.kind) \($0.count)" }.joined(separator: ", ")
        var lines = ["event log \(file): \(records) records (\(kindText.isEmpty ? "none" : kindText)); "
                     + "\(executions) executions in the tables"]
        let left = skipped.reduce(0) { $0 + $1.count }
        lines.append("records left out: \(left)")
        for problem in skipped {
            lines.append("  \(problem.reason): \(problem.count) (first at line \(problem.firstLine))")
        }
        if !incomplete.isEmpty {
            lines.append("records used with a label missing: \(incomplete.reduce(0) { $0 + $1.count })")
            for problem in incomplete {
                lines.append("  \(problem.reason): \(problem.count) (first at line \(problem.firstLine))")
            }
        }
        return lines
    }

    /// The summary, then each variant's `wait_seconds` table as `run` prints it.
    public func table(by grouping: Grouping? = nil) -> String {
        var lines = summaryLines
        for (name, wait) in variants {
            lines.append("")
            if !name.isEmpty { lines.append("variant \(name)") }
            lines += MeasuredVariant(name: name, wait: Self.grouped(wait, by: grouping)).table(.wait)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public func json(by grouping: Grouping? = nil) -> JSONValue {
        func problems(_ list: [Problem]) -> JSONValue {
            .array(list.map { .object([("reason", .string($0.reason)), ("count", .int($0.count)),
                                       ("first_line", .int($0.firstLine))]) })
        }
        return .object([
            ("file", .string(file)),
            ("records", .int(records)),
            ("kinds", .object(kinds.map { ($0.kind, JSONValue.int($0.count)) })),
            ("executions", .int(executions)),
            ("left_out", problems(skipped)),
            ("label_missing", problems(incomplete)),
            ("variants", .array(variants.map { variant in
                .object([("variant", .string(variant.name)),
                         ("wait_seconds", Self.json(for: Self.grouped(variant.wait, by: grouping)))])
            })),
        ])
    }

    /// A breakdown's summaries as the `wait_seconds` part of `run`'s JSON names them
    /// (`all`, `by_queue`, `by_op_type`, `by_task`, each with its ``Statistic``s).
    static func json(for breakdown: Breakdown) -> JSONValue {
        func summary(_ histogram: WaitHistogram) -> JSONValue {
            let summary = histogram.summary
            return .object(Statistic.allCases.map { statistic in
                (statistic.rawValue, statistic == .count ? JSONValue.int(Int(summary.count))
                                                         : JSONValue.number(statistic.value(of: summary)))
            })
        }
        return .object([("all", summary(breakdown.all))] + Scenarios.Grouping.allCases.map { grouping in
            let map = grouping.histograms(in: breakdown)
            return (grouping.key, JSONValue.object(map.keys.sorted().compactMap { key in map[key].map { (key, summary($0)) } }))
        })
    }
}
