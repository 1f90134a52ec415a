import Sim
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The formulas themselves, against values computed independently (mpmath at 50 digits from
/// the factorial form of Erlang C) and against identities that link them.
@Suite struct QueueingTheoryFormulas {
    @Test(arguments: [
        (1, 0.6, 0.6), (2, 1.0, 1.0 / 3), (3, 1.8, 0.354_744_525_547_445_27),
        (10, 8.0, 0.409_180_150_796_443_53), (300, 270.0, 0.045_742_614_633_140_502),
    ])
    func erlangCMatchesTheFactorialFormula(servers: Int, offeredLoad: Double, expected: Double) {
        let c = QueueingTheory.erlangC(servers: servers, offeredLoad: offeredLoad)
        #expect(abs(c - expected) <= 1e-12 * expected)
    }

    @Test func erlangCAtTheEdges() {
        #expect(QueueingTheory.erlangC(servers: 4, offeredLoad: 0) == 0)
        #expect(QueueingTheory.erlangC(servers: 4, offeredLoad: 4) == 1)
        #expect(QueueingTheory.erlangC(servers: 4, offeredLoad: 9) == 1)
    }

    @Test func mm1IsTheSingleServerCaseOfMMc() {
        // λ = 1/s, μ = 1/0.6 s: ρ = 0.6, Wq = ρ/(μ − λ) = 0.9 s.
        #expect(abs(QueueingTheory.mm1MeanWait(arrivalRate: 1, serviceRate: 1 / 0.6) - 0.9) < 1e-12)
        #expect(QueueingTheory.mm1MeanWait(arrivalRate: 0.7, serviceRate: 1.3)
                == QueueingTheory.mmcMeanWait(arrivalRate: 0.7, serviceRate: 1.3, servers: 1))
    }

    @Test func mmcWaitTailStartsAtErlangCAndDecaysAtRateCMuMinusLambda() {
        let (lambda, mu, c) = (1.0, 1 / 1.8, 3)
        let atZero = QueueingTheory.mmcWaitExceeds(0, arrivalRate: lambda, serviceRate: mu, servers: c)
        #expect(atZero == QueueingTheory.erlangC(servers: c, offeredLoad: lambda / mu))
        let atOne = QueueingTheory.mmcWaitExceeds(1, arrivalRate: lambda, serviceRate: mu, servers: c)
        #expect(abs(atOne / atZero - exp(-(3 * mu - lambda))) < 1e-12)
        // The mean is the integral of the tail: C / (cμ − λ).
        let mean = QueueingTheory.mmcMeanWait(arrivalRate: lambda, serviceRate: mu, servers: c)
        #expect(abs(mean - atZero / (3 * mu - lambda)) < 1e-12)
    }

    @Test func pollaczekKhinchineGivesMM1ForExponentialAndHalfOfItForDeterministicService() {
        let mm1 = QueueingTheory.mm1MeanWait(arrivalRate: 1, serviceRate: 1 / 0.6)
        let exponential = QueueingTheory.mg1MeanWait(arrivalRate: 1, service: .exponential(mean: .milliseconds(600)))
        let deterministic = QueueingTheory.mg1MeanWait(arrivalRate: 1, service: .constant(.milliseconds(600)))
        #expect(abs(exponential - mm1) < 1e-12)
        #expect(abs(deterministic - mm1 / 2) < 1e-12)
        #expect(abs(deterministic - 0.45) < 1e-12)
    }

    @Test func cobhamWithOneClassIsPollaczekKhinchine() {
        let service = Distribution.uniform(.milliseconds(200), .seconds(1))
        let waits = QueueingTheory.nonPreemptivePriorityMeanWaits([.init(arrivalRate: 0.8, service: service)])
        #expect(abs(waits[0] - QueueingTheory.mg1MeanWait(arrivalRate: 0.8, service: service)) < 1e-12)
    }

    /// By hand: λ = 0.5/s each; E[S₀] = 0.6 s, E[S₀²] = 0.72 s² (exponential);
    /// E[S₁] = 0.6 s, E[S₁²] = (0.04 + 0.2 + 1)/3 s² (uniform 0.2–1 s). W0 = (0.36 + 0.20667)/2
    /// = 0.283333 s; σ₀ = 0.3, σ₁ = 0.6; W₀ = W0/0.7 = 0.404762 s, W₁ = W0/(0.7·0.4) = 1.011905 s.
    @Test func cobhamTwoClassesByHandAndKleinrocksConservationLaw() {
        let classes: [QueueingTheory.PriorityClass] = [
            .init(arrivalRate: 0.5, service: .exponential(mean: .milliseconds(600))),
            .init(arrivalRate: 0.5, service: .uniform(.milliseconds(200), .seconds(1))),
        ]
        let waits = QueueingTheory.nonPreemptivePriorityMeanWaits(classes)
        let residual = (0.5 * 0.72 + 0.5 * 1.24 / 3) / 2
        #expect(abs(waits[0] - residual / 0.7) < 1e-12)
        #expect(abs(waits[1] - residual / (0.7 * 0.4)) < 1e-12)
        // Σ ρ_k W_k = ρ · W_FCFS: priority only moves waiting between classes (equal means here).
        let fcfs = QueueingTheory.mg1MeanWait(arrivalRate: 1, serviceMean: 0.6,
                                               serviceSecondMoment: (0.72 + 1.24 / 3) / 2)
        #expect(abs(0.3 * waits[0] + 0.3 * waits[1] - 0.6 * fcfs) < 1e-12)
    }

    @Test func unstableQueuesHaveInfiniteWaits() {
        #expect(QueueingTheory.mm1MeanWait(arrivalRate: 2, serviceRate: 2) == .infinity)
        #expect(QueueingTheory.mmcMeanWait(arrivalRate: 7, serviceRate: 2, servers: 3) == .infinity)
        #expect(QueueingTheory.mmcWaitExceeds(5, arrivalRate: 7, serviceRate: 2, servers: 3) == 1)
        #expect(QueueingTheory.mg1MeanWait(arrivalRate: 2, service: .constant(.seconds(1))) == .infinity)
        let overloaded = QueueingTheory.nonPreemptivePriorityMeanWaits([
            .init(arrivalRate: 0.5, service: .constant(.seconds(1))),
            .init(arrivalRate: 0.6, service: .constant(.seconds(1))),
        ])
        #expect(overloaded == [.infinity, .infinity])
    }
}
