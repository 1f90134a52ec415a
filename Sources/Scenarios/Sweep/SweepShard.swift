/// One slice of a sweep's runs (`--shard i/n`, 0 <= i < n): the runs (point, variant,
/// replication), in that order, are cut into n contiguous slices whose sizes differ by at most
/// one, and slice i is run. `simrun merge` puts the slices' outputs back together.
public struct SweepShard: Sendable, Equatable {
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) throws(CommandLineError) {
        guard count >= 1, index >= 0, index < count else {
            throw CommandLineError("--shard \(index)/\(count): expected i/n with 0 <= i < n")
        }
        self.index = index
        self.count = count
    }

    /// The runs of this slice out of `total` (at least 0).
    public func range(of total: Int) -> Range<Int> {
        share(of: total, upTo: index) ..< share(of: total, upTo: index + 1)
    }

    /// `total * slices / count`, exact for any slice: the product in 128 bits (a slice index
    /// near `Int.max` would overflow 64), the quotient no larger than `total`.
    private func share(of total: Int, upTo slices: Int) -> Int {
        let product = total.magnitude.multipliedFullWidth(by: slices.magnitude)
        return Int(count.magnitude.dividingFullWidth(product).quotient)
    }

    /// Reads `i/n`, or `auto`: the slice from the environment of the common batch engines,
    /// in this order: `SIMRUN_SHARD` (`i/n`); Kubernetes Indexed Jobs' `JOB_COMPLETION_INDEX`
    /// with the count in `SIMRUN_SHARD_COUNT` (a Job does not expose its `completions`);
    /// Slurm's `SLURM_ARRAY_TASK_ID` less `SLURM_ARRAY_TASK_MIN` (0 if unset) of
    /// `SLURM_ARRAY_TASK_COUNT`.
    public static func parse(_ text: String, environment: [String: String]) throws(CommandLineError) -> SweepShard {
        if text == "auto" { return try fromEnvironment(environment) }
        return try parse(text, what: "--shard")
    }

    static func parse(_ text: String, what: String) throws(CommandLineError) -> SweepShard {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
            throw CommandLineError("\(what) \(quoted(text)): expected i/n (e.g. 0/4), or auto")
        }
        return try SweepShard(index: index, count: count)
    }

    static func fromEnvironment(_ environment: [String: String]) throws(CommandLineError) -> SweepShard {
        func number(_ name: String) throws(CommandLineError) -> Int? {
            guard let text = environment[name] else { return nil }
            guard let value = Int(text) else { throw CommandLineError("--shard auto: \(name)=\(quoted(text)) is not an integer") }
            return value
        }
        if let text = environment["SIMRUN_SHARD"] { return try parse(text, what: "--shard auto: SIMRUN_SHARD") }
        if let index = try number("JOB_COMPLETION_INDEX") {
            guard let count = try number("SIMRUN_SHARD_COUNT") else {
                throw CommandLineError("--shard auto: JOB_COMPLETION_INDEX is set but not SIMRUN_SHARD_COUNT "
                                       + "(set it to the Job's completions)")
            }
            return try SweepShard(index: index, count: count)
        }
        if let task = try number("SLURM_ARRAY_TASK_ID") {
            guard let count = try number("SLURM_ARRAY_TASK_COUNT") else {
                throw CommandLineError("--shard auto: SLURM_ARRAY_TASK_ID is set but not SLURM_ARRAY_TASK_COUNT")
            }
            let first = try number("SLURM_ARRAY_TASK_MIN") ?? 0
            let (index, overflow) = task.subtractingReportingOverflow(first)
            guard !overflow else {
                throw CommandLineError("--shard auto: SLURM_ARRAY_TASK_ID \(task) less SLURM_ARRAY_TASK_MIN \(first) "
                                       + "is out of range")
            }
            return try SweepShard(index: index, count: count)
        }
        throw CommandLineError("--shard auto: none of SIMRUN_SHARD, JOB_COMPLETION_INDEX (Kubernetes) or "
                               + "SLURM_ARRAY_TASK_ID (Slurm) is set")
    }
}
