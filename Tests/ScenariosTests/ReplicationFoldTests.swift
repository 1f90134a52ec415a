import Foundation
import Model
@testable import Scenarios
import Sim
import Testing

/// Replications are folded into the report as they end (``Replicator``): each one's
/// histograms are merged into its variant's pool and summarised, and only the first
/// replication's result keeps its own, so memory does not grow with the replications (50 of
/// `ci-functional.yaml` held 1.6 GB of histograms before; 175 MB now). The report must be the
/// one the whole results give.
@Suite struct ReplicationFoldTests {
    @Test func theFoldedReportIsTheOneTheWholeResultsGive() throws {
        let scenario = try ScenarioParser.load(path: CLI.packageRoot.appendingPathComponent(
            "scenarios/six-instance-starts.yaml").path)
        let replications = 4
        let folded = Replicator.run(scenario, chosen: scenario.variants, replications: replications, threads: 2,
                                    measureWallTime: false)
        var wholeRuns: [ReplicatedVariant] = []
        for (variantIndex, variant) in scenario.variants.enumerated() {
            let run = folded.runs[variantIndex]
            // The first replication whole, the others without histograms of their own.
            #expect(run.results[0].wait.all.count > 0)
            for result in run.results.dropFirst() {
                #expect(result.wait.all.count == 0 && result.wait.byQueue.isEmpty && result.completion.byTask.isEmpty)
            }
            // Every replication run again and kept whole, as before the fold.
            let config = scenario.config(for: variant)
            let whole = (0..<replications).map { replication in
                ClusterRun.run(config: config, topology: scenario.topology, workload: scenario.workload,
                               options: scenario.runOptions(config: config,
                                                            seed: Replicator.seed(scenario.seed, replication: replication)))
            }
            let reference = ReplicatedVariant(variant: variant.name, era: scenario.era(of: variant), results: whole)
            wholeRuns.append(reference)
            #expect(run.figures.map(\.figure) == reference.figures.map(\.figure))
            #expect(run.figures.map(\.values) == reference.figures.map(\.values))
            for metric in Metric.allCases {
                let (mine, theirs) = (run.pooled(metric), reference.pooled(metric))
                #expect(mine.all.summary == theirs.all.summary, "\(metric)")
                #expect(mine.byQueue.mapValues(\.summary) == theirs.byQueue.mapValues(\.summary), "\(metric)")
                #expect(mine.byTask.mapValues(\.buckets.count) == theirs.byTask.mapValues(\.buckets.count), "\(metric)")
            }
        }
        // And the whole report, every output's source, the same bytes.
        let reference = ReplicatedReport(scenario: folded.scenario, file: folded.file, seed: folded.seed,
                                         seeds: folded.seeds, warmup: .zero, runs: wholeRuns, wallSeconds: nil)
        #expect(folded.json.rendered() == reference.json.rendered())
    }
}
