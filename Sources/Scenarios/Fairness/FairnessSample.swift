import Model
import Sim

/// Every wait of a set of runs pooled, by lane, lane class and key: histograms that merge
/// exactly, so the runs can be split over processes and combined into the same bytes.
public struct PooledWaits: Sendable {
    public var all = WaitHistogram()
    /// Indexed like `Priority.allCases`.
    public var lanes = Array(repeating: WaitHistogram(), count: Priority.allCases.count)
    /// Indexed like `LaneClass.allCases`.
    public var classes = Array(repeating: WaitHistogram(), count: LaneClass.allCases.count)
    public var keys: [String: WaitHistogram] = [:]

    public init() {}

    init(_ figures: FairnessFigures) {
        for lane in Priority.allCases {
            let wait = figures.lanes[lane.laneIndex].wait
            all.merge(wait)
            lanes[lane.laneIndex].merge(wait)
            classes[lane.isUserLane ? 0 : 1].merge(wait)
        }
        for (key, group) in figures.keys { keys[key] = group.wait }
    }

    public mutating func merge(_ other: PooledWaits) {
        all.merge(other.all)
        for index in lanes.indices { lanes[index].merge(other.lanes[index]) }
        for index in classes.indices { classes[index].merge(other.classes[index]) }
        for (key, wait) in other.keys { keys[key, default: WaitHistogram()].merge(wait) }
    }

    public var json: JSONValue {
        .object([
            ("all", Self.json(all.encoded)),
            ("lanes", .object(Priority.allCases.map { ($0.name, Self.json(lanes[$0.laneIndex].encoded)) })),
            ("classes", .object(LaneClass.allCases.enumerated().map { ($1.rawValue, Self.json(classes[$0].encoded)) })),
            ("keys", .object(keys.keys.sorted().map { ($0, Self.json(keys[$0]!.encoded)) })),
        ])
    }

    public init(json: JSONValue, at path: String) throws(JSONValue.ParseError) {
        func histogram(_ value: JSONValue?, _ at: String) throws(JSONValue.ParseError) -> WaitHistogram {
            guard let value else { throw .init("\(at): missing") }
            return WaitHistogram(try Self.encoded(value, at: at))
        }
        all = try histogram(json["all"], path + ".all")
        for lane in Priority.allCases {
            lanes[lane.laneIndex] = try histogram(json["lanes"]?[lane.name], "\(path).lanes.\(lane.name)")
        }
        for (index, laneClass) in LaneClass.allCases.enumerated() {
            classes[index] = try histogram(json["classes"]?[laneClass.rawValue], "\(path).classes.\(laneClass.rawValue)")
        }
        for (key, value) in json["keys"]?.objectPairs ?? [] {
            keys[key] = try histogram(value, "\(path).keys.\(key)")
        }
    }

    /// An encoded histogram as JSON: its exact count, sum, extremes and bucket counts.
    static func json(_ encoded: WaitHistogram.Encoded) -> JSONValue {
        .object([
            ("count", .uint(encoded.count)), ("sum_us", .int(Int(encoded.sumMicroseconds))),
            ("min_us", .int(Int(encoded.minMicroseconds))), ("max_us", .int(Int(encoded.maxMicroseconds))),
            ("buckets", .inline(encoded.buckets.map { .inline($0.map { .uint($0) }) })),
        ])
    }

    static func encoded(_ json: JSONValue, at path: String) throws(JSONValue.ParseError) -> WaitHistogram.Encoded {
        guard let count = json["count"]?.uint64Value, let sum = json["sum_us"]?.int64Value,
              let minimum = json["min_us"]?.int64Value, let maximum = json["max_us"]?.int64Value,
              let buckets = json["buckets"]?.arrayValue else {
            throw .init("\(path): expected a histogram (count, sum_us, min_us, max_us, buckets)")
        }
        var pairs: [[UInt64]] = []
        for bucket in buckets {
            guard let pair = bucket.arrayValue, pair.count == 2, let value = pair[0].uint64Value,
                  let bucketCount = pair[1].uint64Value else { throw .init("\(path).buckets: expected [value, count] pairs") }
            pairs.append([value, bucketCount])
        }
        // The buckets hold every wait counted (a histogram edited by hand, or cut short, would
        // merge into percentiles and counts that disagree).
        var total: UInt64 = 0
        for pair in pairs {
            let (sum, overflow) = total.addingReportingOverflow(pair[1])
            guard !overflow else { throw .init("\(path).buckets: the counts overflow 64 bits") }
            total = sum
        }
        guard total == count else {
            throw .init("\(path).buckets: the counts add up to \(total), expected count \(count)")
        }
        guard sum >= 0 else { throw .init("\(path).sum_us: expected 0 or more, got \(sum)") }
        guard count == 0 || minimum <= maximum else {
            throw .init("\(path): expected min_us \(minimum) at most max_us \(maximum)")
        }
        return WaitHistogram.Encoded(count: count, sumMicroseconds: sum, minMicroseconds: minimum,
                                     maxMicroseconds: maximum, buckets: pairs)
    }
}

