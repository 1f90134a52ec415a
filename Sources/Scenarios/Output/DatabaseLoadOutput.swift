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
        return ["  database round trips: \(describe(load.total))" + idleRounds.tableNote,
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
        ] + idleRounds.jsonNote)
    }
}

extension IdleRounds {
    /// What the database load's line adds: nothing for exact rounds (the bytes every baseline
    /// was made with), a warning when they were approximated.
    var tableNote: String {
        self == .exact ? "" : "; " + Self.label
    }

    /// What the JSON `database` object adds: `idle_rounds` when they were approximated.
    var jsonNote: [(String, JSONValue)] {
        self == .exact ? [] : [("idle_rounds", .string(rawValue))]
    }

    /// What a row of a table of runs (a sweep's, `compare --vary`'s, the decision report's)
    /// adds to its variant's name, as `(INCOMPLETE)` is added: nothing for exact rounds.
    var rowMark: String { self == .exact ? "" : " " + Self.rowMarkText }

    private static let rowMarkText = "(approximate)"

    /// The note under a table whose rows, drawn as `rows`, may carry ``rowMark`` (nil when
    /// none does).
    static func rowMarkNote(_ rows: some Sequence<IdleRounds>) -> String? {
        rows.contains(.approximate) ? "\(rowMarkText): \(label), \(consequence)" : nil
    }

    /// The note of an output that names its runs once (a comparison, an HTML section): which
    /// of them were approximated (nil when none was).
    static func note(approximated variants: [String]) -> String? {
        variants.isEmpty ? nil : "\(label) in \(variants.joined(separator: ", ")): \(consequence)"
    }

    /// What every mark says, naming the key that asked for it.
    private static let label = "idle rounds approximated (overrides.simulation.idle_rounds)"

    private static let consequence = "long idle stretches leapt, another realisation than polling tick by tick"
}

/// The database load of a replicated run: each count's mean across replications with its 95%
/// interval, like the figures (the table's `mean ±half-width`, the JSON's `{mean, ci95, n,
/// values}`), but kept out of the fingerprint and the CSV as a single run's is. A kind of
/// connection one replication never used counts 0 round trips there.
extension ReplicatedVariant {
    /// The counts of `kind` (nil: every kind together) in each replication.
    private func counts(of kind: String?) -> [DatabaseLoad.Counts] {
        results.map { result in
            guard let kind else { return result.load.total }
            return result.load.byKind[kind] ?? DatabaseLoad.Counts()
        }
    }

    /// How the replications' idle rounds were drawn (one config: all alike).
    var idleRounds: IdleRounds { results.first?.idleRounds ?? .exact }

    /// Every kind any replication used, in name order.
    private var loadKinds: [String] {
        Set(results.flatMap { $0.load.byKind.keys }).sorted()
    }

    /// Round trips, claims and empty claims of `kind` (nil: all) as one value per replication each.
    private func columns(of kind: String?) -> (roundTrips: [Double?], claims: [Double?], empty: [Double?]) {
        let counts = counts(of: kind)
        return (counts.map { Double($0.roundTrips) }, counts.map { Double($0.claims) },
                counts.map { Double($0.emptyClaims) })
    }

    /// The table's lines, as ``RunResult/databaseLines`` with each count a replicated cell.
    var replicatedDatabaseLines: [String] {
        let kinds = loadKinds
        guard !kinds.isEmpty else { return [] }
        func describe(_ kind: String?) -> String {
            let (roundTrips, claims, empty) = columns(of: kind)
            func cell(_ values: [Double?]) -> String { ReplicatedReport.cell(values, decimals: 1, count: true) }
            guard claims.contains(where: { ($0 ?? 0) > 0 }) else { return cell(roundTrips) }
            return "\(cell(roundTrips)) (claims \(cell(claims)), empty \(cell(empty)))"
        }
        return ["  database round trips: \(describe(nil))" + idleRounds.tableNote,
                "    " + kinds.map { "\($0) \(describe($0))" }.joined(separator: "; ")]
    }

    /// The JSON `database` object, as ``RunResult/databaseJSON`` with each count a statistic.
    var replicatedDatabaseJSON: JSONValue {
        func statistics(_ kind: String?) -> [(String, JSONValue)] {
            let (roundTrips, claims, empty) = columns(of: kind)
            return [("round_trips", ReplicatedReport.statistic(roundTrips)),
                    ("claims", ReplicatedReport.statistic(claims)),
                    ("empty_claims", ReplicatedReport.statistic(empty))]
        }
        return .object(statistics(nil) + [
            ("by_kind", .object(loadKinds.map { ($0, .object(statistics($0))) })),
        ] + idleRounds.jsonNote)
    }
}
