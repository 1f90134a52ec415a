import Sim

extension YAMLNode {
    /// The kind keys of a distribution mapping, in the order messages list them.
    public static let distributionKinds = ["constant", "uniform", "exponential", "lognormal", "empirical",
                                                  "quantiles"]

    /// A ``Sim/Distribution`` in one of these forms (durations as in ``duration()``):
    /// - `0.5s` — constant;
    /// - `{constant: 0.5s}`;
    /// - `{uniform: [0.1s, 0.3s]}` — low <= high;
    /// - `{exponential: 1s}` — the mean, > 0;
    /// - `{lognormal: {median: 1.7s, p99: 5s}}` — p99 >= median > 0, or
    ///   `{lognormal: {mu: -0.5, sigma: 0.8}}` — of the seconds, -30 <= mu <= 30, 0 <= sigma <= 20;
    /// - `{empirical: [0.1s, 0.2s, 0.5s]}` — non-empty, each value equally likely;
    /// - `{quantiles: {p0: 1ms, p50: 3.7ms, p99: 88.6ms, p100: 150ms}}` — measured percentiles,
    ///   interpolated linearly; `p0` and `p100` required, values never decreasing.
    ///
    /// A mapping holds exactly one kind key.
    public func distribution() throws(ScenarioError) -> Distribution {
        let kinds = YAMLNode.distributionKinds
        switch kind {
        case .scalar:
            return .constant(try duration())
        case .mapping:
            break
        case .sequence, .null:
            throw expected("a distribution (a duration such as 0.5s, or a mapping with one of: "
                           + kinds.joined(separator: ", ") + ")")
        }
        let choice = try mapping(allowedKeys: kinds).exactlyOne(of: kinds)
        let value = choice.value
        switch choice.key {
        case "constant":
            return .constant(try value.duration())
        case "uniform":
            return try value.uniformDistribution()
        case "exponential":
            return .exponential(mean: try value.positiveDuration())
        case "lognormal":
            return try value.lognormalDistribution()
        case "quantiles":
            return try value.quantilesDistribution()
        default:
            return try value.empiricalDistribution()
        }
    }

    private func uniformDistribution() throws(ScenarioError) -> Distribution {
        let what = "a list of two durations [low, high]"
        guard kind == .sequence else { throw expected(what) }
        let bounds = try elements()
        guard bounds.count == 2 else {
            throw error("expected \(what), got a list of \(bounds.count)")
        }
        let low = try bounds[0].duration()
        let high = try bounds[1].duration()
        guard low <= high else {
            throw error("expected low <= high, got low \(bounds[0].found) and high \(bounds[1].found)")
        }
        return .uniform(low, high)
    }

    private func lognormalDistribution() throws(ScenarioError) -> Distribution {
        guard kind == .mapping else {
            throw expected("a mapping with median and p99, or with mu and sigma")
        }
        let parameters = try mapping(allowedKeys: ["median", "p99", "mu", "sigma"])
        let byQuantiles = parameters.keys.filter { $0 == "median" || $0 == "p99" }
        let byParameters = parameters.keys.filter { $0 == "mu" || $0 == "sigma" }
        if byQuantiles.isEmpty == byParameters.isEmpty {
            let got = parameters.keys.isEmpty ? "an empty mapping" : parameters.keys.joined(separator: ", ")
            throw error("expected either median and p99, or mu and sigma; got \(got)")
        }
        if byParameters.isEmpty {
            let median = try parameters.required("median").positiveDuration()
            let p99Node = try parameters.required("p99")
            let p99 = try p99Node.duration()
            guard p99 >= median else {
                let medianText = try parameters.required("median").found
                throw p99Node.expected("p99 >= median (\(medianText))")
            }
            return .lognormal(median: median, p99: p99)
        }
        // exp(mu) is the median in seconds: from 1e-13 s to 1e13 s covers every duration, and a
        // sigma of 20 puts the p99 e^46 times above the median. Samples are capped anyway
        // (Distribution); these bounds catch slips such as `mu: 100` or `sigma: 1000`.
        let mu = try parameters.required("mu").double(in: -30...30)
        let sigma = try parameters.required("sigma").double(in: 0...20)
        return .lognormal(mu: mu, sigma: sigma)
    }

    private func empiricalDistribution() throws(ScenarioError) -> Distribution {
        let what = "a non-empty list of durations"
        guard kind == .sequence else { throw expected(what) }
        var values: [Duration] = []
        for item in try elements() { values.append(try item.duration()) }
        guard !values.isEmpty else { throw error("expected \(what), got an empty list") }
        return .empirical(values)
    }

    private func quantilesDistribution() throws(ScenarioError) -> Distribution {
        let what = "a mapping of percentiles to durations, from p0 to p100 (e.g. {p0: 1ms, p50: 4ms, p100: 150ms})"
        guard kind == .mapping else { throw expected(what) }
        var points: [Distribution.Quantile] = []
        for entry in try entries() {
            guard entry.key.hasPrefix("p"), let percent = Double(entry.key.dropFirst()), percent >= 0,
                  percent <= 100 else {
                throw entry.value.error("expected a percentile key p0 ... p100, got \(quoted(entry.key))")
            }
            let value = try entry.value.duration()
            if let last = points.last {
                guard percent / 100 > last.probability else {
                    throw entry.value.error("percentiles must increase: \(entry.key) comes after p\(last.probability * 100)")
                }
                guard value >= last.value else {
                    throw entry.value.error("values must not decrease: \(entry.key) is below the percentile before it")
                }
            }
            points.append(Distribution.Quantile(percent / 100, value))
        }
        guard points.first?.probability == 0, points.last?.probability == 1 else { throw expected(what) }
        return .quantiles(points)
    }
}
