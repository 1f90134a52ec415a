import Sim

/// How one task behaves when it runs: its service time, how often it fails transiently,
/// and how much disk time it keeps busy on its node while it runs.
public struct TaskProfile: Sendable, Equatable {
    public var service: Distribution
    /// Probability that one attempt fails transiently (then retried per `retryDelays`).
    public var failureProbability: Double
    /// Disk busy time this task adds to its node, in milliseconds per second, while running.
    public var diskMillisecondsPerSecond: Double

    public init(service: Distribution, failureProbability: Double = 0, diskMillisecondsPerSecond: Double = 0) {
        self.service = service
        self.failureProbability = failureProbability
        self.diskMillisecondsPerSecond = diskMillisecondsPerSecond
    }
}

/// Default task profiles. Sources: model file section 10 and the seed plan.
public enum DefaultTaskProfiles {
    public static let all: [TaskName: TaskProfile] = [
        // "the actual dnsmasq restart is sub-second" (seed plan); net_op executions of
        // 2.3-2.5 s were seen in one incident (model file 10): median 0.6 s, p99 2.5 s.
        .updateDnsmasq: TaskProfile(service: .lognormal(median: .milliseconds(600), p99: .milliseconds(2500))),
        .removeDnsmasq: TaskProfile(service: .lognormal(median: .milliseconds(300), p99: .milliseconds(1500))),
        // Mesh reconciliation: a few bridge/vxlan commands on one node. Assumed 0.3 s median.
        .ensureMesh: TaskProfile(service: .lognormal(median: .milliseconds(300), p99: .milliseconds(1500))),
        // Network creation on the network node: namespace, bridge, NAT, dnsmasq start.
        // Assumed ~2.4 s, as the net_op incident figures (model file 10).
        .createNetworkNode: TaskProfile(service: .lognormal(median: .milliseconds(2400), p99: .seconds(6))),
        .deleteNetworkNode: TaskProfile(service: .lognormal(median: .milliseconds(1500), p99: .seconds(5))),
        // create_vxlan_interface is create-if-missing: cheap. Assumed 0.2 s median.
        .createHypervisor: TaskProfile(service: .lognormal(median: .milliseconds(200), p99: .seconds(1))),
        .deleteHypervisor: TaskProfile(service: .lognormal(median: .milliseconds(200), p99: .seconds(1))),
        .addFloatingIP: TaskProfile(service: .lognormal(median: .milliseconds(400), p99: .seconds(2))),
        .removeFloatingIP: TaskProfile(service: .lognormal(median: .milliseconds(400), p99: .seconds(2))),
        .removeDHCPLease: TaskProfile(service: .lognormal(median: .milliseconds(100), p99: .milliseconds(500))),
        // node_inst_netdesc_op execution median 1.71 s (model file 10); p99 assumed 6 s.
        .instanceStart: TaskProfile(service: .lognormal(median: .milliseconds(1710), p99: .seconds(6))),
        // node_inst_op about 0.1 s (model file 10).
        .instanceDelete: TaskProfile(service: .lognormal(median: .milliseconds(100), p99: .milliseconds(500))),
    ]
}
