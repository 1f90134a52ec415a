/// The pending single-task coalescible ops by (task, type, key): the candidates of step 4's
/// fold and step 5's lookup, found without scanning every pending op of the task.
///
/// An op is filed at creation under its key for every key column list some rule of its task
/// uses (``CoalescingTable/keyColumns``), so a lookup with any rule's columns finds it. Ids
/// are filed in creation order, which is id order, so a bucket is always sorted. A terminal
/// op is not removed at once: the database tells the index, which counts it out and drops it
/// from the front of its buckets as lookups pass; a bucket holding mostly terminal ops is
/// compacted and an empty one forgotten, so the index holds O(pending ops) entries and each
/// op costs O(1) amortised.
struct SiblingIndex {
    struct BucketKey: Hashable {
        let task: TaskName
        let type: OperationType
        let key: CoalescingKey
    }

    struct Bucket {
        /// Ids in increasing order; some may be terminal (not yet dropped).
        var ids: [OpID] = []
        /// Index of the first id not yet dropped from the front.
        var start = 0
        /// Ids in the bucket whose op is not terminal.
        var pending = 0
    }

    private var buckets: [BucketKey: Bucket] = [:]
    private let keyColumns: [TaskName: [[TargetColumn]]]

    init(keyColumns: [TaskName: [[TargetColumn]]]) {
        self.keyColumns = keyColumns
    }

    /// Whether lookups with `columns` for `task` can use the index (every rule's can).
    func covers(task: TaskName, columns: [TargetColumn]) -> Bool {
        keyColumns[task]?.contains(columns) ?? false
    }

    private func keys(of spec: OpSpec, task: TaskName) -> [BucketKey] {
        (keyColumns[task] ?? []).compactMap { columns in
            CoalescingKey(spec, columns: columns).map { BucketKey(task: task, type: spec.type, key: $0) }
        }
    }

    /// Files a new pending op (ids must arrive in increasing order).
    mutating func insert(_ id: OpID, spec: OpSpec, task: TaskName) {
        for key in keys(of: spec, task: task) {
            buckets[key, default: Bucket()].ids.append(id)
            buckets[key]?.pending += 1
        }
    }

    /// The op became terminal: `isPending` must now answer false for it.
    mutating func ended(_ id: OpID, spec: OpSpec, task: TaskName, isPending: (OpID) -> Bool) {
        for key in keys(of: spec, task: task) {
            guard var bucket = buckets.removeValue(forKey: key) else { continue }
            bucket.pending -= 1
            if bucket.pending <= 0 { continue }  // forgotten
            let held = bucket.ids.count - bucket.start
            if held > 2 * bucket.pending + 16 {
                bucket.ids = bucket.ids[bucket.start...].filter(isPending)
                bucket.start = 0
            }
            buckets[key] = bucket
        }
    }

    /// The pending ops filed under (task, type, key), oldest first, dropping terminal ones
    /// from the front as it goes. `isPending` tells a pending op from a terminal one.
    mutating func pending(task: TaskName, type: OperationType, key: CoalescingKey,
                          isPending: (OpID) -> Bool) -> ArraySlice<OpID> {
        let bucketKey = BucketKey(task: task, type: type, key: key)
        guard var bucket = buckets.removeValue(forKey: bucketKey) else { return [] }
        while bucket.start < bucket.ids.count, !isPending(bucket.ids[bucket.start]) { bucket.start += 1 }
        if bucket.start > 64 && bucket.start * 2 > bucket.ids.count {
            bucket.ids.removeFirst(bucket.start)
            bucket.start = 0
        }
        let result = bucket.ids[bucket.start...]
        buckets[bucketKey] = bucket
        return result
    }
}