/// The replications of one variant (at one point of a sweep): each replication's figures and
/// all their waits pooled. Merging two samples of disjoint replications gives the sample of
/// all of them, whatever the order.
public struct FairnessSample: Sendable {
    /// In replication order.
    public private(set) var records: [RunFigures]
    public private(set) var pooled: PooledWaits

    public init(records: [RunFigures] = [], pooled: PooledWaits = PooledWaits()) {
        self.records = records.sorted { $0.replication < $1.replication }
        self.pooled = pooled
    }

    /// The sample of runs `results`, replication `i` seeded `seeds[i]`.
    public init(results: [RunResult], replications: [Int], seeds: [UInt64]) {
        var pooled = PooledWaits()
        var records: [RunFigures] = []
        for (index, result) in results.enumerated() {
            records.append(RunFigures(result, replication: replications[index], seed: seeds[index]))
            pooled.merge(PooledWaits(result.fairness))
        }
        self.init(records: records, pooled: pooled)
    }

    public mutating func merge(_ other: FairnessSample) {
        records = (records + other.records).sorted { $0.replication < $1.replication }
        pooled.merge(other.pooled)
    }

    /// The figure `figure` of each replication.
    public func values(_ figure: FairnessFigure) -> [Double] { records.map(figure.value) }

    /// Mean and 95% interval of `figure` across replications.
    public func summary(_ figure: FairnessFigure) -> ReplicationSummary {
        ReplicationSummary(values(figure), confidence: 0.95)
    }

    /// `figure` as a table shows it: the report model's cell (mean ±95% half-width; a single
    /// replication's value, a count as an integer), counts with one decimal, the rest three.
    public func cell(_ figure: FairnessFigure) -> String {
        ReplicatedReport.cell(values(figure), decimals: figure.isCount ? 1 : 3, count: figure.isCount)
    }

    /// Keys seen in any replication, sorted.
    public var keys: [String] { Array(Set(records.flatMap { $0.keys.map(\.name) })).sorted() }

    public var completedAll: Bool { records.allSatisfy(\.isCompleted) }
}

/// One figure of a run's fairness figures: a statistic of the report model (``Statistic``) of
/// a group of ops (a lane, a lane class, a key, or all), a group's share of all executions, its
/// waits over the bound, or Jain's index.
public struct FairnessFigure: Sendable, Hashable {
    public enum Group: Sendable, Hashable {
        case all
        case lane(Priority)
        case laneClass(LaneClass)
        case key(String)

        public var name: String {
            switch self {
            case .all: return "all"
            case .lane(let lane): return lane.name
            case .laneClass(let laneClass): return laneClass.rawValue
            case .key(let key): return "key " + key
            }
        }

        /// `lanes.user_facing`, `classes.user`, `keys.net-1`, `all`: the path in JSON and CSV.
        public var path: String {
            switch self {
            case .all: return "all"
            case .lane(let lane): return "lanes.\(lane.name)"
            case .laneClass(let laneClass): return "classes.\(laneClass.rawValue)"
            case .key(let key): return "keys.\(key)"
            }
        }

        func figures(in run: RunFigures) -> GroupFigures? {
            switch self {
            case .all: return run.all
            case .lane(let lane): return run.lanes[lane.laneIndex]
            case .laneClass(let laneClass): return run.classes[LaneClass.allCases.firstIndex(of: laneClass) ?? 0]
            case .key(let key): return run.keys.first { $0.name == key }?.figures
            }
        }
    }

    /// What fairness adds to the report model's statistics.
    public enum Measure: String, Sendable, Hashable {
        /// The group's share of all executions.
        case share
        /// Waits longer than the scenario's bound.
        case aboveBound = "above_bound"
        /// Jain's index over keys (of the group's keys: all keys, or one lane's).
        case jain
    }

    public enum Kind: Sendable, Hashable {
        case statistic(Statistic)
        case measure(Measure)

        public var name: String {
            switch self {
            case .statistic(let statistic): statistic.rawValue
            case .measure(let measure): measure.rawValue
            }
        }
    }

    public var group: Group
    public var kind: Kind

    public init(_ group: Group, _ statistic: Statistic) {
        self.group = group
        kind = .statistic(statistic)
    }

    public init(_ group: Group, _ measure: Measure) {
        self.group = group
        kind = .measure(measure)
    }

    public var path: String { "\(group.path).\(kind.name)" }

    /// Counted in whole units (ops), not in seconds or fractions.
    public var isCount: Bool { kind == .statistic(.count) || kind == .measure(.aboveBound) }

    /// The figure in one run (0 for a group with no ops in it).
    public func value(_ run: RunFigures) -> Double {
        switch kind {
        case .measure(.share):
            let count = group.figures(in: run)?.count ?? 0
            return run.all.count == 0 ? 0 : Double(count) / Double(run.all.count)
        case .measure(.jain):
            if case .lane(let lane) = group { return Double(run.laneJainMillionths[lane.laneIndex]) / 1e6 }
            return Double(run.jainMillionths) / 1e6
        case .measure(.aboveBound): return Double(group.figures(in: run)?.aboveBound ?? 0)
        case .statistic(let statistic): return group.figures(in: run)?.value(statistic) ?? 0
        }
    }
}
