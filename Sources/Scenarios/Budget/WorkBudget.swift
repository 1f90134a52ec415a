import Model
import Sim

/// The work a command may start: every run it would make (variants × replications) is
/// estimated (``RunCost``) and the command is refused, before anything runs, when the total
/// is beyond the budget.
///
/// The default is sized for a 2-core machine with 8 GB: 4,000,000 ops hold at most 6.4 GB
/// even if none of them ever completes (1.6 KB per pending op, see ``RunCost``) and take
/// about 200 s of one core; 20,000,000 wake-ups take about 400 s. `--max-ops N` raises both
/// in proportion. A traced run keeps every op event in memory too, so its ops count twice.
public struct WorkBudget: Sendable {
    public var maxOps: Double

    public static let defaultMaxOps = 4_000_000.0
    /// Wake-ups allowed per op of the budget: a wake-up costs far less than an op.
    public static let wakeupsPerOp = 5.0

    public init(maxOps: Double = WorkBudget.defaultMaxOps) {
        self.maxOps = maxOps
    }

    public var maxWakeups: Double { maxOps * Self.wakeupsPerOp }

    /// Throws, naming the largest contributor with the estimate, when running `variants` of
    /// `scenario` with `replications` each would go beyond the budget.
    public func check(_ scenario: Scenario, variants: [Variant], replications: Int,
                      tracing: Bool = false) throws(ScenarioError) {
        let costs = variants.map { RunCost(of: scenario, config: scenario.config(for: $0), variant: $0) }
        let runs = Double(replications)
        let opsFactor = tracing ? 2.0 : 1.0
        let ops = costs.reduce(0) { $0 + $1.ops } * runs * opsFactor
        let wakeups = costs.reduce(0) { $0 + $1.wakeups } * runs
        guard !(ops <= maxOps && wakeups <= maxWakeups) else { return }
        let overOps = !(ops <= maxOps)
        let parts = costs.flatMap(\.parts)
        let largest = parts.max { a, b in
            let (x, y) = overOps ? (a.ops, b.ops) : (a.wakeups, b.wakeups)
            return !(x >= y)
        }
        let scope = "\(variants.count) variant\(variants.count == 1 ? "" : "s") x \(replications) "
            + "replication\(replications == 1 ? "" : "s")" + (tracing ? ", traced" : "")
        var message = "this would create \(about(ops)) ops and wake the model's loops \(about(wakeups)) times "
            + "(\(scope)); the budget is \(approximately(maxOps)) ops and \(approximately(maxWakeups)) wake-ups "
            + "(--max-ops raises both)"
        if let largest {
            let amount = overOps ? "\(about(largest.ops)) ops" : "\(about(largest.wakeups)) wake-ups"
            message += "; the largest part: \(largest.what), \(amount) per run"
        }
        let location = largest?.location ?? SourceLocation(line: nil, keyPath: "")
        throw location.error(in: scenario.file, message)
    }
}

/// "about N", or "an unbounded number of" when there is no bound.
func about(_ value: Double) -> String {
    value.isFinite ? "about \(approximately(value))" : "an unbounded number of"
}

/// A count for messages: exact below a million, else two significant digits (`3.6e12`);
/// `unbounded` when infinite.
func approximately(_ value: Double) -> String {
    guard value.isFinite else { return "unbounded" }
    if value < 1_000_000 { return String(Int64(value.rounded())) }
    var exponent = 0
    var mantissa = value
    while mantissa >= 10 {
        mantissa /= 10
        exponent += 1
    }
    return formatFixed(mantissa, decimals: 1) + "e\(exponent)"
}
