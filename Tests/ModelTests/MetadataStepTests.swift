import Model
import Sim
import Testing

/// Step 3 (model file, section 9): op types declare what coalesces; "no behaviour change
/// (results must be identical to the run without it)". Checked against every combination of
/// the other five steps, on a workload that gives steps 4, 5 and 6 something to do.
@Suite struct MetadataStepTests {
    static let net1 = NetworkID("net-1")
    static let net2 = NetworkID("net-2")

    /// Six starts on one network (two of them with two interfaces there, two with floating
    /// IPs, one also on net-2), an instance delete and a burst of lease removals.
    static func workload() -> Workload {
        var events = (1...6).map { index in
            ScheduledAction.action(at: 0.05 * Double(index), "start-\(index)", .instanceStart(
                instance: InstanceID("inst-\(index)"), node: NodeID(index: index % 3),
                interfaces: index % 3 == 0 ? [net1, net1] : index == 4 ? [net1, net2] : [net1],
                floatingIPs: index % 2 == 0))
        }
        events.append(.action(at: 3, "delete-1", .instanceDelete(InstanceID("inst-1"))))
        return Workload(
            networks: [net1, net2], events: events,
            sources: [OpenLoopSource(
                name: "leases",
                op: GenericOp(type: .netMacaddrIPOp, tasks: [.removeDHCPLease], priority: .userFacing,
                              target: .networkNode, family: .clusterOperation, networkID: net1),
                arrivals: .poisson(ratePerSecond: 4), count: 10, until: nil)])
    }

    /// The 32 combinations of steps 1, 2, 4, 5 and 6.
    static let others: [Set<PlanStep>] = {
        let steps = PlanStep.allCases.filter { $0 != .coalescingMetadata }
        return (0..<(1 << steps.count)).map { mask in
            Set(steps.enumerated().filter { mask & (1 << $0.offset) != 0 }.map(\.element))
        }
    }()

    static func run(_ steps: Set<PlanStep>) -> RunResult {
        var config = ModelConfig.preset(.facade)
        config.steps = steps
        return Cluster.run(config, nodes: 3, workload: workload(), seed: 5)
    }

    /// Every figure of a run, cheaply: counts, ending, times, pending ops, pools, round trips,
    /// lost work, and for every histogram its exact count, mean and maximum (full percentile
    /// summaries are slow in a debug build; the trace, compared as well, pins every value).
    static func figures(_ result: RunResult) -> [String] {
        var lines = ["\(result.counts)", "\(result.ending)", "\(result.virtualTime)", "\(result.jobs)",
                     "\(result.pendingOps)", "\(result.peakBusy.sorted { $0.key < $1.key })",
                     "\(result.roundTrips.sorted { $0.key < $1.key })", "\(result.effectViolations)",
                     "wait all \(result.wait.all.summary)", "completion all \(result.completion.all.summary)"]
        for (name, breakdown) in [("wait", result.wait), ("completion", result.completion)] {
            for (group, map) in [("queue", breakdown.byQueue), ("type", breakdown.byOpType), ("task", breakdown.byTask)] {
                for (key, histogram) in map.sorted(by: { $0.key < $1.key }) {
                    lines.append("\(name) \(group) \(key) \(histogram.count) \(histogram.meanSeconds) \(histogram.maxSeconds)")
                }
            }
        }
        return lines
    }

    @Test(arguments: others)
    func stepThreeChangesNothingWhateverElseIsOn(_ steps: Set<PlanStep>) {
        let without = Self.run(steps)
        let with = Self.run(steps.union([.coalescingMetadata]))
        #expect(without.ending == .completed)
        #expect(Self.figures(with) == Self.figures(without))
        #expect(with.trace == without.trace)
        // Not vacuous: the switches that matter do change this workload.
        if steps.contains(.workerFold) { #expect(without.counts.folded > 0) }
        if steps.contains(.enqueueDedup) { #expect(without.counts.deduplicated > 0) }
    }
}
