import Model
import Sim

/// `simrun compare --vary KEY=V1,V2,...`: the same comparison at every point of a grid of
/// scenario values (the cross product of the `--vary` axes, the first varying slowest), one
/// run per point and variant with the same seed, so a reader sees how much a finding moves
/// with a setting it rests on.
public struct SensitivityReport: SimulationReport {
    public struct Point: Sendable {
        /// The value of each axis at this point, as written.
        public var values: [String]
        public var report: ReplicatedReport
    }

    public var scenario: String
    public var seed: UInt64
    public var axes: [String]
    public var points: [Point]

    public var isWhole: Bool { points.allSatisfy(\.report.isWhole) }

    /// Every point's variants as one report, each named by its point (`12s round / facade`).
    public var model: ReplicatedReport {
        let runs = points.flatMap { point in
            point.report.runs.map { variant in variant.renamed((point.values + [variant.variant]).joined(separator: " / ")) }
        }
        return ReplicatedReport(scenario: scenario, file: "", seed: seed, seeds: [seed], warmup: .zero, runs: runs,
                                wallSeconds: nil)
    }
    public var hasEffectViolations: Bool { points.contains { $0.report.hasEffectViolations } }

    /// Runs `variants` (names; empty: the defaults) of `file` at every point of `grid`, with
    /// `settings` applied first. Every point's scenario is read, and passed to `check` (the
    /// work budget, say), before any run starts. The points run on up to `threads` threads.
    public static func run<Failure: Error>(
        file: String, settings: [YAMLSetting], grid: SweepGrid, variants: [String], stepsMatrix: Bool,
        seed: UInt64?, warmup: Duration, maxBytes: Int = YAMLInputLimits.defaultMaxBytes, threads: Int = 1,
        check: (Scenario, [Variant]) throws(Failure) -> Void,
        progress: @escaping @Sendable (String) -> Void = { _ in }) throws -> SensitivityReport {
        let document: YAMLDocument
        do { document = try YAMLDocument.load(path: file, maxBytes: maxBytes) } catch {
            throw Sweep.Failure.scenario(error)
        }
        var scenarios: [(values: [String], scenario: Scenario, chosen: [Variant])] = []
        for index in 0..<grid.count {
            let point: [YAMLSetting]
            do { point = try grid.settings(ofPoint: index) } catch { throw Sweep.Failure.commandLine(error) }
            let scenario: Scenario
            do {
                scenario = try ScenarioParser.parse(document.patched(with: settings + point))
            } catch {
                throw Sweep.Failure.scenario(error)
            }
            var chosen = stepsMatrix ? StepsMatrix.variants() : []
            if !variants.isEmpty || chosen.isEmpty {
                do { chosen += try ScenarioRunner.variants(variants, of: scenario) } catch {
                    throw Sweep.Failure.unknownVariant(error)
                }
            }
            try check(scenario, chosen)
            scenarios.append((grid.values(ofPoint: index), scenario, chosen))
        }
        // Each point (its variants one after another) on the thread that takes it; the
        // report is the same on any number of threads.
        let entries = scenarios
        let reports = runInParallel(entries.count, threads: threads) { index in
            let entry = entries[index]
            progress("point \(index + 1)/\(entries.count): " + zip(grid.axes, entry.values)
                .map { "\($0.path)=\($1)" }.joined(separator: " "))
            return ScenarioRunner.run(entry.scenario, chosen: entry.chosen, seed: seed, measureWallTime: false,
                                      warmup: warmup)
        }
        return SensitivityReport(scenario: scenarios.first?.scenario.name ?? file,
                                 seed: reports.first?.seed ?? seed ?? 0, axes: grid.axes.map(\.path.description),
                                 points: zip(entries, reports).map { Point(values: $0.values, report: $1) })
    }

    /// One row per point and variant: outcome counts, then `wait_seconds` and `effect_seconds`
    /// p99 overall and for each focus.
    public func table(focus: [ComparisonFocus]) -> String {
        // A grid that varies the seed has no one seed to name.
        let seedNote = axes.contains("seed") ? "" : "  seed \(seed)"
        var lines = ["scenario \(scenario)\(seedNote)  varying \(axes.joined(separator: ", "))  (p99 in seconds; "
                     + "effect: creation to the end of the execution that made the change)", ""]
        var header = axes + ["variant", "executed", "errors", "timeouts", "lost", "wait p99", "effect p99"]
        for item in focus { header += ["\(item.name) wait p99", "effect p99"] }
        var table = TextTable(header)
        for point in points {
            for run in point.report.runs {
                // One run per point: each figure's value (the report model's cells).
                func cell(_ figure: Figure) -> String { ReplicatedReport.cell(figure, run.values(figure)) }
                var row = point.values + [run.variant + run.idleRounds.rowMark + (run.isWhole ? "" : " (INCOMPLETE)"),
                                          cell(.ops(.executed)),
                                          ReplicatedReport.cell(.ops(.errored), run.sum(.ops(.errored), .ops(.aborted))), cell(.ops(.waitsTimedOut)),
                                          cell(.effectViolations), cell(.distribution(.wait, .all, .p99)),
                                          cell(.distribution(.effect, .all, .p99))]
                for item in focus {
                    row += [cell(.distribution(.wait, item.subject, .p99)), cell(.distribution(.effect, item.subject, .p99))]
                }
                table.add(row)
            }
        }
        lines += table.lines(indent: "  ")
        if let note = IdleRounds.rowMarkNote(points.flatMap { $0.report.runs.map(\.idleRounds) }) {
            lines += ["", note]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public var json: JSONValue {
        .object([
            ("scenario", .string(scenario)),
            ("seed", .uint(seed)),
            ("axes", .array(axes.map { .string($0) })),
            ("points", .array(points.map { point in
                .object([
                    ("values", .array(point.values.map { .string($0) })),
                    ("runs", .array(point.report.runsJSON)),
                ])
            })),
        ])
    }
}
