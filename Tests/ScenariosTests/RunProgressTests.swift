import Foundation
import Model
@testable import Scenarios
import Sim
import Synchronization
import Testing

/// `--progress` while a run goes on: a line every two seconds of wall time, read from the
/// run's watch without changing the run.
@Suite struct RunProgressTests {
    /// Told at every check of the watch (interval zero), a run reports its clock every 10 s of
    /// virtual time and its op counts growing, and its result is the same bytes as without.
    @Test func aRunTellsItsProgressAndIsTheSameWithoutIt() throws {
        let scenario = try ScenarioParser.load(path: CLI.packageRoot.appendingPathComponent(
            "scenarios/ci-functional.yaml").path)
        let variant = try #require(scenario.variant(named: "plan"))
        let config = scenario.config(for: variant)
        var options = scenario.runOptions(config: config, seed: scenario.seed)
        let seen = Mutex<[RunProgress]>([])
        options.progressInterval = .zero
        options.progress = { now in seen.withLock { $0.append(now) } }
        let told = ClusterRun.run(config: config, topology: scenario.topology, workload: scenario.workload,
                                  options: options)
        options.progress = nil
        let quiet = ClusterRun.run(config: config, topology: scenario.topology, workload: scenario.workload,
                                   options: options)
        func json(_ result: RunResult) -> String {
            ReplicatedReport(scenario: scenario.name, file: scenario.file, seed: scenario.seed, seeds: [scenario.seed],
                             warmup: .zero, runs: [ReplicatedVariant(variant: variant.name, era: scenario.era(of: variant),
                                                                     results: [result])],
                             wallSeconds: nil).json.rendered()
        }
        #expect(json(told) == json(quiet))
        let reports = seen.withLock { $0 }
        // The run lasts minutes of virtual time: one report per 10 s watch check up to its end.
        #expect(reports.count >= 10, "\(reports.count) reports")
        #expect(zip(reports, reports.dropFirst()).allSatisfy { $1.virtualTime == $0.virtualTime + .seconds(10) })
        #expect(zip(reports, reports.dropFirst()).allSatisfy { $1.created >= $0.created && $1.ended >= $0.ended })
        #expect(reports.allSatisfy { $0.ended <= $0.created && $0.virtualTime <= told.virtualTime })
        let last = try #require(reports.last)
        #expect(last.created > 0 && last.created <= told.counts.created)
    }

    @Test func theLineSaysHowFarAgainstTheTimeLimit() {
        let now = RunProgress(virtualTime: .seconds(21_600), created: 120_000, ended: 119_000)
        #expect(ScenarioRunner.progressLine(now, variant: "plan", timeLimit: .seconds(86_400), wall: 3.14)
                == "variant plan: 21600 s of 86400 s virtual (25 %), 120000 ops created, 119000 ended, 3.1 s wall")
        #expect(ScenarioRunner.progressLine(now, variant: "plan", timeLimit: nil, wall: 3.14)
                == "variant plan: 21600 s virtual, 120000 ops created, 119000 ended, 3.1 s wall")
    }
}
