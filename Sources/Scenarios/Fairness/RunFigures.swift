import Model
import Sim

/// One group of ops' waits in one run (a lane, the user-facing or background lanes together,
/// a key, or all), as integers in microseconds: what the fairness reports, sweeps and the
/// decision report read, exact, so a sharded sweep re-summarises to the same bytes.
public struct GroupFigures: Sendable, Equatable {
    public var count: UInt64
    public var sumMicroseconds: Int64
    public var p50: Int64
    public var p90: Int64
    public var p99: Int64
    public var p999: Int64
    public var max: Int64
    /// Waits longer than the scenario's bound.
    public var aboveBound: UInt64

    init(_ group: FairnessFigures.Group) {
        let summary = group.wait.summary
        func micros(_ seconds: Double) -> Int64 { Int64((seconds * 1e6).rounded()) }
        count = summary.count
        sumMicroseconds = group.wait.totalMicroseconds
        p50 = micros(summary.p50)
        p90 = micros(summary.p90)
        p99 = micros(summary.p99)
        p999 = micros(summary.p999)
        max = micros(summary.max)
        aboveBound = group.aboveBound
    }

    /// A statistic of the report model (``Statistic``), in seconds (the count as a count).
    public func value(_ statistic: Statistic) -> Double {
        switch statistic {
        case .count: Double(count)
        case .mean: count == 0 ? 0 : Double(sumMicroseconds) / Double(count) / 1e6
        case .p50: Double(p50) / 1e6
        case .p90: Double(p90) / 1e6
        case .p99: Double(p99) / 1e6
        case .p999: Double(p999) / 1e6
        case .max: Double(max) / 1e6
        }
    }

    var json: JSONValue {
        .object([("count", .uint(count)), ("sum_us", .int(Int(sumMicroseconds))), ("p50_us", .int(Int(p50))),
                 ("p90_us", .int(Int(p90))), ("p99_us", .int(Int(p99))), ("p999_us", .int(Int(p999))),
                 ("max_us", .int(Int(max))), ("above_bound", .uint(aboveBound))])
    }

    init(json: JSONValue, at path: String) throws(JSONValue.ParseError) {
        // Counts and waits: never negative.
        func int(_ key: String) throws(JSONValue.ParseError) -> Int64 {
            guard let value = json[key]?.int64Value, value >= 0 else {
                throw .init("\(path).\(key): expected an integer, 0 or more")
            }
            return value
        }
        count = UInt64(try int("count"))
        sumMicroseconds = try int("sum_us")
        p50 = try int("p50_us")
        p90 = try int("p90_us")
        p99 = try int("p99_us")
        p999 = try int("p999_us")
        max = try int("max_us")
        aboveBound = UInt64(try int("above_bound"))
    }
}

/// The lanes reports group together: user-facing (the three user lanes, which sf-queues keeps
/// two slots for) and background (the two background lanes).
public enum LaneClass: String, CaseIterable, Sendable {
    case user, background

    var lanes: [Priority] { Priority.allCases.filter { ($0.isUserLane) == (self == .user) } }
}

/// Step 7's figures of one run (one replication): per lane, per lane class, per key, and
/// Jain's index over keys, each as integers. Built from the run's ``FairnessFigures``.
public struct RunFigures: Sendable, Equatable {
    public var replication: Int
    public var seed: UInt64
    /// `completed`, `time_limit` or `stuck`.
    public var ending: String
    public var all: GroupFigures
    /// Indexed like `Priority.allCases` (count 0 for a lane without ops).
    public var lanes: [GroupFigures]
    /// Indexed like `LaneClass.allCases`.
    public var classes: [GroupFigures]
    /// By key, sorted by name.
    public var keys: [(name: String, figures: GroupFigures)]
    /// Jain's index over keys of their mean waits, in millionths: overall, then per lane.
    public var jainMillionths: Int64
    public var laneJainMillionths: [Int64]

    public static func == (lhs: RunFigures, rhs: RunFigures) -> Bool { lhs.json == rhs.json }

