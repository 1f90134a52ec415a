#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Minimal textbook formulas and statistics for the ideal-mode theory checks.
//
// Stand-ins: `Sources/Sim/Reference/QueueingTheory.swift` and `Sources/Sim/Statistics.swift`
// are being written on another branch; once merged, these helpers should be replaced by them.

/// Mean waiting times in queue (arrival to start of service), in seconds.
enum QueueingFormulas {
    /// Erlang's C: the probability that an arrival waits, for `servers` servers and offered
    /// load `a = λ/μ` (requires a < servers).
    static func erlangC(servers: Int, offeredLoad a: Double) -> Double {
        var term = 1.0
        var sum = 1.0
        for k in 1..<servers {
            term *= a / Double(k)
            sum += term
        }
        let last = term * a / Double(servers) / (1 - a / Double(servers))
        return last / (sum + last)
    }

    /// M/M/c: Wq = C / (cμ - λ).
    static func mmcMeanWait(arrivalRate λ: Double, serviceRate μ: Double, servers c: Int) -> Double {
        erlangC(servers: c, offeredLoad: λ / μ) / (Double(c) * μ - λ)
    }

    /// M/M/c: P(Wq > t) = C · exp(-(cμ - λ) t).
    static func mmcWaitExceeds(_ t: Double, arrivalRate λ: Double, serviceRate μ: Double, servers c: Int) -> Double {
        erlangC(servers: c, offeredLoad: λ / μ) * exp(-(Double(c) * μ - λ) * t)
    }

    /// M/G/1 (Pollaczek-Khinchine): Wq = λ E[S²] / (2 (1 - ρ)).
    static func pollaczekKhinchine(arrivalRate λ: Double, serviceMean: Double, serviceSecondMoment: Double) -> Double {
        λ * serviceSecondMoment / (2 * (1 - λ * serviceMean))
    }

    /// M/G/1 with non-preemptive priority classes, most urgent first (Cobham):
    /// Wq_k = W0 / ((1 - σ_{k-1}) (1 - σ_k)), W0 = Σ λ_i E[S_i²] / 2, σ_k = Σ_{i<=k} ρ_i.
    static func cobham(arrivalRates: [Double], serviceMeans: [Double], serviceSecondMoments: [Double]) -> [Double] {
        let w0 = zip(arrivalRates, serviceSecondMoments).reduce(0.0) { $0 + $1.0 * $1.1 } / 2
        var waits: [Double] = []
        var sigma = 0.0
        for (λ, mean) in zip(arrivalRates, serviceMeans) {
            let before = sigma
            sigma += λ * mean
            waits.append(w0 / ((1 - before) * (1 - sigma)))
        }
        return waits
    }
}

/// Replication means and their Student-t confidence interval.
struct Replications {
    let values: [Double]

    /// t quantiles for a two-sided 99.9% interval (upper 0.0005 point), by degrees of freedom.
    /// Only the df the tests use; from standard tables.
    static let t999: [Int: Double] = [9: 4.780_912_585_9, 11: 4.436_979_338_2, 19: 3.883_405_852_6]

    var mean: Double { values.reduce(0, +) / Double(values.count) }

    var standardDeviation: Double {
        let m = mean
        return sqrt(values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count - 1))
    }

    /// Half-width of the 99.9% interval of the mean.
    var halfWidth999: Double {
        guard let t = Self.t999[values.count - 1] else {
            preconditionFailure("no t quantile for df \(values.count - 1)")
        }
        return t * standardDeviation / sqrt(Double(values.count))
    }

    func contains(_ value: Double) -> Bool { abs(value - mean) <= halfWidth999 }

    var summary: String {
        "mean \(mean), 99.9% half-width \(halfWidth999) over \(values.count) replications"
    }
}
