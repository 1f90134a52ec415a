import Model
import Sim

/// Everything a sweep's output depends on besides its runs: the shards of one sweep agree on
/// all of it, which `simrun merge` checks.
public struct SweepHeader: Sendable, Equatable {
    public var scenario: String
    public var file: String
    /// `--seed`, if given (else each point's scenario seed).
    public var seed: UInt64?
    public var replications: Int
    /// `--set` values applied to every point, as `KEY=VALUE`.
    public var settings: [String]
    public var grid: SweepGrid
    /// `--variant` names (empty: each point's default variants).
    public var variants: [String]

    public init(scenario: String, file: String, seed: UInt64?, replications: Int, settings: [String], grid: SweepGrid,
                variants: [String]) {
        self.scenario = scenario
        self.file = file
        self.seed = seed
        self.replications = replications
        self.settings = settings
        self.grid = grid
        self.variants = variants
    }
}

/// One variant at one point of a sweep, with the replications run so far.
public struct SweepPoint: Sendable {
    /// The point's position in the grid's cross product.
    public var point: Int
    /// The point's value on each axis.
    public var values: [String]
    /// The variant's position among the point's variants, and its name.
    public var variantIndex: Int
    public var variant: String
    public var policy: String
    public var figures: FigureSettings
    public var sample: FairnessSample
    /// How its runs' idle rounds were drawn (``IdleRounds/approximate`` when the point's
    /// settings leap them): marked in the table and the charts, `idle_rounds` in the JSON.
    public var idleRounds: IdleRounds = .exact

    var order: (Int, Int) { (point, variantIndex) }
}

/// A sweep's result, whole or one shard of it. Every output (table, CSV, JSON) is a function of
/// the header and the replications' integer figures and pooled histograms, so merging shards
/// and rendering gives the bytes of the unsharded sweep.
public struct SweepResult: Sendable {
    public var header: SweepHeader
    /// The slice this result holds (nil: the whole sweep).
    public var shard: SweepShard?
    /// In (point, variant) order.
    public var points: [SweepPoint]

    public init(header: SweepHeader, shard: SweepShard?, points: [SweepPoint]) {
        self.header = header
        self.shard = shard
        self.points = points.sorted { $0.order < $1.order }
    }

    public static let format = "simrun-sweep/1"

    /// A mistake in the shards given to `merge` (exit status 2).
    public struct MergeError: Error, Equatable, Sendable, CustomStringConvertible {
        public var message: String
        public init(_ message: String) { self.message = message }
        public var description: String { message }
    }

    /// The whole sweep from its shards (given in any order): every shard of one sweep exactly
    /// once. Replications of a point split over shards are put back in order and their
    /// histograms merged exactly.
    public static func merge(_ parts: [(file: String, result: SweepResult)]) throws(MergeError) -> SweepResult {
        guard let first = parts.first else { throw MergeError("nothing to merge") }
        var seen: [Int: String] = [:]
        var count: Int?
        for (file, part) in parts {
            guard part.header == first.result.header else {
                throw MergeError("\(file): not a shard of the same sweep as \(first.file) (scenario, seed, replications, "
                                 + "--set, --grid or --variant differ)")
            }
            guard let shard = part.shard else {
                if parts.count == 1 {
                    try part.checkWhole(file)
                    return part
                }
                throw MergeError("\(file): a whole sweep, not a shard (nothing to merge it with)")
            }
            if let count, count != shard.count {
                throw MergeError("\(file): shard \(shard.index)/\(shard.count), but \(first.file) is one of \(count)")
            }
            count = shard.count
            if let other = seen[shard.index] {
                throw MergeError("\(file): shard \(shard.index)/\(shard.count) again (also in \(other))")
            }
            seen[shard.index] = file
        }
        if let count {
            let missing = (0..<count).filter { seen[$0] == nil }
            guard missing.isEmpty else {
                throw MergeError("missing shard\(missing.count == 1 ? "" : "s") "
                                 + missing.map { "\($0)/\(count)" }.joined(separator: ", "))
            }
        }
        var merged: [SweepPoint] = []
        for point in parts.flatMap(\.result.points).sorted(by: { $0.order < $1.order }) {
            if let last = merged.last, last.order == point.order {
                guard last.idleRounds == point.idleRounds else {
                    throw MergeError("\(parts.map(\.file).joined(separator: ", ")): point \(point.point) variant "
                                     + "\(point.variant): idle_rounds differs between shards (\(last.idleRounds.rawValue), "
                                     + "\(point.idleRounds.rawValue)); not one sweep")
                }
                merged[merged.count - 1].sample.merge(point.sample)
            } else {
                merged.append(point)
            }
        }
        let whole = SweepResult(header: first.result.header, shard: nil, points: merged)
        try whole.checkWhole(parts.map(\.file).joined(separator: ", "))
        return whole
    }