    public init(_ result: RunResult, replication: Int, seed: UInt64) {
        self.replication = replication
        self.seed = seed
        ending = result.endingState
        let figures = result.fairness
        var all = FairnessFigures.Group()
        for lane in figures.lanes { all.merge(lane) }
        self.all = GroupFigures(all)
        lanes = figures.lanes.map(GroupFigures.init)
        classes = LaneClass.allCases.map { laneClass in
            var group = FairnessFigures.Group()
            for lane in laneClass.lanes { group.merge(figures.lanes[lane.laneIndex]) }
            return GroupFigures(group)
        }
        keys = figures.keys.keys.sorted().compactMap { key in figures.keys[key].map { (key, GroupFigures($0)) } }
        func millionths(_ value: Double) -> Int64 { Int64((value * 1e6).rounded()) }
        jainMillionths = millionths(FairnessFigures.jain(figures.keys.keys.sorted().compactMap { key in
            figures.keys[key].map { FairnessFigures.Tally(count: $0.wait.count, sumMicroseconds: $0.wait.totalMicroseconds) }
        }))
        laneJainMillionths = figures.keysByLane.map { byKey in
            millionths(FairnessFigures.jain(byKey.keys.sorted().compactMap { byKey[$0] }))
        }
    }

    // MARK: JSON

    public var json: JSONValue {
        .object([
            ("replication", .int(replication)),
            ("seed", .uint(seed)),
            ("ending", .string(ending)),
            ("all", all.json),
            ("lanes", .object(Priority.allCases.map { ($0.name, lanes[$0.laneIndex].json) })),
            ("classes", .object(LaneClass.allCases.enumerated().map { ($1.rawValue, classes[$0].json) })),
            ("keys", .object(keys.map { ($0.name, $0.figures.json) })),
            ("jain_millionths", .int(Int(jainMillionths))),
            ("lane_jain_millionths", .object(Priority.allCases.map { ($0.name, .int(Int(laneJainMillionths[$0.laneIndex]))) })),
        ])
    }

    public init(json: JSONValue, at path: String) throws(JSONValue.ParseError) {
        func need(_ key: String) throws(JSONValue.ParseError) -> JSONValue {
            guard let value = json[key] else { throw .init("\(path): missing \"\(key)\"") }
            return value
        }
        guard let replication = try need("replication").int64Value, let seed = try need("seed").uint64Value,
              let ending = try need("ending").stringValue, let jain = try need("jain_millionths").int64Value else {
            throw .init("\(path): expected replication, seed, ending and jain_millionths")
        }
        self.replication = Int(replication)
        self.seed = seed
        self.ending = ending
        jainMillionths = jain
        all = try GroupFigures(json: try need("all"), at: path + ".all")
        let laneObject = try need("lanes")
        var lanes: [GroupFigures] = []
        for lane in Priority.allCases {
            guard let value = laneObject[lane.name] else { throw .init("\(path).lanes: missing \(lane.name)") }
            lanes.append(try GroupFigures(json: value, at: "\(path).lanes.\(lane.name)"))
        }
        self.lanes = lanes
        let classObject = try need("classes")
        var classes: [GroupFigures] = []
        for laneClass in LaneClass.allCases {
            guard let value = classObject[laneClass.rawValue] else { throw .init("\(path).classes: missing \(laneClass.rawValue)") }
            classes.append(try GroupFigures(json: value, at: "\(path).classes.\(laneClass.rawValue)"))
        }
        self.classes = classes
        var keys: [(name: String, figures: GroupFigures)] = []
        for (name, value) in try need("keys").objectPairs ?? [] {
            keys.append((name, try GroupFigures(json: value, at: "\(path).keys.\(name)")))
        }
        self.keys = keys
        let laneJain = try need("lane_jain_millionths")
        var laneJainMillionths: [Int64] = []
        for lane in Priority.allCases {
            guard let value = laneJain[lane.name]?.int64Value else { throw .init("\(path).lane_jain_millionths: missing \(lane.name)") }
            laneJainMillionths.append(value)
        }
        self.laneJainMillionths = laneJainMillionths
    }

    public var isCompleted: Bool { ending == "completed" }
}
