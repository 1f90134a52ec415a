import Model
import Sim
import Testing

/// The full model in ideal mode (`makeIdeal()`: zero round trips, daemons woken on enqueue,
/// exact pools, one item per sf-net claim) against queueing theory. Ops come from generic
/// open-loop sources with Poisson arrivals and task profiles of known service distribution,
/// so each daemon is a textbook queue: one node's sf-net is a single FIFO server with
/// non-preemptive priority by lane, sf-queues with `int(max_workers)` workers is M/x/c.
///
/// Statistics: R independent replications (seeds 1000 + r), each of N = 10,000 customers per
/// source starting from an empty system; the replication means are i.i.d., so a Student-t
/// interval with R - 1 degrees of freedom applies. R = 10, except M/M/3 whose mean wait varies
/// most (it is zero for half the customers): R = 20 there, which narrows the interval more per
/// simulated customer than a longer run would (t drops from 4.78 to 3.88 as well). Each test
/// asserts that the theory value lies inside the 99.9% interval (a correct model fails one
/// check in a thousand, and the seeds are fixed, so a pass is stable) AND that the half-width
/// is below a stated fraction of the theory value, so a model that is merely noisy cannot
/// pass by a wide interval.
///
/// Tolerances: the fractions are about twice the half-width measured with these seeds (and in
/// line with the asymptotic variance of a mean wait over N customers), so a bias of a
/// quarter to a third of the tolerance already pushes the theory value out of the interval.
/// The empty start biases each mean downward by O(relaxation time / N), far below the
/// interval (N is hundreds of relaxation times at these loads).
@Suite struct IdealQueueTheoryTests {
    static let replications = 10
    static let customers = 10_000
    static let node = NodeID(index: 0)

    /// Ideal mode on `plan` with the given task profiles.
    static func idealConfig(_ tasks: [TaskName: TaskProfile], maxWorkers: Double? = nil) -> ModelConfig {
        var config = ModelConfig.preset(.plan)
        config.makeIdeal()
        config.maxWorkersOverride = maxWorkers
        for (name, profile) in tasks { config.tasks[name] = profile }
        return config
    }

    static func source(_ name: String, task: TaskName, queue: QueueName, rate: Double,
                       count: Int = customers) -> OpenLoopSource {
        OpenLoopSource(name: name,
                       op: GenericOp(type: .netOp, tasks: [task], priority: queue.priority, target: queue.target,
                                     family: queue.family),
                       arrivals: .poisson(ratePerSecond: rate), count: count, until: nil)
    }

    /// Runs R replications of `workload` and returns each run's result.
    static func replicate(_ config: ModelConfig, _ workload: Workload,
                          replications: Int = replications) -> [RunResult] {
        (0..<replications).map { index in
            Cluster.run(config, workload: workload, seed: 1000 + UInt64(index), limit: nil, tracing: false)
        }
    }

    static func expectAllServed(_ results: [RunResult], _ expected: Int) {
        #expect(results.allSatisfy { $0.ending == .completed && $0.counts.completed == expected })
    }

