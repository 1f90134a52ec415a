import Foundation
import Testing

/// `simrun compare` with the steps matrix, and `--strict` on lost work (exit status 3).
@Suite(.serialized) struct CompareCommandTests {
    static let scenario = "scenarios/six-instance-starts.yaml"

    static let matrixRows = ["baseline", "step-1", "step-2", "step-3", "step-4", "step-5", "step-6",
                             "steps-1-2", "steps-1-3", "steps-1-4", "steps-1-5", "all-steps", "all-steps+follow-up"]

    /// The cells of a text-table line (columns are separated by at least two spaces).
    static func cells(_ line: Substring) -> [String] {
        line.split(separator: "  ", omittingEmptySubsequences: true)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
    }

    @Test func stepsMatrixTableHasOneRowPerVariantAndTheNamedColumns() throws {
        let result = try CLI.run(["compare", Self.scenario, "--steps-matrix", "--deterministic"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        let start = try #require(lines.firstIndex(of: "wait_seconds, all ops (effect_seconds p99 beside it)"))
        #expect(Self.cells(lines[start + 1]) == ["variant", "executed", "folded", "dedup", "errors", "lost", "p50",
                                                 "p90", "p99", "max", "p99 vs base", "effect p99", "vs base"])
        let rows = lines[(start + 2)...].prefix { !$0.isEmpty }.map { Self.cells($0) }
        #expect(rows.map { $0.first ?? "" } == Self.matrixRows)
        #expect(rows.allSatisfy { $0.count == 13 })
        // Every focus table (the three slowest queues) lists the same variants.
        let focus = lines.indices.filter { lines[$0].hasPrefix("wait_seconds, queue ") }
        #expect(focus.count == 3)
        for index in focus {
            #expect(lines[(index + 2)...].prefix { !$0.isEmpty }.map { Self.cells($0).first ?? "" } == Self.matrixRows)
        }
    }

    @Test func stepsMatrixJSONHasOneRunPerVariant() throws {
        let result = try CLI.run(["compare", Self.scenario, "--steps-matrix", "--deterministic", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let runs = try #require(json["runs"] as? [[String: Any]])
        #expect(runs.compactMap { $0["variant"] as? String } == Self.matrixRows)
        #expect(runs.allSatisfy { ($0["sim"] as? [String: Any])?["wall_seconds"] == nil })
    }

    /// `--vary` prints one row per point and variant, and names the scenario's seed unless
    /// the seed is what varies (then each row's seed is its own).
    @Test func varyPrintsOneRowPerPointAndNamesTheSeedOnlyWhenItIsFixed() throws {
        let fixed = try CLI.run(["compare", Self.scenario, "--variants", "facade,plan", "--vary",
                                 "time_limit=1h,2h", "--deterministic"])
        #expect(fixed.status == 0, "\(fixed.stderr)")
        let fixedLines = fixed.stdout.split(separator: "\n")
        #expect(fixedLines.first?.hasPrefix("scenario six-instance-starts  seed 42  varying time_limit  ") == true,
                "\(fixedLines.first ?? "")")
        let seeds = try CLI.run(["compare", Self.scenario, "--variants", "facade", "--vary", "seed=1,2,3", "--deterministic"])
        #expect(seeds.status == 0, "\(seeds.stderr)")
        let lines = seeds.stdout.split(separator: "\n")
        #expect(lines.first?.hasPrefix("scenario six-instance-starts  varying seed  ") == true, "\(lines.first ?? "")")
        #expect(lines.dropFirst(2).map { Self.cells($0).prefix(2) } == [["1", "facade"], ["2", "facade"], ["3", "facade"]])
    }

    /// The points of `--vary`, and the variants of a `run`, go on `--jobs` threads: the
    /// output is the same bytes on one or several.
    @Test func jobsDoNotChangeVaryOrRunOutput() throws {
        for arguments in [["compare", Self.scenario, "--variants", "facade,plan", "--vary", "time_limit=1h,2h,3h",
                           "--deterministic", "--format", "json"],
                          ["run", "scenarios/ci-functional.yaml", "--deterministic", "--format", "json"]] {
            let one = try CLI.run(arguments + ["--jobs", "1"])
            let three = try CLI.run(arguments + ["--jobs", "3"])
            #expect(one.status == 0 && three.status == 0, "\(one.stderr)\(three.stderr)")
            #expect(!one.stdout.isEmpty && one.stdout == three.stdout, "\(arguments.prefix(2))")
        }
    }

    @Test func compareWithAnUnknownVariantFailsWithStatusTwoNamingIt() throws {
        let result = try CLI.run(["compare", Self.scenario, "--variants", "facade,nope"])
        #expect(result.status == 2)
        #expect(result.stderr == "simrun: \(Self.scenario): unknown variant \"nope\" "
                + "(this scenario has: inline, facade, plan, plan-deployed, later, plan-mesh-per-node)\n")
        #expect(result.stdout.isEmpty)
    }

    /// The plan's `ensure_mesh` rule loses other nodes' mesh work in this scenario; keyed per
    /// node it loses nothing.
    @Test func strictRunExitsThreeOnLostWorkAndZeroWithout() throws {
        let lost = try CLI.run(["run", Self.scenario, "--variant", "plan", "--strict", "--deterministic"])
        #expect(lost.status == 3)
        #expect(lost.stderr == "simrun: coalescing lost work (see LOST WORK / effect_violations in the report)\n")
        #expect(lost.stdout.contains("LOST WORK (coalesced ops whose change no survivor made): "))
        let clean = try CLI.run(["run", Self.scenario, "--variant", "plan-mesh-per-node", "--strict", "--deterministic"])
        #expect(clean.status == 0, "\(clean.stderr)")
        #expect(!clean.stdout.contains("LOST WORK"))
        // Without --strict, lost work is reported but does not change the exit status.
        let lenient = try CLI.run(["run", Self.scenario, "--variant", "plan", "--deterministic"])
        #expect(lenient.status == 0)
    }
}
