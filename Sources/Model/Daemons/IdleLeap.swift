import Sim

/// A long stretch of a daemon's idle rounds crossed in one step, for approximate idle rounds
/// (``IdleRounds/approximate``); exact runs never leap.
///
/// ## What a leap keeps
///
/// Past the back-off (from ``stationaryFrom`` empty rounds on) every round lasts the same
/// sleep plus its reads' round trips, each drawn independently from one law: the instant the
/// `n`-th round ends is the sum of `n` independent, identically drawn rounds. For large `n` its
/// law is close to the normal one with mean `n m` and deviation `s sqrt(n)` (`m` and `s` a
/// round's mean and deviation); the skew that remains, `g / sqrt(n)` (`g` a round's
/// skewness), is corrected to first order (Cornish-Fisher: `z + (g / sqrt(n)) (z^2 - 1) / 6`
/// for a standard normal `z`). A leap fixes `n` so that its end falls at least
/// ``marginRounds`` rounds and ``deviations`` deviations of the sum short of its limit, draws
/// the end with one normal, and leaves the rounds from there to the limit to the exact walk,
/// drawn round by round: the first read at or after the limit (the one that claims a row) is
/// drawn as before, from a phase whose law is the sum's.
///
/// A leap counts exactly `n` rounds (their claims and round trips), so the database load it
/// reports is a realisation of the count, not its mean; what differs from an exact run is the
/// stream (one normal drawn instead of `n` round trips), hence every later draw of that
/// connection: a different realisation, not the same bytes.
struct IdleLeap: Sendable {
    /// A stationary round's mean and deviation, in nanoseconds, and its skewness.
    let mean: Double
    let deviation: Double
    let skewness: Double
    /// The empty rounds after which the sleep no longer grows (the back-off's last step).
    let stationaryFrom: Int
    /// The fewest rounds a leap crosses: at least 2,048, and enough that the sum's remaining
    /// skew, `skewness / sqrt(n)`, is at most 0.2 (a log-normal round trip of p99 / median 10
    /// has skewness about 6: 2,048 rounds; a heavier tail needs more before the corrected
    /// normal describes the sum).
    let minimumRounds: Double

    /// Rounds left to the exact walk before a leap's limit, besides ``deviations`` deviations
    /// of the sum (a normal past eight deviations, about 1 in 10^15, makes no leap).
    static let marginRounds = 64.0
    static let deviations = 8.0

    /// A leap for rounds of `readsPerRound` reads, each after a round trip drawn from
    /// `distribution`, the sleep before each round `sleep` once `stationaryFrom` empty rounds
    /// have passed. Nil when a round takes no time.
    init?(distribution: Distribution, sleep: Duration, stationaryFrom: Int, readsPerRound: Int) {
        let (roundTrip, variance, skewness) = distribution.momentsInNanoseconds
        let reads = Double(readsPerRound)
        mean = sleep.seconds * 1e9 + reads * roundTrip
        deviation = (reads * variance).squareRoot()
        // A sum of `reads` round trips: skewness g / sqrt(reads); a sleep adds none.
        self.skewness = readsPerRound > 0 ? skewness / reads.squareRoot() : 0
        self.stationaryFrom = stationaryFrom
        minimumRounds = max(2048, (self.skewness / 0.2 * self.skewness / 0.2).rounded(.up))
        guard mean > 0, mean.isFinite, deviation.isFinite, minimumRounds.isFinite else { return nil }
    }

    /// Crosses, from the last read at `lastRead` after `idleRounds` empty rounds, as many whole
    /// rounds as end before `limit` with near certainty: `lastRead` becomes the last read of
    /// the last of them, `idleRounds` counts them and `stream` draws the one normal. Returns how many
    /// were crossed: 0, with nothing drawn, when the sleep still grows, fewer than
    /// ``minimumRounds`` fit, or the drawn end falls too near the limit (so a walk that does
    /// not leap draws exactly what an exact walk draws).
    func leap(lastRead: inout Int64, idleRounds: inout Int, stream: inout RandomStream, before limit: Int64) -> Int {
        var drawn = stream
        guard idleRounds >= stationaryFrom, limit > lastRead,
              let (rounds, nanoseconds) = draw(span: Double(limit - lastRead), stream: &drawn) else { return 0 }
        stream = drawn
        lastRead += nanoseconds
        idleRounds += rounds
        return rounds
    }

    /// ``leap(lastRead:idleRounds:stream:before:)`` for a grid walked in `Duration`
    /// arithmetic (round trips that are not walked in whole nanoseconds).
    func leap(lastRead: inout Duration, idleRounds: inout Int, stream: inout RandomStream, before limit: Duration) -> Int {
        var drawn = stream
        guard idleRounds >= stationaryFrom, limit > lastRead,
              let (rounds, nanoseconds) = draw(span: (limit - lastRead).seconds * 1e9, stream: &drawn) else { return 0 }
        stream = drawn
        lastRead += .nanoseconds(nanoseconds)
        idleRounds += rounds
        return rounds
    }

    /// The rounds a leap over `span` nanoseconds crosses and the nanoseconds they take, or nil
    /// (no leap: too few rounds fit, nothing drawn; or the drawn end too near the limit).
    private func draw(span: Double, stream: inout RandomStream) -> (rounds: Int, nanoseconds: Int64)? {
        let roughly = span / mean
        guard roughly >= minimumRounds else { return nil }
        let margin = Self.marginRounds * mean + Self.deviations * deviation * roughly.squareRoot()
        let rounds = ((span - margin) / mean).rounded(.down)
        guard rounds >= minimumRounds else { return nil }
        let normal = stream.nextStandardNormal()
        let corrected = normal + skewness / rounds.squareRoot() * (normal * normal - 1) / 6
        let sum = (rounds * mean + deviation * rounds.squareRoot() * corrected).rounded()
        guard sum > 0, sum < span - Self.marginRounds * mean / 2 else { return nil }
        return (Int(rounds), Int64(sum))
    }

    /// The last start acted on after a leap from a last read at `from` to one at `to`, for
    /// starts acted on at most every `every` nanoseconds (``PeriodicStarts``), the last before
    /// the leap at `last` (-1 for none): approximated, since the leap draws no start. The first
    /// start at or after `every` past the last comes `ceil(every / m)` rounds of mean `m`
    /// later, so the starts acted on repeat at that many rounds' mean, from the last one (or
    /// from `from`), up to `to`.
    func lastActed(every: Int64, last: Int64, from: Int64, to: Int64) -> Int64 {
        let first = last >= 0 ? last : from
        return first + Int64(actedSince(first: Double(first), every: Double(every), to: Double(to)).rounded())
    }

    /// ``lastActed(every:last:from:to:)`` for `starts`, in `Duration` arithmetic.
    func lastActed(_ starts: PeriodicStarts, from: Duration, to: Duration) -> Duration {
        let first = starts.last ?? from
        let since = actedSince(first: first.seconds * 1e9, every: starts.every.seconds * 1e9, to: to.seconds * 1e9)
        return first + .nanoseconds(Int64(since.rounded()))
    }

    /// Nanoseconds from `first` to the last start acted on at or before `to`, starts acted on
    /// repeating every `ceil(every / mean)` rounds' mean.
    private func actedSince(first: Double, every: Double, to: Double) -> Double {
        let period = (every / mean).rounded(.up) * mean
        let repeats = ((to - first) / period).rounded(.down)
        return repeats > 0 ? repeats * period : 0
    }
}
