/// The seed plan's six steps (model file, section 9), each an independent switch.
public enum PlanStep: Int, CaseIterable, Sendable, Comparable, CustomStringConvertible {
    /// A `started executing` event at pickup; its write costs time on the dispatcher's path.
    case visibility = 1
    /// One batched claim for all queues instead of one singular dequeue per queue.
    case batchedDequeue = 2
    /// Op types declare what coalesces. Metadata only: nothing observable changes. (The
    /// coalescing rules themselves are scenario data, read by steps 4 and 5.)
    case coalescingMetadata = 3
    /// Worker-side dedup: drop repeated tasks in one op, fold queued single-task siblings.
    case workerFold = 4
    /// Enqueue-side dedup: return the oldest pending sibling instead of inserting.
    case enqueueDedup = 5
    /// Caller-site audit: instance start reconciles each network once.
    case callerAudit = 6

    public static func < (lhs: PlanStep, rhs: PlanStep) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { String(rawValue) }
}
