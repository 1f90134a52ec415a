import Scenarios
import Testing

@Suite struct DurationParsingTests {
    /// Reads `d: <text>` as a duration, the way a scenario key would.
    func durationFailure(_ text: String, positive: Bool = false) -> String? {
        failure("d: \(text)\n") { root in
            let node = try root.mapping(allowedKeys: ["d"]).required("d")
            return positive ? try node.positiveDuration() : try node.duration()
        }
    }

    @Test(arguments: [
        ("5ns", Duration.nanoseconds(5)),
        ("5us", .microseconds(5)),
        ("5µs", .microseconds(5)),
        ("5\u{03BC}s", .microseconds(5)),
        ("150ms", .milliseconds(150)),
        ("2s", .seconds(2)),
        ("15m", .seconds(900)),
        ("15min", .seconds(900)),
        ("2h", .seconds(7200)),
        ("1.5 s", .milliseconds(1500)),
        (".5s", .milliseconds(500)),
        ("0s", .zero),
        ("\"0.2s\"", .milliseconds(200)),
    ])
    func everyUnitParses(text: String, expected: Duration) throws {
        #expect(try read(text) { try $0.duration() } == expected)
    }

    @Test func decimalsConvertExactly() throws {
        #expect(try parseDuration("0.1s") == .milliseconds(100))
        #expect(try parseDuration("0.1s") + parseDuration("0.2s") == parseDuration("0.3s"))
        #expect(try parseDuration("0.000000001s") == .nanoseconds(1))
        #expect(try parseDuration("1.0000000000000s") == .seconds(1))
        #expect(try parseDuration("0.1h") == .seconds(360))
        #expect(try parseDuration("2562047h") == .seconds(2_562_047 * 3600))
    }

    @Test func bareNumberNeedsAUnit() {
        #expect(durationFailure("5") ==
            "s.yaml:1: d: expected a duration with a unit (e.g. 0.2s, 150ms, 15m), got \"5\"")
    }

    @Test func bareZeroNeedsAUnit() {
        #expect(durationFailure("0") == "s.yaml:1: d: durations need a unit (e.g. 0s, 0ms), got \"0\"")
    }

    @Test func unknownUnitListsTheUnits() {
        #expect(durationFailure("5sec") ==
            "s.yaml:1: d: unknown unit \"sec\" in \"5sec\" (expected one of: ns, us, µs, ms, s, m, min, h)")
    }

    @Test func textThatIsNotANumberIsRejected() {
        #expect(durationFailure("fast") ==
            "s.yaml:1: d: expected a duration with a unit (e.g. 0.2s, 150ms, 15m), got \"fast\"")
        #expect(durationFailure("[1s]") ==
            "s.yaml:1: d: expected a duration with a unit (e.g. 0.2s, 150ms, 15m), got a list")
    }

    @Test func negativeDurationIsRejected() {
        #expect(durationFailure("-5s") == "s.yaml:1: d: must not be negative, got \"-5s\"")
    }

    @Test func zeroIsRejectedWherePositiveRequired() throws {
        #expect(durationFailure("0s", positive: true) ==
            "s.yaml:1: d: expected a duration greater than zero, got \"0s\"")
        #expect(try read("1ns") { try $0.positiveDuration() } == .nanoseconds(1))
    }

    @Test func finerThanANanosecondIsRejected() {
        #expect(durationFailure("0.5ns") == "s.yaml:1: d: expected a whole number of nanoseconds, got \"0.5ns\"")
    }

    @Test func tooLargeIsRejected() {
        #expect(durationFailure("3000000h") == "s.yaml:1: d: expected a duration of at most 2562047h, got \"3000000h\"")
        #expect(durationFailure("1\(String(repeating: "0", count: 60))s") != nil)
    }

    @Test func parseDurationGivesTheMessageForFlags() {
        #expect(throws: TimeSyntaxError("must not be negative, got \"-1m\"")) { try parseDuration("-1m") }
    }

    // MARK: Rates

    @Test(arguments: [
        ("2/s", 2.0), ("120/m", 2.0), ("6/min", 0.1), ("30/h", 30.0 / 3600), ("0.5/s", 0.5), ("3 / s", 3.0),
    ])
    func ratesAreEventsPerSecond(text: String, perSecond: Double) throws {
        #expect(try read(text) { try $0.rate() } == perSecond)
    }

    @Test func malformedRateShowsExamples() {
        #expect(failure("2") { try $0.rate() } == "s.yaml:1: expected a rate such as 2/s, 120/m or 30/h, got \"2\"")
        #expect(failure("3/d") { try $0.rate() } ==
            "s.yaml:1: unknown unit \"d\" in \"3/d\" (expected one of: s, m, min, h)")
    }

    @Test func rateMustBePositive() {
        #expect(failure("0/s") { try $0.rate() } == "s.yaml:1: expected a rate greater than zero, got \"0/s\"")
        #expect(failure("-1/s") { try $0.rate() } == "s.yaml:1: expected a rate greater than zero, got \"-1/s\"")
    }
}
