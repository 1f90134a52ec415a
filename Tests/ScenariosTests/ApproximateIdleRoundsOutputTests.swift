import Foundation
import Scenarios
import Testing

/// The outputs that tabulate many runs (a sweep and its shards, `compare` and `compare
/// --vary`, the fairness report) say which of them approximated their idle rounds
/// (`overrides.simulation.idle_rounds: approximate`), whether it was set in the file, on a
/// variant, by `--set` or by a grid axis; runs whose rounds were exact say nothing, so their
/// bytes are those of every earlier version.
@Suite(.serialized) struct ApproximateIdleRoundsOutputs {
    /// Two idle nodes, an op an hour; `approximate` the variant that leaps.
    static let scenario = ApproximateIdleRounds.idleText(
        nodes: 2, every: "1h", count: 2, timeLimit: "3h", rounds: "exact",
        variants: "exact: {}\n  approximate: {overrides: {simulation: {idle_rounds: approximate}}}")

    static let mark = "(approximate): idle rounds approximated (overrides.simulation.idle_rounds)"

    /// The table's row of `variant` (its first cell after the axes' values).
    static func rows(_ table: String, variant: String) -> [String] {
        table.split(separator: "\n").map(String.init).filter { line in
            line.split(separator: " ").dropFirst().first.map { $0 == variant } ?? false
                || line.split(separator: " ").first.map { $0 == variant } ?? false
        }
    }

