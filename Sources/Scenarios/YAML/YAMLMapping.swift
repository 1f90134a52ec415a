/// A mapping whose keys were checked against the schema's allowed keys, from
/// ``YAMLNode/mapping(allowedKeys:)``. Keys keep file order.
public struct YAMLMapping {
    /// The mapping node itself (for its path, line and ``YAMLNode/error(_:)``).
    public let node: YAMLNode
    /// The pairs in file order.
    public let entries: [YAMLEntry]
    /// The keys the schema allows, in the order it listed them.
    public let allowedKeys: [String]

    /// The keys present, in file order.
    public var keys: [String] { entries.map(\.key) }

    /// True if `key` is present (even with an empty value).
    public func contains(_ key: String) -> Bool { entries.contains { $0.key == key } }

    /// The value of `key`; throws `missing required key "key"` at the mapping if it is absent.
    public func required(_ key: String) throws(ScenarioError) -> YAMLNode {
        assert(allowedKeys.contains(key), "schema reads \"\(key)\", which it did not allow")
        guard let value = optional(key) else {
            throw node.error("missing required key \(quoted(key))")
        }
        return value
    }

    /// The value of `key`, or nil if it is absent. A key written with an empty value is
    /// present: its node is null and typed accessors reject it, so a forgotten value is never
    /// silently replaced by a default. Use with optional chaining:
    /// `try mapping.optional("time_limit")?.duration() ?? defaults.timeLimit`.
    public func optional(_ key: String) -> YAMLNode? {
        assert(allowedKeys.contains(key), "schema reads \"\(key)\", which it did not allow")
        return entries.first { $0.key == key }?.value
    }

    /// Throws unless exactly one of `keys` is present; returns the one present. For mappings
    /// where keys are alternatives (e.g. `median`/`p99` versus `mu`/`sigma`).
    public func exactlyOne(of keys: [String]) throws(ScenarioError) -> YAMLEntry {
        let present = entries.filter { keys.contains($0.key) }
        guard present.count == 1, let only = present.first else {
            let got = present.isEmpty ? "none of them" : present.map(\.key).joined(separator: ", ")
            throw node.error("expected exactly one of: \(keys.joined(separator: ", ")); got \(got)")
        }
        return only
    }
}

/// The candidate closest to `word` in optimal-string-alignment distance (a swap of two
/// neighbours counts as one edit), if within 2 edits; ties go to the earlier candidate.
/// Short candidates allow fewer edits (1 below four letters) so that `b1` does not suggest `a`.
public func nearestSpelling(to word: String, among candidates: [String]) -> String? {
    var best: (candidate: String, distance: Int)?
    let length = word.count
    for candidate in candidates {
        let allowed = min(2, max(1, candidate.count / 2))
        // The distance is at least the difference in length: a huge word is compared with nothing.
        guard abs(length - candidate.count) <= allowed else { continue }
        let distance = editDistance(Array(word), Array(candidate))
        if distance <= allowed, distance < (best?.distance ?? Int.max) { best = (candidate, distance) }
    }
    return best?.candidate
}

/// Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps.
func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous2 = [Int](repeating: 0, count: b.count + 1)
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                current[j] = min(current[j], previous2[j - 2] + 1)
            }
        }
        (previous2, previous, current) = (previous, current, previous2)
    }
    return previous[b.count]
}
