import Scenarios
import Sim
import Testing

@Suite struct DistributionParsingTests {
    /// Reads `service: <text>` as a distribution.
    func service(_ text: String) throws -> Distribution {
        try read("service: \(text)\n") { try $0.mapping(allowedKeys: ["service"]).required("service").distribution() }
    }

    func serviceFailure(_ text: String) -> String? {
        failure("service: \(text)\n") { try $0.mapping(allowedKeys: ["service"]).required("service").distribution() }
    }

    // MARK: Forms

    @Test func bareDurationIsConstant() throws {
        #expect(try service("0.5s") == .constant(.milliseconds(500)))
    }

    @Test func constantForm() throws {
        #expect(try service("{constant: 0.5s}") == .constant(.milliseconds(500)))
    }

    @Test func uniformForm() throws {
        #expect(try service("{uniform: [0.1s, 0.3s]}") == .uniform(.milliseconds(100), .milliseconds(300)))
        #expect(try service("{uniform: [1s, 1s]}") == .uniform(.seconds(1), .seconds(1)))
    }

    @Test func exponentialFormIsTheMean() throws {
        #expect(try service("{exponential: 1s}") == .exponential(mean: .seconds(1)))
    }

    @Test func lognormalFromMedianAndP99() throws {
        let expected = Distribution.lognormal(median: .milliseconds(1700), p99: .seconds(5))
        #expect(try service("{lognormal: {median: 1.7s, p99: 5s}}") == expected)
    }

    @Test func lognormalFromMuAndSigma() throws {
        #expect(try service("{lognormal: {mu: -0.5, sigma: 0.8}}") == .lognormal(mu: -0.5, sigma: 0.8))
    }

