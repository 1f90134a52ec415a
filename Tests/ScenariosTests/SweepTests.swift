import Foundation
import Scenarios
import Testing

/// `simrun sweep` and `simrun merge`: grids, shards, and byte-identical outputs.
@Suite struct SweepGridTests {
    @Test func pointsAreTheCrossProductWithTheFirstAxisSlowest() throws {
        let grid = try SweepGrid(axes: [try .parse("fairness.after=10s,30s,60s"), try .parse("cluster.cpus=4,8")])
        #expect(grid.count == 6)
        #expect((0..<6).map { grid.values(ofPoint: $0) }
                == [["10s", "4"], ["10s", "8"], ["30s", "4"], ["30s", "8"], ["60s", "4"], ["60s", "8"]])
        #expect(try grid.settings(ofPoint: 3).map(\.text) == ["fairness.after=30s", "cluster.cpus=8"])
        #expect(try SweepGrid(axes: []).count == 1)
    }

    @Test func commasInsideBracketsBraceAndQuotesBelongToTheValue() throws {
        let axis = try SweepGrid.Axis.parse("fairness.lanes=[background, background_high_io],[background],\"a,b\"")
        #expect(axis.values == ["[background, background_high_io]", "[background]", "\"a,b\""])
    }

    @Test func badAxesAreCommandLineErrors() {
        #expect(throws: CommandLineError("--grid \"cpus\": expected KEY=V1,V2,... (e.g. fairness.after=10s,30s,60s)")) {
            try SweepGrid.Axis.parse("cpus")
        }
        #expect(throws: CommandLineError("--grid cluster.cpus=...: a value is listed twice")) {
            try SweepGrid.Axis.parse("cluster.cpus=4,4")
        }
        #expect(throws: CommandLineError("--grid cluster.cpus=...: expected values separated by commas, none of them empty")) {
            try SweepGrid.Axis.parse("cluster.cpus=4,,8")
        }
        #expect(throws: CommandLineError("--grid cluster.cpus: the key has two --grid options")) {
            try SweepGrid(axes: [try .parse("cluster.cpus=4"), try .parse("cluster.cpus=8")])
        }
    }

    /// Every run belongs to exactly one shard, and shard sizes differ by at most one.
    @Test func shardsCutTheRunsIntoContiguousSlices() throws {
        for total in [0, 1, 7, 24, 240] {
            for count in [1, 2, 3, 5, 8] {
                let ranges = try (0..<count).map { try SweepShard(index: $0, count: count).range(of: total) }
                #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == total)
                #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
                let sizes = ranges.map(\.count)
                #expect((sizes.max() ?? 0) - (sizes.min() ?? 0) <= 1)
            }
        }
    }

    @Test func shardAutoReadsTheBatchEnginesEnvironment() throws {
        #expect(try SweepShard.parse("auto", environment: ["SIMRUN_SHARD": "2/5"]) == SweepShard(index: 2, count: 5))
        #expect(try SweepShard.parse("auto", environment: ["JOB_COMPLETION_INDEX": "3", "SIMRUN_SHARD_COUNT": "4"])
                == SweepShard(index: 3, count: 4))
        // Slurm arrays may start at 1 (--array=1-4): the index is relative to the minimum.
        #expect(try SweepShard.parse("auto", environment: ["SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_COUNT": "4",
                                                           "SLURM_ARRAY_TASK_MIN": "1"]) == SweepShard(index: 3, count: 4))
        #expect(try SweepShard.parse("1/2", environment: [:]) == SweepShard(index: 1, count: 2))
        #expect(throws: CommandLineError("--shard auto: JOB_COMPLETION_INDEX is set but not SIMRUN_SHARD_COUNT "
                                         + "(set it to the Job's completions)")) {
            try SweepShard.parse("auto", environment: ["JOB_COMPLETION_INDEX": "0"])
        }
        #expect(throws: CommandLineError("--shard 4/4: expected i/n with 0 <= i < n")) {
            try SweepShard.parse("4/4", environment: [:])
        }
        // A Slurm index and minimum whose difference leaves Int is an error, not a trap.
        #expect(throws: CommandLineError("--shard auto: SLURM_ARRAY_TASK_ID 0 less SLURM_ARRAY_TASK_MIN "
                                         + "-9223372036854775808 is out of range")) {
            try SweepShard.parse("auto", environment: ["SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_COUNT": "2",
                                                       "SLURM_ARRAY_TASK_MIN": "-9223372036854775808"])
        }
    }

    /// Slice bounds are exact for any index and count, those near `Int.max` included (their
    /// products with the number of runs overflowed 64 bits).
    @Test func slicesOfHugeShardCountsAreExact() throws {
        let count = Int.max
        #expect(try SweepShard(index: count / 2, count: count).range(of: 24) == 11..<12)
        #expect(try SweepShard(index: count - 1, count: count).range(of: 24) == 23..<24)
        #expect(try SweepShard(index: 0, count: count).range(of: 24) == 0..<0)
        #expect(try SweepShard(index: 3, count: 4).range(of: Int.max).upperBound == Int.max)
    }

    /// A grid past ``SweepGrid/maxPoints`` (or past what Int counts) is refused before any
    /// point is read.
    @Test func aGridOfTooManyPointsIsRefused() throws {
        let axes = try (0..<64).map { try SweepGrid.Axis.parse("parameters.p\($0)=1,2") }
        #expect(throws: CommandLineError("--grid: more than \(SweepGrid.maxPoints) points; every point's scenario is read "
                                         + "before anything runs (split the grid)")) {
            try SweepGrid(axes: axes)
        }
        #expect(try SweepGrid(axes: Array(axes.prefix(16))).count == 65_536)
    }
}