    /// Every run of the sweep is here once: each point of the grid with its variants
    /// (numbered from 0, as many as `--variant` named if it did), each with replications 0 to
    /// R - 1. A shard edited or cut short would otherwise merge into a table that looks whole.
    func checkWhole(_ files: String) throws(MergeError) {
        func missing(_ what: String) -> MergeError { MergeError("\(files): \(what); not the whole sweep") }
        var next = (point: 0, variant: 0)
        for point in points {
            if point.point != next.point {
                // The next point starts; the one before must have had its variants.
                guard point.point == next.point + 1, next.variant > 0, point.variantIndex == 0 else {
                    throw missing("point \(next.point) variant \(next.variant) is missing")
                }
                if !header.variants.isEmpty && next.variant != header.variants.count {
                    throw missing("point \(next.point) has \(next.variant) of \(header.variants.count) variants")
                }
                next = (point.point, 0)
            }
            guard point.variantIndex == next.variant else {
                throw missing("point \(next.point) variant \(next.variant) is missing")
            }
            let replications = point.sample.records.map(\.replication)
            guard replications.elementsEqual(0..<header.replications) else {
                throw missing("point \(point.point) variant \(point.variant) has replications \(replications), "
                              + "expected 0 to \(header.replications - 1)")
            }
            next.variant += 1
        }
        guard next.point == header.grid.count - 1, next.variant > 0,
              header.variants.isEmpty || next.variant == header.variants.count else {
            throw missing("\(points.isEmpty ? 0 : next.point + 1) of \(header.grid.count) points")
        }
    }

    // MARK: JSON

    public var json: JSONValue {
        var top: [(String, JSONValue)] = [
            ("format", .string(Self.format)),
            ("scenario", .string(header.scenario)),
            ("file", .string(header.file)),
            ("seed", header.seed.map { .uint($0) } ?? .null),
            ("replications", .int(header.replications)),
            ("settings", .array(header.settings.map { .string($0) })),
            ("grid", .array(header.grid.axes.map { axis in
                .object([("key", .string(axis.path.description)), ("values", .array(axis.values.map { .string($0) }))])
            })),
            ("variants", .array(header.variants.map { .string($0) })),
        ]
        if let shard { top.append(("shard", .object([("index", .int(shard.index)), ("count", .int(shard.count))]))) }
        top.append(("points", .array(points.map(json(for:)))))
        return .object(top)
    }

    private func json(for point: SweepPoint) -> JSONValue {
        .object([
            ("point", .int(point.point)),
            ("values", .object(zip(header.grid.axes, point.values).map { ($0.path.description, .string($1)) })),
            ("variant_index", .int(point.variantIndex)),
            ("variant", .string(point.variant)),
            ("policy", .string(point.policy)),
            ("wait_bound_seconds", .number(point.figures.waitBound.seconds)),
            ("key", .string(point.figures.key.rawValue)),
            ("summary", .object(SweepFigures.columns.map { figure in
                let values = point.sample.values(figure)
                guard !values.isEmpty else { return (figure.path, .null) }
                let summary = ReplicationSummary(values, confidence: 0.95)
                return (figure.path, .object([
                    ("mean", .number(summary.mean)),
                    ("ci95", values.count > 1 ? .inline([.number(summary.lower), .number(summary.upper)]) : .null),
                ]))
            })),
            ("replications", .array(point.sample.records.map(\.json))),
            ("histograms", point.sample.pooled.json),
        ] + point.idleRounds.jsonNote)
    }