    /// `theory` inside the 99.9% interval of `estimates`, whose half-width is below
    /// `tolerance` × theory.
    static func expectAgreement(_ estimates: ReplicationSummary, theory: Double, tolerance: Double,
                                _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(estimates.contains(theory),
                "\(what): theory \(theory), mean \(estimates.mean) ± \(estimates.halfWidth) over \(estimates.n) runs",
                sourceLocation: sourceLocation)
        #expect(estimates.halfWidth < tolerance * theory,
                "\(what): half-width \(estimates.halfWidth) over \(tolerance) × \(theory)",
                sourceLocation: sourceLocation)
    }

    /// M/M/1 through node-1's sf-net: λ = 0.5/s, exponential service of mean 1 s, ρ = 0.5,
    /// Wq = ρ / (μ - λ) = 1 s. Asymptotic variance of the mean wait ≈ 29/N s² at ρ = 0.5, so
    /// the expected half-width is about 4.78 · √(29/10⁴) / √10 ≈ 8%: tolerance 15%.
    @Test func mm1MeanWaitThroughSfNetMatchesTheory() {
        let queue = QueueName(.node(Self.node), .network, .userFacing)
        let config = Self.idealConfig(["svc": TaskProfile(service: .exponential(mean: .seconds(1)))])
        let results = Self.replicate(config, Workload(sources: [
            Self.source("mm1", task: "svc", queue: queue, rate: 0.5),
        ]))
        Self.expectAllServed(results, Self.customers)
        let theory = QueueingTheory.mmcMeanWait(arrivalRate: 0.5, serviceRate: 1, servers: 1)
        #expect(abs(theory - 1) < 1e-12)
        Self.expectAgreement(ReplicationSummary(results.map { $0.wait.all.meanSeconds }, confidence: 0.999), theory: theory,
                             tolerance: 0.15, "M/M/1 mean wait")
    }

    /// M/D/1 through node-1's sf-net: λ = 0.6/s, constant 1 s service, ρ = 0.6,
    /// Pollaczek-Khinchine Wq = λ E[S²] / (2(1 - ρ)) = 0.75 s. Deterministic service halves
    /// the M/M/1 variance; tolerance 12%.
    @Test func md1MeanWaitThroughSfNetMatchesPollaczekKhinchine() {
        let queue = QueueName(.node(Self.node), .network, .userFacing)
        let service = Distribution.constant(.seconds(1))
        let config = Self.idealConfig(["svc": TaskProfile(service: service)])
        let results = Self.replicate(config, Workload(sources: [
            Self.source("md1", task: "svc", queue: queue, rate: 0.6),
        ]))
        Self.expectAllServed(results, Self.customers)
        let theory = QueueingTheory.mg1MeanWait(arrivalRate: 0.6, serviceMean: service.meanSeconds,
                                                         serviceSecondMoment: service.secondMomentSeconds)
        #expect(abs(theory - 0.75) < 1e-12)
        Self.expectAgreement(ReplicationSummary(results.map { $0.wait.all.meanSeconds }, confidence: 0.999), theory: theory,
                             tolerance: 0.12, "M/D/1 mean wait")
    }

    /// M/M/3 through sf-queues (`maxWorkersOverride = 3`, ideal pool: exactly 3 workers) on
    /// `any-clusteroperation-user_facing`: λ = 2.1/s, exponential service of mean 1 s,
    /// ρ = 0.7. Erlang C = 0.4923, Wq = C / (3 - 2.1) = 0.547 s, P(Wq > 1 s) = C e^(-0.9) =
    /// 0.200. Tolerances 20% for the mean and 17% for the tail probability (twice the measured
    /// half-widths of 10% and 8.5%). The tail fraction comes from the wait histogram, whose bucket
    /// at 1 s is under 0.1% wide: a negligible shift of the threshold.
    @Test func mm3MeanWaitAndWaitTailThroughSfQueuesMatchErlangC() {
        let queue = QueueName(.any, .clusterOperation, .userFacing)
        let config = Self.idealConfig(["svc": TaskProfile(service: .exponential(mean: .seconds(1)))], maxWorkers: 3)
        let results = Self.replicate(config, Workload(sources: [
            Self.source("mm3", task: "svc", queue: queue, rate: 2.1),
        ]), replications: 20)
        Self.expectAllServed(results, Self.customers)
        #expect(results.allSatisfy { $0.peakBusy["node-1/sf-queues"] == 3 })
        let mean = QueueingTheory.mmcMeanWait(arrivalRate: 2.1, serviceRate: 1, servers: 3)
        let tail = QueueingTheory.mmcWaitExceeds(1, arrivalRate: 2.1, serviceRate: 1, servers: 3)
        #expect(abs(mean - 0.5470) < 1e-3 && abs(tail - 0.2001) < 1e-3)
        Self.expectAgreement(ReplicationSummary(results.map { $0.wait.all.meanSeconds }, confidence: 0.999), theory: mean,
                             tolerance: 0.20, "M/M/3 mean wait")
        Self.expectAgreement(ReplicationSummary(results.map { $0.wait.all.fraction(above: .seconds(1)) }, confidence: 0.999),
                             theory: tail, tolerance: 0.17, "M/M/3 P(wait > 1 s)")
    }

    /// Two lanes of node-1's sf-net, `user_facing` before `background` (the claim rule puts the
    /// earlier lane first; the single dispatcher never interrupts an item): M/M/1 with two
    /// non-preemptive priority classes, λ = 0.3/s each, exponential service of mean 1 s.
    /// Cobham: W0 = Σ λ E[S²]/2 = 0.6, Wq1 = 0.6 / 0.7 = 0.857 s, Wq2 = 0.6 / (0.7 · 0.4) =
    /// 2.143 s. The low class inherits the high class's bursts and varies most: tolerance
    /// 15% (urgent) and 20% (background).
    @Test func twoLanesOfSfNetMatchCobhamsNonPreemptivePriorityWaits() {
        let urgent = QueueName(.node(Self.node), .network, .userFacing)
        let background = QueueName(.node(Self.node), .network, .background)
        let service = Distribution.exponential(mean: .seconds(1))
        let config = Self.idealConfig(["svc": TaskProfile(service: service)])
        let workload = Workload(sources: [
            Self.source("urgent", task: "svc", queue: urgent, rate: 0.3),
            Self.source("background", task: "svc", queue: background, rate: 0.3),
        ])
        let results = Self.replicate(config, workload)
        Self.expectAllServed(results, 2 * Self.customers)
        let secondMoment = service.secondMomentSeconds
        let theory = QueueingTheory.nonPreemptivePriorityMeanWaits([
            .init(arrivalRate: 0.3, serviceMean: 1, serviceSecondMoment: secondMoment),
            .init(arrivalRate: 0.3, serviceMean: 1, serviceSecondMoment: secondMoment),
        ])
        #expect(abs(theory[0] - 0.6 / 0.7) < 1e-12 && abs(theory[1] - 0.6 / 0.28) < 1e-12)
        let means = { (queue: QueueName) in
            ReplicationSummary(results.map { $0.wait.byQueue[queue.description]?.meanSeconds ?? .nan }, confidence: 0.999)
        }
        Self.expectAgreement(means(urgent), theory: theory[0], tolerance: 0.15, "Cobham user_facing mean wait")
        Self.expectAgreement(means(background), theory: theory[1], tolerance: 0.20, "Cobham background mean wait")
    }
}