/// The command line end to end: several local processes each run one shard (`xargs -P`), and
/// `merge` of their outputs equals the unsharded sweep byte for byte, in every format.
@Suite(.serialized) struct SweepCommandTests {
    /// A small fairness study: 6 minutes of overload on the network node.
    static let scenario = """
        name: small-study
        era: plan
        seed: 3
        time_limit: 1h
        cluster: {nodes: 1, cpus: 4}
        networks: [a, b]
        figures: {wait_bound: 30s, key: network}
        overrides:
          tasks:
            work: {service: {uniform: [1s, 2s]}}
        fairness: {policy: bounded_staleness, after: 30s}
        sources:
          - name: user
            op: {type: net_op, tasks: [work], priority: user_facing, queue: networknode, network: a}
            arrivals: {poisson: 0.7/s}
            until: 6m
          - name: background
            op: {type: net_op, tasks: [work], priority: background, queue: networknode, network: b}
            arrivals: {every: 20s}
            until: 6m
        variants:
          strict: {fairness: {policy: strict}}
          staleness: {}
        """

    static let grid = ["--grid", "fairness.after=15s,45s", "--grid", "workload=[]"]

    @Test func shardedAndMergedOutputEqualsTheUnshardedSweepByteForByte() throws {
        let path = try CLI.scenarioFile(Self.scenario, name: "small-study.yaml")
        let directory = (path as NSString).deletingLastPathComponent
        let sweep = [CLI.executable.path, "sweep", path] + Self.grid + ["--replications", "3"]
        // Four processes, four shards of 2 points x 2 variants x 3 replications = 12 runs.
        let command = "seq 0 3 | xargs -P 4 -I{} " + (sweep + ["--shard", "{}/4", "--output", "\(directory)/shard-{}.json"])
            .map(Self.shellQuoted).joined(separator: " ")
        let xargs = try CLI.shell(command)
        #expect(xargs.status == 0, "\(xargs.stderr)")
        let shards = (0..<4).map { "\(directory)/shard-\($0).json" }
        for format in ["json", "csv", "table"] {
            let whole = try CLI.run(Array(sweep.dropFirst()) + ["--format", format])
            #expect(whole.status == 0, "\(whole.stderr)")
            let merged = try CLI.run(["merge"] + shards.reversed() + ["--format", format])
            #expect(merged.status == 0, "\(merged.stderr)")
            #expect(merged.stdout == whole.stdout, "merge --format \(format) differs from the unsharded sweep")
        }
    }

