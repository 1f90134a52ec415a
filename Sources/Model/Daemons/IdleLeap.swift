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
    /// `sampler`, the sleep before each round `sleep` nanoseconds once `stationaryFrom` empty
    /// rounds have passed. Nil when a round takes no time.
    init?(sampler: WholeNanosecondSampler, sleep: Int64, stationaryFrom: Int, readsPerRound: Int) {
        let (roundTrip, variance, skewness) = sampler.momentsInNanoseconds
        let reads = Double(readsPerRound)
        mean = Double(sleep) + reads * roundTrip
        deviation = (reads * variance).squareRoot()
        // A sum of `reads` round trips: skewness g / sqrt(reads); a sleep adds none.
        self.skewness = readsPerRound > 0 ? skewness / reads.squareRoot() : 0
        self.stationaryFrom = stationaryFrom
        minimumRounds = max(2048, (self.skewness / 0.2 * self.skewness / 0.2).rounded(.up))
        guard mean > 0, mean.isFinite, deviation.isFinite, minimumRounds.isFinite else { return nil }
    }

    /// Crosses, from the last read at `lastRead` after `idleRounds` empty rounds, as many whole
    /// rounds as end before `limit` with near certainty: `lastRead` becomes the last of them's
    /// last read, `idleRounds` counts them and `stream` draws the one normal. Returns how many
    /// were crossed: 0 (nothing drawn) when the sleep still grows or fewer than
    /// ``minimumRounds`` fit, or (the normal drawn) when the drawn end falls too near the limit.
    func leap(lastRead: inout Int64, idleRounds: inout Int, stream: inout RandomStream, before limit: Int64) -> Int {
        guard idleRounds >= stationaryFrom, limit > lastRead else { return 0 }
        let span = Double(limit - lastRead)
        let roughly = span / mean
        guard roughly >= minimumRounds else { return 0 }
        let margin = Self.marginRounds * mean + Self.deviations * deviation * roughly.squareRoot()
        let rounds = ((span - margin) / mean).rounded(.down)
        guard rounds >= minimumRounds else { return 0 }
        let normal = stream.nextStandardNormal()
        let corrected = normal + skewness / rounds.squareRoot() * (normal * normal - 1) / 6
        let sum = (rounds * mean + deviation * rounds.squareRoot() * corrected).rounded()
        guard sum > 0, sum < span - Self.marginRounds * mean / 2 else { return 0 }
        lastRead += Int64(sum)
        idleRounds += Int(rounds)
        return Int(rounds)
    }

    /// The last start acted on after a leap from a last read at `from` to one at `to`, for
    /// starts acted on at most every `every` nanoseconds (``PeriodicStarts``), the last before
    /// the leap at `last` (-1 for none): approximated, since the leap draws no start. The first
    /// start at or after `every` past the last comes `ceil(every / m)` rounds of mean `m`
    /// later, so the starts acted on repeat at that many rounds' mean, from the last one (or
    /// from `from`), up to `to`.
    func lastActed(every: Int64, last: Int64, from: Int64, to: Int64) -> Int64 {
        let period = (Double(every) / mean).rounded(.up) * mean
        let first = last >= 0 ? Double(last) : Double(from)
        let repeats = ((Double(to) - first) / period).rounded(.down)
        guard repeats > 0 else { return last >= 0 ? last : from }
        return Int64((first + repeats * period).rounded())
    }
}
