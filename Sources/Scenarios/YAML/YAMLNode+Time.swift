extension YAMLNode {
    /// A duration of zero or more, in the grammar of ``parseDuration(_:)``: `0.5s`, `150ms`,
    /// `15m`, `2 h`, `0s`. A bare number (even `0`) and negative values are rejected.
    public func duration() throws(ScenarioError) -> Duration {
        let text = try scalarText(expecting: "a duration with a unit (\(durationExamples))")
        do {
            return try parseDuration(text)
        } catch {
            throw self.error(error.message)
        }
    }

    /// Like ``duration()`` but the duration must be greater than zero (e.g. a mean or a period).
    public func positiveDuration() throws(ScenarioError) -> Duration {
        let value = try duration()
        guard value > .zero else { throw expected("a duration greater than zero") }
        return value
    }

    /// A rate in events per second, from `2/s`, `120/m` (or `/min`), `30/h`, `0.5/s`; must be > 0.
    public func rate() throws(ScenarioError) -> Double {
        let text = try scalarText(expecting: "a rate such as 2/s, 120/m or 30/h")
        do {
            return try parseRate(text)
        } catch {
            throw self.error(error.message)
        }
    }
}
