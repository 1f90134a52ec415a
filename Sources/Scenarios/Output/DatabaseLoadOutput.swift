import Model

/// The database load of a single run in its table and JSON: the round trips the real system
/// would have made (skipped polls included), in all and per kind of connection. Left out of
/// fingerprints and CSV, so a `--naive-polling` fingerprint shows that nothing else changed.
extension RunResult {
    /// The table's lines: the total, then each kind of connection.
    var databaseLines: [String] {
        func describe(_ counts: DatabaseLoad.Counts) -> String {
            counts.claims > 0
                ? "\(counts.roundTrips) (claims \(counts.claims), empty \(counts.emptyClaims))"
                : "\(counts.roundTrips)"
        }
        guard !load.byKind.isEmpty else { return [] }
        return ["  database round trips: \(describe(load.total))",
                "    " + load.sorted.map { "\($0.kind) \(describe($0.counts))" }.joined(separator: "; ")]
    }

    /// The JSON `database` object.
    var databaseJSON: JSONValue {
        func counts(_ counts: DatabaseLoad.Counts) -> [(String, JSONValue)] {
            [("round_trips", .int(counts.roundTrips)), ("claims", .int(counts.claims)),
             ("empty_claims", .int(counts.emptyClaims))]
        }
        return .object(counts(load.total) + [
            ("by_kind", .object(load.sorted.map { ($0.kind, .object(counts($0.counts))) })),
        ])
    }
}
