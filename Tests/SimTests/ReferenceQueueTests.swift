import Sim
import Testing

/// The bare kernel against queueing theory, through `ServerQueue`.
///
/// ## Method and tolerance
///
/// Each check runs R = 30 independent replications (seeds derived by index from a fixed root,
/// so the suite is reproducible) of N = 20,000 customers each and discards the first 500: the
/// queue starts empty, and at ρ = 0.6 it forgets its start within a few dozen service times,
/// so 500 arrivals are many relaxation times. Each replication yields one mean over 19,500
/// waits; such means are close to normal (they average over hundreds of independent busy
/// periods), so the 30 of them support a Student-t interval with 29 degrees of freedom.
///
/// Two assertions per figure:
/// - **Coverage.** The theory value lies in the 99.9% t-interval of the replication means.
///   If kernel and model are right this holds with probability 0.999 for any seed; over the
///   seven figures below, fewer than 1 seed in 100 would raise a false alarm.
/// - **Power.** The interval's half-width is below 8% of the theory value (1.5–5% with these
///   settings). So the first assertion cannot pass by being vague: a simulation whose mean is
///   off by more than 8% fails. (The half-width scales with the sample standard deviation of
///   29 degrees of freedom; exceeding 8% by chance would need it 1.7 times its expected value,
///   a chi-square tail far below 1e-5.)
///
/// Measurement error is far below that: waits are recorded truncated to whole microseconds
/// (a bias under 1 µs against means near 0.5 s) and tail fractions at the histogram's three
/// significant digits (the threshold moves by under 0.1%, the fraction by under 0.05%).
///
/// Loads are ρ = 0.6 throughout; in a debug build the four checks take about 25 s of CPU.
@Suite struct ReferenceQueueAgainstTheory {
    static let replications = 30
    static let customers = 20_000
    static let warmupCustomers = 500
    static let confidence = 0.999
    /// The largest half-width allowed, as a fraction of the theory value.
    static let precision = 0.08

    /// Runs the replications and returns, for each figure `measure` extracts, its value in
    /// every replication.
    static func replicate(_ name: String, classes: [ServerQueue.Config.Class], servers: Int,
                          measure: (ServerQueue.Result) -> [Double]) -> [[Double]] {
        let root = RandomStream(seed: 20_240_601).derived(name)
        let perReplication = (0..<replications).map { index in
            let result = ServerQueue.run(ServerQueue.Config(
                classes: classes, servers: servers, customers: customers, warmupCustomers: warmupCustomers,
                seed: root.derived(UInt64(index)).key))
            #expect(result.outcome.ending == .completed)
            #expect(result.unexpectedErrors.isEmpty)
            #expect(result.wait.count == UInt64(customers - warmupCustomers))
            return measure(result)
        }
        return perReplication[0].indices.map { figure in perReplication.map { $0[figure] } }
    }

    /// Both assertions of the method above, for one figure.
    static func expectAgreement(_ values: [Double], theory: Double, _ figure: String,
                                sourceLocation: SourceLocation = #_sourceLocation) {
        let summary = ReplicationSummary(values, confidence: confidence)
        let report = "\(figure): theory \(theory.formatted6), simulated \(summary.mean.formatted6) "
            + "± \(summary.halfWidth.formatted6) (99.9%, \(summary.n) replications)"
        #expect(summary.contains(theory), Comment(rawValue: report), sourceLocation: sourceLocation)
        #expect(summary.halfWidth < precision * theory, Comment(rawValue: report), sourceLocation: sourceLocation)
    }

    /// λ = 1/s, E[S] = 0.6 s exponential: ρ = 0.6, Wq = 0.9 s.
    @Test func mm1MeanWaitMatchesTheory() {
        let figures = Self.replicate("M/M/1", classes: [
            .init(interArrival: .exponential(mean: .seconds(1)), service: .exponential(mean: .milliseconds(600))),
        ], servers: 1) { [$0.wait.meanSeconds] }
        Self.expectAgreement(figures[0], theory: QueueingTheory.mm1MeanWait(arrivalRate: 1, serviceRate: 1 / 0.6),
                             "M/M/1 mean wait")
    }

    /// λ = 1/s, E[S] = 1.8 s exponential, c = 3: a = 1.8, ρ = 0.6, C(3, 1.8) = 0.3547,
    /// Wq = 0.5321 s, P(Wq > 1 s) = 0.1821, P(Wq > 0) = C.
    @Test func mm3MeanWaitAndWaitTailMatchErlangC() {
        let (lambda, mu, servers) = (1.0, 1 / 1.8, 3)
        let figures = Self.replicate("M/M/3", classes: [
            .init(interArrival: .exponential(mean: .seconds(1)), service: .exponential(mean: .milliseconds(1800))),
        ], servers: servers) { result in
            [result.wait.meanSeconds, result.wait.fraction(above: .seconds(1)), result.wait.fraction(above: .zero)]
        }
        Self.expectAgreement(figures[0], theory: QueueingTheory.mmcMeanWait(
            arrivalRate: lambda, serviceRate: mu, servers: servers), "M/M/3 mean wait")
        Self.expectAgreement(figures[1], theory: QueueingTheory.mmcWaitExceeds(
            1, arrivalRate: lambda, serviceRate: mu, servers: servers), "M/M/3 P(wait > 1 s)")
        Self.expectAgreement(figures[2], theory: QueueingTheory.mmcWaitExceeds(
            0, arrivalRate: lambda, serviceRate: mu, servers: servers), "M/M/3 P(wait > 0)")
    }

    /// λ = 1/s, D = 0.6 s: ρ = 0.6, Wq = λD²/(2(1 − ρ)) = 0.45 s.
    @Test func md1MeanWaitMatchesPollaczekKhinchine() {
        let service = Distribution.constant(.milliseconds(600))
        let figures = Self.replicate("M/D/1", classes: [
            .init(interArrival: .exponential(mean: .seconds(1)), service: service),
        ], servers: 1) { [$0.wait.meanSeconds] }
        Self.expectAgreement(figures[0], theory: QueueingTheory.mg1MeanWait(arrivalRate: 1, service: service),
                             "M/D/1 mean wait")
    }

    /// Two classes, λ = 0.5/s each, E[S] = 0.6 s each (exponential for class 0, uniform
    /// 0.2–1 s for class 1), one server: ρ = 0.6, W₀ = 0.4048 s, W₁ = 1.0119 s.
    @Test func nonPreemptivePriorityMeanWaitsMatchCobham() {
        let classes: [ServerQueue.Config.Class] = [
            .init(interArrival: .exponential(mean: .seconds(2)), service: .exponential(mean: .milliseconds(600))),
            .init(interArrival: .exponential(mean: .seconds(2)), service: .uniform(.milliseconds(200), .seconds(1))),
        ]
        let figures = Self.replicate("priority", classes: classes, servers: 1) { $0.waitByClass.map(\.meanSeconds) }
        let theory = QueueingTheory.nonPreemptivePriorityMeanWaits(classes.map {
            .init(arrivalRate: 1 / $0.interArrival.meanSeconds, service: $0.service)
        })
        Self.expectAgreement(figures[0], theory: theory[0], "priority class 0 mean wait")
        Self.expectAgreement(figures[1], theory: theory[1], "priority class 1 mean wait")
    }
}