    @Test func empiricalForm() throws {
        #expect(try service("{empirical: [0.1s, 0.2s, 0.5s]}") ==
            .empirical([.milliseconds(100), .milliseconds(200), .milliseconds(500)]))
    }

    @Test func blockStyleWorksToo() throws {
        let yaml = "service:\n  lognormal:\n    median: 1s\n    p99: 2s\n"
        let parsed = try read(yaml) { try $0.mapping(allowedKeys: ["service"]).required("service").distribution() }
        #expect(parsed == .lognormal(median: .seconds(1), p99: .seconds(2)))
    }

    // MARK: Malformed

    @Test func exactlyOneKindPerMapping() {
        #expect(serviceFailure("{uniform: [1s, 2s], exponential: 1s}") ==
            "s.yaml:1: service: expected exactly one of: constant, uniform, exponential, lognormal, empirical, quantiles; "
            + "got uniform, exponential")
        #expect(serviceFailure("{}") ==
            "s.yaml:1: service: expected exactly one of: constant, uniform, exponential, lognormal, empirical, quantiles; "
            + "got none of them")
    }

    @Test func unknownKindSuggestsNearest() {
        #expect(serviceFailure("{unifrom: [1s, 2s]}") ==
            "s.yaml:1: service: unknown key \"unifrom\" (expected one of: constant, uniform, exponential, "
            + "lognormal, empirical, quantiles); did you mean \"uniform\"?")
    }

    @Test func listIsNotADistribution() {
        #expect(serviceFailure("[1s, 2s]") ==
            "s.yaml:1: service: expected a distribution (a duration such as 0.5s, or a mapping with one of: "
            + "constant, uniform, exponential, lognormal, empirical, quantiles), got a list")
    }

    @Test func malformedConstant() {
        #expect(serviceFailure("{constant: 5}") ==
            "s.yaml:1: service.constant: expected a duration with a unit (e.g. 0.2s, 150ms, 15m), got \"5\"")
    }

    @Test func uniformNeedsTwoBounds() {
        #expect(serviceFailure("{uniform: [1s, 2s, 3s]}") ==
            "s.yaml:1: service.uniform: expected a list of two durations [low, high], got a list of 3")
        #expect(serviceFailure("{uniform: 1s}") ==
            "s.yaml:1: service.uniform: expected a list of two durations [low, high], got \"1s\"")
        #expect(serviceFailure("{uniform: [1s, fast]}") ==
            "s.yaml:1: service.uniform[1]: expected a duration with a unit (e.g. 0.2s, 150ms, 15m), got \"fast\"")
    }

    @Test func uniformLowMustNotExceedHigh() {
        #expect(serviceFailure("{uniform: [0.3s, 0.1s]}") ==
            "s.yaml:1: service.uniform: expected low <= high, got low \"0.3s\" and high \"0.1s\"")
    }

    @Test func exponentialMeanMustBePositive() {
        #expect(serviceFailure("{exponential: 0s}") ==
            "s.yaml:1: service.exponential: expected a duration greater than zero, got \"0s\"")
    }

    @Test func lognormalP99MustBeAtLeastMedian() {
        #expect(serviceFailure("{lognormal: {median: 1.7s, p99: 1s}}") ==
            "s.yaml:1: service.lognormal.p99: expected p99 >= median (\"1.7s\"), got \"1s\"")
    }

    @Test func lognormalMedianMustBePositive() {
        #expect(serviceFailure("{lognormal: {median: 0s, p99: 1s}}") ==
            "s.yaml:1: service.lognormal.median: expected a duration greater than zero, got \"0s\"")
    }

    @Test func lognormalCannotMixParameterisations() {
        #expect(serviceFailure("{lognormal: {median: 1s, sigma: 0.5}}") ==
            "s.yaml:1: service.lognormal: expected either median and p99, or mu and sigma; got median, sigma")
    }

    @Test func lognormalNeedsBothParameters() {
        #expect(serviceFailure("{lognormal: {mu: 0.5}}") ==
            "s.yaml:1: service.lognormal: missing required key \"sigma\"")
    }

    @Test func lognormalSigmaMustNotBeNegative() {
        #expect(serviceFailure("{lognormal: {mu: 0, sigma: -1}}") ==
            "s.yaml:1: service.lognormal.sigma: expected a number from 0 to 20, got \"-1\"")
    }

    @Test func lognormalNeedsAMapping() {
        #expect(serviceFailure("{lognormal: 1s}") ==
            "s.yaml:1: service.lognormal: expected a mapping with median and p99, or with mu and sigma, got \"1s\"")
    }

    @Test func emptyEmpiricalIsRejected() {
        #expect(serviceFailure("{empirical: []}") ==
            "s.yaml:1: service.empirical: expected a non-empty list of durations, got an empty list")
    }

    @Test func malformedEmpirical() {
        #expect(serviceFailure("{empirical: 1s}") ==
            "s.yaml:1: service.empirical: expected a non-empty list of durations, got \"1s\"")
        #expect(serviceFailure("{empirical: [1s, -2s]}") ==
            "s.yaml:1: service.empirical[1]: must not be negative, got \"-2s\"")
    }
}

@Test func quantilesFormInterpolatesMeasuredPercentiles() throws {
    let distribution = try read("service: {quantiles: {p0: 1ms, p50: 3.7ms, p90: 5.2ms, p99: 88.6ms, p100: 150ms}}") {
        try $0.mapping(allowedKeys: ["service"]).required("service").distribution()
    }
    #expect(distribution == .quantiles([.init(0, .milliseconds(1)), .init(0.5, .microseconds(3700)),
                                        .init(0.9, .microseconds(5200)), .init(0.99, .microseconds(88600)),
                                        .init(1, .milliseconds(150))]))
}

@Test func quantilesNeedBothEndsAndIncreasingValues() {
    let read = { (yaml: String) in
        failure(yaml) { try $0.mapping(allowedKeys: ["service"]).required("service").distribution() }
    }
    #expect(read("service: {quantiles: {p50: 1ms, p100: 2ms}}")
        == "s.yaml:1: service.quantiles: expected a mapping of percentiles to durations, from p0 to p100 "
        + "(e.g. {p0: 1ms, p50: 4ms, p100: 150ms}), got a mapping")
    #expect(read("service: {quantiles: {p0: 5ms, p50: 1ms, p100: 2ms}}")
        == "s.yaml:1: service.quantiles.p50: values must not decrease: p50 is below the percentile before it")
    #expect(read("service: {quantiles: {p0: 1ms, median: 2ms, p100: 3ms}}")
        == "s.yaml:1: service.quantiles.median: expected a percentile key p0 ... p100, got \"median\"")
}
