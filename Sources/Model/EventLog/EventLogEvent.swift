import Sim

/// One eventlog event of a cluster operation, as the real system's `add_event` records it
/// (`shakenfist/eventlog.py`: `timestamp`, `event_type`, `object_type`, `object_uuid`, `fqdn`,
/// `duration`, `message`, `extra`), typed. ``RunRecorder`` hands one to its
/// ``EventLogSink`` at the instant the model emits it; the Scenarios layer renders it as a JSON
/// line (docs/eventlog.md).
///
/// The events are the ones the model file names (sections 4, 7 and 9): an op created, an
/// execution's `execution duration` (with step 1's fields folded into its `extra`), a defer,
/// a fold, an enqueue-side dedup and a terminal-state skip.
public struct EventLogEvent: Sendable {
    public enum Kind: Sendable, Equatable {
        /// `create_and_enqueue` made the op (fqdn unknown: the caller is not a node daemon).
        case created
        /// One execution ended: its tasks ran for `seconds` (from the start of the first task
        /// to the end of the last, the op's work without the state writes around it) after
        /// the op had waited `wait` since its creation (defers included); `state` is what the
        /// execution left the op in (`complete`, `error`, or `queued` for a transient-failure
        /// retry).
        case executionDuration(seconds: Duration, wait: Duration, deferCount: Int, state: OpState)
        /// A dependency check sent the op back to its queue for `delay`; `deferCount` is the
        /// new row's count.
        case deferred(delay: Duration, deferCount: Int)
        /// Step 4b: this op (the survivor) completed `siblings`.
        case coalesced(siblings: [OpID])
        /// Step 5: an enqueue by `caller` was answered with this pending op.
        case deduplicated(caller: String)
        /// The dispatcher dropped the item of an op already in terminal `state`.
        case skippedTerminal(state: OpState)
        /// A `depends_on` check errored or aborted the op (`reason` as the real event words it).
        case dependencyFailed(reason: String)
    }

    /// When the model emitted it (virtual time).
    public var time: Duration
    public var kind: Kind
    public var op: OpID
    /// What the op is: its type, tasks, priority, queue and target columns. For a
    /// deduplicated request, the request (whose op is `op`).
    public var spec: OpSpec
    /// The node whose daemon emitted it (nil for the API side: created, deduplicated).
    public var node: String?
    /// The row's queue (a defer or retry keeps the op's queue).
    public var queue: String

    public init(time: Duration, kind: Kind, op: OpID, spec: OpSpec, node: String?, queue: String) {
        self.time = time
        self.kind = kind
        self.op = op
        self.spec = spec
        self.node = node
        self.queue = queue
    }
}

/// Where a run's eventlog events go, in the order the model emits them (time order). Called
/// synchronously from the recorder while the run is single-threaded; an implementation must
/// not hold on to more than it needs (the event log of a long run is larger than memory).
public protocol EventLogSink: AnyObject, Sendable {
    func write(_ event: EventLogEvent)
}

extension EventLogEvent {
    /// The node part of a claimer name (`node-1/sf-net` → `node-1`).
    static func node(of claimer: String) -> String {
        claimer.split(separator: "/", maxSplits: 1).first.map(String.init) ?? claimer
    }
}
