import Sim
import Testing

/// The plain event-loop M/M/1 `simrun bench` compares the actors against: it must be the same
/// queue, or the ratio means nothing.
@Suite struct EventLoopQueueMatchesTheKernel {
    /// Same seed, same streams, same draw order (``EventLoopQueue``): every customer waits the
    /// same, so the two histograms encode to the same integers. A loop that drew in another
    /// order, served out of order or timed a wait from the wrong instant would differ.
    @Test(arguments: [UInt64(1), 7, 42])
    func sameSeedGivesTheSameWaitsAsTheActorQueue(seed: UInt64) {
        let interArrival = Distribution.exponential(mean: .milliseconds(1250))
        let service = Distribution.exponential(mean: .seconds(1))
        let customers = 5_000
        let plain = EventLoopQueue.runMM1(interArrival: interArrival, service: service, customers: customers,
                                          seed: seed)
        let actors = ServerQueue.run(.init(classes: [.init(interArrival: interArrival, service: service)],
                                           servers: 1, customers: customers, seed: seed))
        #expect(plain.wait.count == UInt64(customers))
        #expect(plain.wait.encoded == actors.wait.encoded)
        // Two events per customer: its arrival and its departure.
        #expect(plain.events == UInt64(2 * customers))
    }

    /// At rho = 0.8 with mean service 1 s, W_q = rho / (mu - lambda) = 0.8 / 0.2 = 4 s. Over
    /// 200,000 customers (about 2,000 independent busy-period clusters of the slowly mixing
    /// queue) the sample mean's standard error is about 0.1 s; 15 % (0.6 s) is six standard
    /// errors, while a loop that never queued (W_q = 0) or mixed up the rates (W_q = 0.25 s
    /// with them swapped) is off by far more.
    @Test func meanWaitMatchesTheory() {
        let result = EventLoopQueue.runMM1(interArrival: .exponential(mean: .milliseconds(1250)),
                                           service: .exponential(mean: .seconds(1)), customers: 200_000, seed: 3)
        #expect(abs(result.wait.meanSeconds - 4.0) < 0.6)
    }
}