    @Test func aSweepMarksItsApproximateRowsInEveryFormatAndThroughItsShards() throws {
        let path = try CLI.scenarioFile(Self.scenario, name: "idle-pair.yaml")
        let directory = (path as NSString).deletingLastPathComponent
        let sweep = ["sweep", path, "--grid", "cluster.cpus=4,8", "--replications", "3"]
        let table = try CLI.run(sweep)
        #expect(table.status == 0, "\(table.stderr)")
        let approximateRows = Self.rows(table.stdout, variant: "approximate")
        let exactRows = Self.rows(table.stdout, variant: "exact")
        #expect(approximateRows.count == 2 && approximateRows.allSatisfy { $0.contains("approximate (approximate)") },
                "\(table.stdout)")
        #expect(exactRows.count == 2 && exactRows.allSatisfy { !$0.contains("(approximate)") }, "\(table.stdout)")
        #expect(table.stdout.contains(Self.mark))
        let json = try CLI.run(sweep + ["--format", "json"])
        let points = try #require(try JSONValue.parse(json.stdout)["points"]?.arrayValue)
        #expect(points.count == 4)
        for point in points {
            let approximate = point["variant"]?.stringValue == "approximate"
            #expect(point["idle_rounds"]?.stringValue == (approximate ? "approximate" : nil))
        }
        let html = "\(directory)/idle-pair.html"
        #expect(try CLI.run(sweep + ["--html", html]).status == 0)
        #expect(try String(contentsOfFile: html, encoding: .utf8).contains(Self.mark))
        // Five shards of 2 points x 2 variants x 3 replications: some point's replications are
        // split between shards, and the merge gives the unsharded bytes.
        var shards: [String] = []
        for index in 0..<5 {
            let output = "\(directory)/idle-pair-\(index).json"
            let result = try CLI.run(sweep + ["--shard", "\(index)/5", "--output", output])
            #expect(result.status == 0, "\(result.stderr)")
            shards.append(output)
        }
        for format in ["table", "json"] {
            let merged = try CLI.run(["merge"] + shards + ["--format", format])
            let whole = format == "table" ? table : json
            #expect(merged.status == 0 && merged.stdout == whole.stdout, "merge --format \(format): \(merged.stderr)")
        }
        // A shard that says the other way for a point another shard also holds is refused, as
        // is a value that is neither.
        var split: (file: String, point: Int)?
        for (number, shard) in shards.enumerated() where split == nil {
            let points = try #require(try JSONValue.parse(String(contentsOfFile: shard, encoding: .utf8))["points"]?.arrayValue)
            if let index = points.firstIndex(where: { $0["variant"]?.stringValue == "approximate" }),
               number > 0 && index == 0 {
                split = (shard, index)
            }
        }
        let (file, index) = try #require(split, "no shard begins inside an approximate point")
        let top = try JSONValue.parse(String(contentsOfFile: file, encoding: .utf8))
        for (value, message) in [(JSONValue.string("exact"), "idle_rounds differs between shards"),
                                 (.string("roughly"), ".idle_rounds: expected one of \"exact\", \"approximate\"")] {
            let edited = "\(directory)/idle-pair-edited.json"
            try SweepCommandTests.replacing(["points", String(index), "idle_rounds"], in: top, with: value).rendered()
                .write(toFile: edited, atomically: true, encoding: .utf8)
            let merged = try CLI.run(["merge"] + shards.map { $0 == file ? edited : $0 })
            #expect(merged.status == 2 && merged.stdout.isEmpty, "\(merged.stderr)")
            #expect(merged.stderr.contains(message) && merged.stderr.components(separatedBy: "\n").count == 2,
                    "\(merged.stderr)")
        }
        // A sweep of exact runs only says nothing.
        let exact = try CLI.run(sweep + ["--variant", "exact"])
        #expect(exact.status == 0 && !exact.stdout.contains("approximate"), "\(exact.stdout)")
    }

    @Test func compareAndItsGridNameTheApproximateVariants() throws {
        let path = try CLI.scenarioFile(Self.scenario, name: "idle-pair.yaml")
        let compare = try CLI.run(["compare", path])
        #expect(compare.status == 0, "\(compare.stderr)")
        let lines = compare.stdout.split(separator: "\n")
        #expect(lines.dropFirst().first?.hasPrefix("idle rounds approximated (overrides.simulation.idle_rounds) in approximate:")
                == true, "\(compare.stdout)")
        let vary = try CLI.run(["compare", path, "--vary", "cluster.cpus=4,8"])
        #expect(vary.status == 0, "\(vary.stderr)")
        #expect(Self.rows(vary.stdout, variant: "approximate").allSatisfy { $0.contains("approximate (approximate)") })
        #expect(Self.rows(vary.stdout, variant: "approximate").count == 2, "\(vary.stdout)")
        #expect(vary.stdout.contains(Self.mark))
        let exact = try CLI.run(["compare", path, "--variants", "exact"])
        #expect(exact.status == 0 && !exact.stdout.contains("approximate"), "\(exact.stdout)")
    }

    /// The fairness report, approximate through `--set`: every row and strict are marked, in
    /// Markdown and in JSON; without it, nothing is.
    @Test func theFairnessReportMarksApproximateRuns() throws {
        let path = try CLI.scenarioFile(SweepCommandTests.scenario, name: "small-study.yaml")
        let set = ["--set", "overrides.simulation.idle_rounds=approximate"]
        let markdown = try CLI.run(["report", path, "--replications", "2"] + set)
        #expect(markdown.status == 0, "\(markdown.stderr)")
        #expect(markdown.stdout.contains("under strict (approximate) the user-facing p99"), "\(markdown.stdout)")
        #expect(markdown.stdout.contains("| staleness (approximate) |"), "\(markdown.stdout)")
        #expect(markdown.stdout.contains(Self.mark))
        let json = try JSONValue.parse(try CLI.run(["report", path, "--replications", "2", "--format", "json"] + set).stdout)
        let study = try #require(json["studies"]?.arrayValue?.first)
        #expect(study["strict"]?["idle_rounds"]?.stringValue == "approximate")
        #expect(study["policies"]?.arrayValue?.allSatisfy { $0["idle_rounds"]?.stringValue == "approximate" } == true)
        let exact = try CLI.run(["report", path, "--replications", "2"])
        #expect(exact.status == 0 && !exact.stdout.contains("approximate"), "\(exact.stdout)")
    }
}