    @Test func theOutputDoesNotDependOnTheNumberOfThreads() throws {
        let path = try CLI.scenarioFile(Self.scenario, name: "small-study.yaml")
        let one = try CLI.run(["sweep", path, "--grid", "fairness.after=15s,45s", "--replications", "2", "--jobs", "1",
                               "--format", "json"])
        let two = try CLI.run(["sweep", path, "--grid", "fairness.after=15s,45s", "--replications", "2", "--jobs", "3",
                               "--format", "json"])
        #expect(one.status == 0 && two.status == 0)
        #expect(one.stdout == two.stdout)
    }

    @Test func mergeRefusesAnIncompleteOrMixedSetOfShards() throws {
        let path = try CLI.scenarioFile(Self.scenario, name: "small-study.yaml")
        let directory = (path as NSString).deletingLastPathComponent
        var outputs: [String] = []
        for (index, replications) in [(0, "2"), (1, "2"), (1, "3")] {
            let output = "\(directory)/part-\(index)-\(replications).json"
            let result = try CLI.run(["sweep", path, "--replications", replications, "--variant", "strict",
                                      "--shard", "\(index)/3", "--output", output])
            #expect(result.status == 0, "\(result.stderr)")
            outputs.append(output)
        }
        let missing = try CLI.run(["merge", outputs[0], outputs[1]])
        #expect(missing.status == 2)
        #expect(missing.stderr == "simrun: missing shard 2/3\n")
        let mixed = try CLI.run(["merge", outputs[0], outputs[2]])
        #expect(mixed.status == 2)
        #expect(mixed.stderr.contains("not a shard of the same sweep"))
        let twice = try CLI.run(["merge", outputs[0], outputs[0]])
        #expect(twice.stderr.contains("shard 0/3 again"))
        let notJSON = try CLI.run(["merge", path])
        #expect(notJSON.status == 2)
        #expect(notJSON.stderr.hasPrefix("simrun: \(path): not JSON: "))
        // A shard whose pooled histogram's buckets do not add up to its count (edited, or cut
        // short) is refused with the histogram's path, not merged into figures that disagree
        // (shard 1/3 of two runs holds one; 0/3 holds none).
        let original = try String(contentsOfFile: outputs[1], encoding: .utf8)
        let tampered = "\(directory)/part-1-tampered.json"
        // A histogram is written count, sum_us, min_us, max_us, buckets: its count is the last
        // one before the first buckets.
        guard let buckets = original.range(of: #""buckets""#),
              let range = original.range(of: #""count": "#, options: .backwards,
                                         range: original.startIndex..<buckets.lowerBound) else {
            Issue.record("no histogram count in \(outputs[1])")
            return
        }
        let digits = original[range.upperBound...].prefix { $0.isNumber }
        try original.replacingCharacters(in: range.upperBound..<original.index(range.upperBound, offsetBy: digits.count),
                                         with: String((UInt64(digits) ?? 0) + 1))
            .write(toFile: tampered, atomically: true, encoding: .utf8)
        let edited = try CLI.run(["merge", outputs[0], tampered])
        #expect(edited.status == 2, "\(edited.stderr)")
        #expect(edited.stderr.hasPrefix("simrun: \(tampered): "), "\(edited.stderr)")
        #expect(edited.stderr.contains(".buckets: the counts add up to \(digits), expected count"), "\(edited.stderr)")
        #expect(edited.stderr.components(separatedBy: "\n").count == 2, "one line: \(edited.stderr)")
    }

    /// Shards edited or cut short are refused, naming what is wrong, rather than merged into a
    /// table that looks whole (or a trap): an axis without values, a point outside the grid,
    /// a point or a replication left out, a negative count.
    @Test func mergeRefusesShardsThatDoNotHoldTheirRuns() throws {
        let path = try CLI.scenarioFile(Self.scenario, name: "small-study.yaml")
        let directory = (path as NSString).deletingLastPathComponent
        var shards: [String] = []
        for index in 0..<2 {
            let output = "\(directory)/cut-\(index).json"
            let result = try CLI.run(["sweep", path, "--grid", "fairness.after=15s,45s", "--replications", "2",
                                      "--variant", "strict", "--shard", "\(index)/2", "--output", output])
            #expect(result.status == 0, "\(result.stderr)")
            shards.append(output)
        }
        let whole = try CLI.run(["merge"] + shards)
        #expect(whole.status == 0, "\(whole.stderr)")
        // Edited through simrun's own JSON values, so every other number keeps its form.
        let top = try JSONValue.parse(try String(contentsOfFile: shards[0], encoding: .utf8))
        func edited(_ name: String, at path: [String], to value: JSONValue) throws -> String {
            let file = "\(directory)/\(name).json"
            try Self.replacing(path[...], in: top, with: value).rendered().write(toFile: file, atomically: true, encoding: .utf8)
            return file
        }
        let cases: [(String, String)] = [
            (try edited("no-values", at: ["grid", "0", "values"], to: .array([])),
             "grid: expected key and a non-empty list of values"),
            (try edited("outside", at: ["points", "0", "point"], to: .int(-1)), "points[0]: expected point (0 to 1)"),
            (try edited("no-points", at: ["points"], to: .array([])), "point 0 variant 0 is missing; not the whole sweep"),
            (try edited("no-replications", at: ["points", "0", "replications"], to: .array([])),
             "has replications [], expected 0 to 1; not the whole sweep"),
            (try edited("negative", at: ["points", "0", "replications", "0", "all", "count"], to: .int(-3)),
             "points[0].replications[0].all.count: expected an integer, 0 or more"),
        ]
        for (file, message) in cases {
            let merged = try CLI.run(["merge", file, shards[1]])
            #expect(merged.status == 2, "\(file): \(merged.stderr)")
            #expect(merged.stdout.isEmpty, "\(file)")
            #expect(merged.stderr.contains(message), "\(file): \(merged.stderr)")
            #expect(merged.stderr.components(separatedBy: "\n").count == 2, "one line: \(merged.stderr)")
        }
    }

    /// `value` with the member at `path` (object keys, array indices as numbers) replaced.
    static func replacing(_ path: ArraySlice<String>, in value: JSONValue, with replacement: JSONValue) throws -> JSONValue {
        guard let key = path.first else { return replacement }
        switch value {
        case .object(let pairs):
            let index = try #require(pairs.firstIndex { $0.0 == key }, "no \(key)")
            var copy = pairs
            copy[index].1 = try replacing(path.dropFirst(), in: pairs[index].1, with: replacement)
            return .object(copy)
        case .array(let values), .inline(let values):
            let index = try #require(Int(key).flatMap { values.indices.contains($0) ? $0 : nil }, "no [\(key)]")
            var copy = values
            copy[index] = try replacing(path.dropFirst(), in: values[index], with: replacement)
            return .array(copy)
        default:
            Issue.record("\(key) of a scalar")
            return value
        }
    }

    @Test func aBadGridValueNamesItsKeyAndExits64() throws {
        let path = try CLI.scenarioFile(Self.scenario, name: "small-study.yaml")
        let result = try CLI.run(["sweep", path, "--grid", "fairness.after=15s,soon"])
        #expect(result.status == 64)
        #expect(result.stderr.hasPrefix("simrun: \(path): fairness.after: expected a duration"))
        // Named by the option that gave it (it said --set, an option the command line did not hold).
        #expect(result.stderr.hasSuffix("(set on the command line: --grid fairness.after=soon)\n"))
        #expect(result.stdout.isEmpty)
    }

    static func shellQuoted(_ text: String) -> String {
        text.contains("{}") && !text.contains(" ") ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

extension CLI {
    /// Runs `command` with `sh -c` in the package root.
    static func shell(_ command: String) throws -> CLIResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.currentDirectoryURL = packageRoot
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CLIResult(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                         stderr: String(decoding: stderr, as: UTF8.self))
    }
}
