import Model
import Sim

/// A run's `wait_seconds`, one value per pickup, sorted: what `live compare` sets side by side.
public struct WaitSample: Sendable, Equatable {
    public let values: [Double]

    public init(_ values: [Double]) { self.values = values.sorted() }

    /// The `wait_seconds` of every pickup in a trace (the `started` events).
    public init(trace: [TraceEvent]) {
        self.init(trace.compactMap { event -> Double? in
            guard event.kind == .started, let range = event.detail.firstRange(of: "wait_seconds=") else { return nil }
            return Double(event.detail[range.upperBound...].prefix { $0 != " " })
        })
    }

    public var count: Int { values.count }

    /// The nearest-rank quantile (nil for an empty sample).
    public func quantile(_ q: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let rank = Int((q * Double(values.count)).rounded(.up))
        return values[min(max(rank, 1), values.count) - 1]
    }

    /// The two-sample Kolmogorov-Smirnov distance: the largest gap between the two
    /// empirical distribution functions (0: identical samples, 1: disjoint).
    public func kolmogorovSmirnov(_ other: WaitSample) -> Double {
        kolmogorovSmirnovDistance(sorted: values, other.values)
    }

    /// The critical distance at level `alpha` for samples of these sizes (asymptotic:
    /// c(alpha) * sqrt((n + m) / (n m)), c(0.05) = 1.358).
    public func criticalDistance(_ other: WaitSample, c: Double = 1.358) -> Double {
        let n = Double(count), m = Double(other.count)
        guard n > 0, m > 0 else { return 1 }
        return c * ((n + m) / (n * m)).squareRoot()
    }
}
