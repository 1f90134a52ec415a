#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Textbook steady-state results for the queues ``ServerQueue`` builds, used to check the
/// kernel against theory and to annotate reports.
///
/// This is an analysis helper at the output edge, so it works in `Double`:
/// - rates (λ, μ) are per second,
/// - times (service moments, waits, thresholds) are in seconds, second moments in seconds²,
/// - loads (a = λ/μ, ρ) are dimensionless.
///
/// Every formula assumes a **stationary** queue: Poisson arrivals (independent exponential
/// inter-arrival times), independent service times, infinite waiting room, work-conserving
/// servers, and utilisation ρ < 1. A queue with ρ ≥ 1 has no stationary state; the mean-wait
/// functions then return `.infinity` and the probabilities 1.
///
/// "Wait" always means time in queue (arrival to start of service), Wq, not time in system.
public enum QueueingTheory {
    /// Erlang C: the probability that an arriving customer must wait in an M/M/c queue.
    ///
    ///     C(c, a) = [a^c / c! · c/(c − a)] / [Σ_{k<c} a^k/k! + a^c/c! · c/(c − a)]
    ///
    /// computed without factorials or powers, through the Erlang B recursion
    /// B(0) = 1, B(k) = a·B(k−1) / (k + a·B(k−1)), then C = B / (1 − (a/c)(1 − B)),
    /// which stays accurate for hundreds of servers.
    ///
    /// - Parameters:
    ///   - servers: c ≥ 1.
    ///   - offeredLoad: a = λ/μ ≥ 0 (in Erlangs); a ≥ c returns 1 (everyone waits).
    public static func erlangC(servers: Int, offeredLoad: Double) -> Double {
        precondition(servers >= 1, "an M/M/c queue has at least one server")
        precondition(offeredLoad >= 0, "offered load is a rate ratio, never negative")
        let c = Double(servers)
        guard offeredLoad < c else { return 1 }
        var blocking = 1.0
        for k in 1...servers {
            blocking = offeredLoad * blocking / (Double(k) + offeredLoad * blocking)
        }
        let rho = offeredLoad / c
        return blocking / (1 - rho * (1 - blocking))
    }

    /// M/M/c mean wait in queue, in seconds: Wq = C(c, a) / (cμ − λ), with a = λ/μ.
    ///
    /// - Parameters:
    ///   - arrivalRate: λ, customers per second.
    ///   - serviceRate: μ, customers per second per server (1 / mean service time).
    ///   - servers: c ≥ 1.
    public static func mmcMeanWait(arrivalRate: Double, serviceRate: Double, servers: Int) -> Double {
        let capacity = Double(servers) * serviceRate
        guard arrivalRate < capacity else { return .infinity }
        return erlangC(servers: servers, offeredLoad: arrivalRate / serviceRate) / (capacity - arrivalRate)
    }

    /// M/M/c probability that the wait in queue exceeds `threshold` seconds:
    ///
    ///     P(Wq > t) = C(c, a) · exp(−(cμ − λ) t),  t ≥ 0.
    ///
    /// At t = 0 this is C(c, a) itself: the wait is zero with probability 1 − C.
    public static func mmcWaitExceeds(_ threshold: Double, arrivalRate: Double, serviceRate: Double,
                                      servers: Int) -> Double {
        precondition(threshold >= 0, "a wait threshold is a duration, never negative")
        let capacity = Double(servers) * serviceRate
        guard arrivalRate < capacity else { return 1 }
        let waiting = erlangC(servers: servers, offeredLoad: arrivalRate / serviceRate)
        return waiting * exp(-(capacity - arrivalRate) * threshold)
    }

    /// M/M/1 mean wait in queue, in seconds: Wq = ρ / (μ − λ), the c = 1 case of
    /// ``mmcMeanWait(arrivalRate:serviceRate:servers:)`` (there C(1, ρ) = ρ).
    public static func mm1MeanWait(arrivalRate: Double, serviceRate: Double) -> Double {
        mmcMeanWait(arrivalRate: arrivalRate, serviceRate: serviceRate, servers: 1)
    }

    /// M/G/1 mean wait in queue (Pollaczek–Khinchine), in seconds:
    ///
    ///     Wq = λ·E[S²] / (2(1 − ρ)),  ρ = λ·E[S].
    ///
    /// Holds for any service distribution with finite second moment; with deterministic
    /// service D (M/D/1) it is λD² / (2(1 − ρ)), half the M/M/1 wait at the same load.
    ///
    /// - Parameters:
    ///   - arrivalRate: λ, customers per second.
    ///   - serviceMean: E[S], seconds.
    ///   - serviceSecondMoment: E[S²], seconds².
    public static func mg1MeanWait(arrivalRate: Double, serviceMean: Double,
                                   serviceSecondMoment: Double) -> Double {
        let rho = arrivalRate * serviceMean
        guard rho < 1 else { return .infinity }
        return arrivalRate * serviceSecondMoment / (2 * (1 - rho))
    }

    /// ``mg1MeanWait(arrivalRate:serviceMean:serviceSecondMoment:)`` with the moments of a
    /// kernel ``Distribution``.
    public static func mg1MeanWait(arrivalRate: Double, service: Distribution) -> Double {
        mg1MeanWait(arrivalRate: arrivalRate, serviceMean: service.meanSeconds,
                    serviceSecondMoment: service.secondMomentSeconds)
    }

    /// One class of a priority queue: its Poisson arrival rate and service-time moments.
    public struct PriorityClass: Sendable, Equatable {
        /// λ_k, customers per second.
        public var arrivalRate: Double
        /// E[S_k], seconds.
        public var serviceMean: Double
        /// E[S_k²], seconds².
        public var serviceSecondMoment: Double

        public init(arrivalRate: Double, serviceMean: Double, serviceSecondMoment: Double) {
            self.arrivalRate = arrivalRate
            self.serviceMean = serviceMean
            self.serviceSecondMoment = serviceSecondMoment
        }

        public init(arrivalRate: Double, service: Distribution) {
            self.init(arrivalRate: arrivalRate, serviceMean: service.meanSeconds,
                      serviceSecondMoment: service.secondMomentSeconds)
        }
    }

    /// Mean wait in queue of each class of a non-preemptive priority M/G/1 queue (Cobham), in
    /// seconds. Class 0 is served first; within a class, FIFO.
    ///
    ///     W_k = W0 / ((1 − σ_{k−1})(1 − σ_k)),  W0 = Σ_i λ_i E[S_i²] / 2,
    ///     σ_k = Σ_{i≤k} ρ_i,  σ_{−1} = 0,  ρ_i = λ_i E[S_i].
    ///
    /// W0 is the mean residual work of the customer in service, which every arrival waits out
    /// whatever its class (no pre-emption). The formula needs the total load Σρ_i < 1; otherwise
    /// it does not apply and every entry is `.infinity`. With one class it is
    /// Pollaczek–Khinchine.
    public static func nonPreemptivePriorityMeanWaits(_ classes: [PriorityClass]) -> [Double] {
        let totalLoad = classes.reduce(0.0) { $0 + $1.arrivalRate * $1.serviceMean }
        guard totalLoad < 1 else { return Array(repeating: .infinity, count: classes.count) }
        let residual = classes.reduce(0.0) { $0 + $1.arrivalRate * $1.serviceSecondMoment } / 2
        var waits: [Double] = []
        var before = 0.0
        for klass in classes {
            let through = before + klass.arrivalRate * klass.serviceMean
            waits.append(residual / ((1 - before) * (1 - through)))
            before = through
        }
        return waits
    }
}
