import Sim

/// The verdict on one gated figure.
public struct FigureVerdict: Sendable {
    public enum Kind: String, Sendable { case within, regression, improvement, missing, added }
    public var path: String
    public var kind: Kind
    public var oldMean: Double?
    public var newMean: Double?
    /// One-sided Mann-Whitney p-value of the move (nil without enough replications).
    public var pValue: Double?
    /// 95% bootstrap interval of the change of the mean (new minus old).
    public var interval: BootstrapInterval?
    public var threshold: Double

    public var line: String {
        let old = oldMean.map { formatFixed($0, decimals: 3) } ?? "-"
        let new = newMean.map { formatFixed($0, decimals: 3) } ?? "-"
        var text = "\(kind.rawValue.uppercased()) \(path): \(old) -> \(new)"
        if let oldMean, let newMean, oldMean != 0 {
            let percent = (newMean - oldMean) / abs(oldMean) * 100
            text += " (\(percent >= 0 ? "+" : "")\(formatFixed(percent, decimals: 1))%)"
        }
        text += ", threshold \(formatFixed(threshold * 100, decimals: 1))%"
        if let pValue { text += ", p=\(formatFixed(pValue, decimals: 4))" }
        if let interval {
            text += ", 95% interval of the change [\(formatFixed(interval.lower, decimals: 3)), "
                + "\(formatFixed(interval.upper, decimals: 3))]"
        }
        switch kind {
        case .missing: text += " (the figure is gone: no op of this queue or task ran)"
        case .added: text += " (the baseline has no values for it: refresh the baseline)"
        default: break
        }
        return text
    }
}

/// The result of checking one baseline entry.
public struct GateReport: Sendable {
    public var entry: BaselineEntry
    public var fingerprint: String
    public var verdicts: [FigureVerdict]
    /// True when too few replications for the statistical test: the threshold alone decides.
    public var thresholdOnly: Bool

    public var unchanged: Bool { fingerprint == entry.fingerprint }
    public var regressions: [FigureVerdict] { verdicts.filter { $0.kind == .regression || $0.kind == .missing } }
    public var improvements: [FigureVerdict] { verdicts.filter { $0.kind == .improvement || $0.kind == .added } }
}

/// `simrun check`'s statistical gate (see ``GateSettings``).
///
/// Layer 1: the fingerprint. Equal fingerprints mean the same behaviour, replication by
/// replication, and every figure is within bounds by construction. Layer 2, when behaviour
/// changed: a figure (where higher is worse: waits, errors, executions, lost work) is a
/// regression only if its mean moved up by more than `threshold` of its baseline mean (with
/// a floor of 1 ms for seconds, one op for counts) AND a one-sided Mann-Whitney U test says
/// the new per-replication values exceed the baseline values shifted by that margin, at
/// level `alpha`. An improvement is the mirror image. Both conditions together keep the gate
/// from flapping on noise and from firing on statistically real but negligible changes.
public enum Gate {
    /// The smallest one-sided p the rank test can give for samples of `n` and `m` (all of one
    /// above all of the other, no ties). When it is not below `alpha`, the test could never fire and the
    /// threshold alone decides (the report says so).
    public static func smallestPValue(_ n: Int, _ m: Int) -> Double {
        MannWhitneyU((0..<n).map { Double(m + $0) }, (0..<m).map(Double.init)).pValue / 2
    }

    public static func evaluate(_ entry: BaselineEntry, against report: ReplicatedReport) -> GateReport {
        let current = Baseline.gatedFigures(of: report, gate: entry.gate)
        let currentByPath = Dictionary(current.map { ($0.path, $0.values) }, uniquingKeysWith: { first, _ in first })
        let baselinePaths = Set(entry.figures.map(\.path))
        var verdicts: [FigureVerdict] = []
        let thresholdOnly = smallestPValue(entry.replications, report.replications) >= entry.gate.alpha
        var random = RandomStream(seed: entry.seed).derived("gate-bootstrap")
        for (path, oldValues) in entry.figures {
            let threshold = entry.gate.threshold(for: path)
            let old = oldValues.compactMap { $0 }
            let new = currentByPath[path]?.compactMap { $0 } ?? []
            switch (old.isEmpty, new.isEmpty) {
            case (true, true):
                continue
            case (false, true):
                verdicts.append(FigureVerdict(path: path, kind: .missing, oldMean: mean(old), threshold: threshold))
                continue
            case (true, false):
                verdicts.append(FigureVerdict(path: path, kind: .added, newMean: mean(new), threshold: threshold))
                continue
            case (false, false):
                break
            }
            verdicts.append(judge(path: path, old: old, new: new, threshold: threshold, alpha: entry.gate.alpha,
                                  thresholdOnly: thresholdOnly, random: &random))
        }
        for figure in current where !baselinePaths.contains(figure.path) && figure.values.contains(where: { $0 != nil }) {
            verdicts.append(FigureVerdict(path: figure.path, kind: .added, newMean: mean(figure.values.compactMap { $0 }),
                                          threshold: entry.gate.threshold(for: figure.path)))
        }
        return GateReport(entry: entry, fingerprint: report.fingerprint, verdicts: verdicts, thresholdOnly: thresholdOnly)
    }

    static func judge(path: String, old: [Double], new: [Double], threshold: Double, alpha: Double,
                      thresholdOnly: Bool, random: inout RandomStream) -> FigureVerdict {
        let oldMean = mean(old), newMean = mean(new)
        // A baseline path is `variant/figure path`; the variant may itself hold a slash.
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let isCount = (0..<parts.count).contains { Figure(path: Array(parts[($0 + 1)...]))?.isCount ?? false }
        let floor = isCount ? 1.0 : 0.001
        let margin = max(threshold * abs(oldMean), floor)
        var verdict = FigureVerdict(path: path, kind: .within, oldMean: oldMean, newMean: newMean, threshold: threshold)
        let direction: Double
        if newMean > oldMean + margin {
            direction = 1
        } else if newMean < oldMean - margin {
            direction = -1
        } else {
            return verdict
        }
        if !thresholdOnly {
            // Is `new` above the baseline raised by the margin (or below it lowered by it)?
            let shifted = old.map { $0 + direction * margin }
            let test = MannWhitneyU(new, shifted)
            let oneSided = (test.z * direction > 0) ? test.pValue / 2 : 1 - test.pValue / 2
            verdict.pValue = oneSided
            verdict.interval = BootstrapInterval.differenceOfMeans(new, old, using: &random)
            guard oneSided < alpha else { return verdict }
        }
        verdict.kind = direction > 0 ? .regression : .improvement
        return verdict
    }

    static func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(max(values.count, 1)) }
}
