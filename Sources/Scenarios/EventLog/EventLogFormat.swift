import Model
import Sim

/// The JSON-lines shape of an event log (docs/eventlog.md): one object a line, keys in a fixed
/// order, numbers to the nanosecond, so the same run writes the same bytes.
///
/// The fields are those of the real system's eventlog records (`shakenfist/eventlog.py`):
/// `timestamp` (Unix seconds), `event_type` (`audit`, as the dispatchers' op events are),
/// `object_type` (the op's `operation_type`), `object_uuid`, `fqdn` (the node whose daemon
/// wrote it; null for the API side), `duration` (seconds, for `execution duration`), `message`
/// and `extra`; simrun adds `variant`.
public enum EventLogFormat {
    /// Virtual time zero is 2026-01-01T00:00:00Z (Unix 1767225600): a run's timestamps are
    /// this plus its virtual seconds, and a replay of a log starts at midnight UTC of its
    /// first record's day (``dayStart(ofNanoseconds:)``), so a run replays at its own times.
    public static let epochSeconds: Int64 = 1_767_225_600

    public static let executionDuration = "execution duration"
    public static let created = "cluster operation created"
    public static let deferredPrefix = "Execution deferred for "
    public static let coalesced = "coalesced sibling ops"
    public static let deduplicated = "enqueue-side dedup: reused pending op"
    public static let skippedPrefix = "skipping op already in terminal state"

    static let nanosecondsPerDay: Int64 = 86_400 * 1_000_000_000

    /// Midnight UTC of the day holding `nanoseconds` since the Unix epoch.
    static func dayStart(ofNanoseconds nanoseconds: Int64) -> Int64 {
        let day = nanoseconds >= 0 ? nanoseconds / nanosecondsPerDay : (nanoseconds + 1) / nanosecondsPerDay - 1
        return day * nanosecondsPerDay
    }

    /// One event as its JSON line (with the newline).
    public static func line(_ event: EventLogEvent, variant: String?) -> String {
        let spec = event.spec
        var extra: [(String, String)] = []
        let message: String
        var duration = "null"
        func string(_ text: String) -> String { JSONValue.quote(text) }
        func list(_ items: [String]) -> String { "[" + items.map(string).joined(separator: ", ") + "]" }
        let tasks = list(spec.tasks.map(\.name))
        let queue = ("queue_name", string(event.queue))
        switch event.kind {
        case .created:
            message = created
            extra = [("operation_type", string(spec.type.rawValue)), ("tasks", tasks),
                     ("priority", string(spec.priority.name)), queue] + targets(spec)
        case .executionDuration(let seconds, let wait, let deferCount, let state):
            message = executionDuration
            duration = decimal(seconds)
            extra = [("seconds", decimal(seconds)), ("wait_seconds", decimal(wait)), ("defer_count", String(deferCount)),
                     queue, ("operation_type", string(spec.type.rawValue)), ("tasks", tasks),
                     ("priority", string(spec.priority.name)), ("state", string(state.rawValue))] + targets(spec)
        case .deferred(let delay, let deferCount):
            message = deferredPrefix + trimmed(delay) + " seconds"
            extra = [("delay", decimal(delay)), ("defer_count", String(deferCount)), queue]
        case .coalesced(let siblings):
            message = coalesced
            extra = [("siblings", list(siblings.map(\.description))), ("tasks", tasks), queue]
        case .deduplicated(let caller):
            message = deduplicated
            extra = [("requested_by", string(caller)), ("tasks", tasks), queue]
        case .skippedTerminal(let state):
            message = "\(skippedPrefix) \(state.rawValue)"
            extra = [("state", string(state.rawValue)), queue]
        case .dependencyFailed(let reason):
            message = reason
            extra = [queue]
        }
        let timestamp = decimal(.seconds(epochSeconds) + event.time)
        var out = "{\"timestamp\": \(timestamp), \"event_type\": \"audit\", \"object_type\": \(string(spec.type.rawValue)), "
        out += "\"object_uuid\": \(string(event.op.description)), \"fqdn\": \(event.node.map(string) ?? "null"), "
        out += "\"duration\": \(duration), \"message\": \(string(message)), \"extra\": {"
        out += extra.map { "\(string($0.0)): \($0.1)" }.joined(separator: ", ") + "}"
        if let variant { out += ", \"variant\": \(string(variant))" }
        return out + "}\n"
    }

    private static func targets(_ spec: OpSpec) -> [(String, String)] {
        var out: [(String, String)] = []
        if let network = spec.networkID { out.append(("network_uuid", JSONValue.quote(network.name))) }
        if let node = spec.nodeID { out.append(("node_uuid", JSONValue.quote(node.description))) }
        if let instance = spec.instanceID { out.append(("instance_uuid", JSONValue.quote(instance.name))) }
        return out
    }

    /// Seconds with nine decimals, exactly (a duration is whole nanoseconds in a run).
    static func decimal(_ duration: Duration) -> String {
        let nanoseconds = duration.nanosecondsClamped
        let sign = nanoseconds < 0 ? "-" : ""
        let magnitude = nanoseconds.magnitude
        var fraction = String(magnitude % 1_000_000_000)
        while fraction.count < 9 { fraction = "0" + fraction }
        return "\(sign)\(magnitude / 1_000_000_000).\(fraction)"
    }

    /// Seconds without trailing zeros (`15`, `0.1`), as a message shows a delay.
    static func trimmed(_ duration: Duration) -> String {
        var text = decimal(duration)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}

/// An ``EventLogSink`` that renders each event as its JSON line and hands it on (to a file
/// written as it goes, in the CLI): nothing is kept.
public final class EventLogLines: EventLogSink {
    let variant: String?
    let emit: @Sendable (String) -> Void

    public init(variant: String?, emit: @escaping @Sendable (String) -> Void) {
        self.variant = variant
        self.emit = emit
    }

    public func write(_ event: EventLogEvent) {
        emit(EventLogFormat.line(event, variant: variant))
    }
}