    /// Reads a sweep's JSON output (whole or a shard).
    public init(json: JSONValue, file: String) throws(MergeError) {
        func bad(_ what: String) -> MergeError { MergeError("\(file): \(what)") }
        guard json["format"]?.stringValue == Self.format else {
            throw bad("not the JSON output of simrun sweep (expected \"format\": \"\(Self.format)\")")
        }
        guard let scenario = json["scenario"]?.stringValue, let scenarioFile = json["file"]?.stringValue,
              let replications = json["replications"]?.int64Value, let settings = json["settings"]?.arrayValue,
              let grid = json["grid"]?.arrayValue, let variants = json["variants"]?.arrayValue,
              let points = json["points"]?.arrayValue else {
            throw bad("expected scenario, file, replications, settings, grid, variants and points")
        }
        guard replications >= 1 else { throw bad("replications: expected 1 or more, got \(replications)") }
        var axes: [SweepGrid.Axis] = []
        for axis in grid {
            guard let key = axis["key"]?.stringValue, let list = axis["values"]?.arrayValue,
                  case let values = list.compactMap(\.stringValue), values.count == list.count, !values.isEmpty,
                  let path = try? YAMLPath.parse(key) else { throw bad("grid: expected key and a non-empty list of values") }
            axes.append(SweepGrid.Axis(path: path, values: values))
        }
        let sweepGrid: SweepGrid
        do { sweepGrid = try SweepGrid(axes: axes) } catch { throw bad("grid: \(error.message)") }
        header = SweepHeader(scenario: scenario, file: scenarioFile, seed: json["seed"]?.uint64Value,
                             replications: Int(replications), settings: settings.compactMap(\.stringValue),
                             grid: sweepGrid, variants: variants.compactMap(\.stringValue))
        if let shard = json["shard"] {
            guard let index = shard["index"]?.int64Value, let count = shard["count"]?.int64Value,
                  let parsed = try? SweepShard(index: Int(index), count: Int(count)) else { throw bad("shard: expected index and count") }
            self.shard = parsed
        } else {
            shard = nil
        }
        var read: [SweepPoint] = []
        for (position, point) in points.enumerated() {
            let at = "points[\(position)]"
            guard let index = point["point"]?.int64Value, index >= 0, index < sweepGrid.count,
                  let variantIndex = point["variant_index"]?.int64Value, variantIndex >= 0,
                  let variant = point["variant"]?.stringValue, let policy = point["policy"]?.stringValue,
                  let bound = point["wait_bound_seconds"], case .number(let boundSeconds) = bound,
                  let keyName = point["key"]?.stringValue, let key = FairKey.Kind(rawValue: keyName),
                  let records = point["replications"]?.arrayValue, let histograms = point["histograms"] else {
                throw bad("\(at): expected point (0 to \(sweepGrid.count - 1)), variant_index (0 or more), variant, "
                          + "policy, wait_bound_seconds, key, replications and histograms")
            }
            var idleRounds = IdleRounds.exact
            if let value = point["idle_rounds"] {
                guard let name = value.stringValue, let read = IdleRounds(rawValue: name) else {
                    throw bad("\(at).idle_rounds: expected one of "
                              + IdleRounds.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))
                }
                idleRounds = read
            }
            do {
                var figures: [RunFigures] = []
                for (number, record) in records.enumerated() {
                    figures.append(try RunFigures(json: record, at: "\(at).replications[\(number)]"))
                }
                let pooled = try PooledWaits(json: histograms, at: "\(at).histograms")
                read.append(SweepPoint(point: Int(index), values: sweepGrid.values(ofPoint: Int(index)),
                                       variantIndex: Int(variantIndex), variant: variant, policy: policy,
                                       figures: FigureSettings(waitBound: .seconds(double: boundSeconds), key: key),
                                       sample: FairnessSample(records: figures, pooled: pooled),
                                       idleRounds: idleRounds))
            } catch {
                throw bad(error.message)
            }
        }
        self.points = read.sorted { $0.order < $1.order }
    }
}
