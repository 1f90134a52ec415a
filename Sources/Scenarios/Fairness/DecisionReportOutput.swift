import Model
import Sim

/// The renderings of a ``DecisionReport``: Markdown for people (and the README), JSON for tools.
extension DecisionReport {
    public var markdown: String {
        var lines = [
            "### Fairness decision",
            "",
            "User-facing p99 budget: \(signed(criteria.userP99Budget.seconds)) over strict; background bound: "
                + (criteria.backgroundBound.map { seconds($0.seconds) } ?? "each study's `figures.wait_bound`")
                + ". Each figure is the mean over the replications with its 95% interval; costs and gains are "
                + "paired differences against the study's strict variant (common random numbers). A policy passes "
                + "when the upper ends of the intervals of its user-facing p99 cost and of its background longest "
                + "wait are within the budget and the bound.",
            "",
        ]
        for study in studies {
            let strict = study.strict
            lines.append("**\(study.scenario)** (`\(study.file)`, \(study.replications) replications; background bound "
                         + "\(seconds(study.bound.seconds))): under strict\(strict.idleRounds.rowMark) the user-facing p99 is "
                         + "\(interval(strict.userP99)) and the background lanes' longest wait "
                         + "\(interval(strict.backgroundMax)); strict "
                         + (study.strictIsEnough ? "bounds background waits." : "does **not** bound background waits."))
            lines.append("")
            lines.append("| variant | policy | user p99 | user p99 cost | background max | background gain | "
                         + "background > bound | within budget | bounds background |")
            lines.append("|---|---|---:|---:|---:|---:|---:|:---:|:---:|")
            for row in study.rows {
                lines.append("| \(row.variant)\(row.idleRounds.rowMark)\(row.completed ? "" : " (incomplete)") | \(row.policy) | "
                             + "\(plain(row.userP99)) | \(change(row.userCost)) | \(plain(row.backgroundMax)) | "
                             + "\(change(row.backgroundGain)) | \(formatFixed(row.backgroundAboveBound.mean, decimals: 1)) | "
                             + "\(row.withinBudget ? "yes" : "no") | \(row.boundsBackground ? "yes" : "no") |")
            }
            if let note = IdleRounds.rowMarkNote(([strict] + study.rows).map(\.idleRounds)) {
                lines += ["", note + "."]
            }
            lines.append("")
        }
        lines.append("**Recommendation.** " + recommendation)
        return lines.joined(separator: "\n") + "\n"
    }

    /// `12.3 s [10.1, 14.5]`.
    func interval(_ estimate: Estimate) -> String {
        "\(seconds(estimate.mean)) [\(formatFixed(estimate.lower, decimals: 1)), \(formatFixed(estimate.upper, decimals: 1))]"
    }

    func plain(_ estimate: Estimate) -> String {
        "\(formatFixed(estimate.mean, decimals: 1)) ±\(formatFixed((estimate.upper - estimate.lower) / 2, decimals: 1))"
    }

    func change(_ estimate: Estimate) -> String {
        "\(signed(estimate.mean)) [\(formatFixed(estimate.lower, decimals: 1)), \(formatFixed(estimate.upper, decimals: 1))]"
    }

    public var json: JSONValue {
        func estimate(_ value: Estimate) -> JSONValue {
            .object([("mean", .number(value.mean)), ("ci95", .inline([.number(value.lower), .number(value.upper)]))])
        }
        func row(_ row: Row) -> JSONValue {
            .object([
                ("variant", .string(row.variant)), ("policy", .string(row.policy)), ("completed", .bool(row.completed)),
                ("user_p99_seconds", estimate(row.userP99)), ("user_p99_cost_seconds", estimate(row.userCost)),
                ("background_max_seconds", estimate(row.backgroundMax)),
                ("background_gain_seconds", estimate(row.backgroundGain)),
                ("background_above_bound", estimate(row.backgroundAboveBound)),
                ("within_budget", .bool(row.withinBudget)), ("bounds_background", .bool(row.boundsBackground)),
                ("passes", .bool(row.passes)),
            ] + row.idleRounds.jsonNote)
        }
        return .object([
            ("user_p99_budget_seconds", .number(criteria.userP99Budget.seconds)),
            ("background_bound_seconds", criteria.backgroundBound.map { .number($0.seconds) } ?? .null),
            ("studies", .array(studies.map { study in
                .object([
                    ("scenario", .string(study.scenario)), ("file", .string(study.file)),
                    ("replications", .int(study.replications)),
                    ("background_bound_seconds", .number(study.bound.seconds)),
                    ("strict_is_enough", .bool(study.strictIsEnough)),
                    ("strict", row(study.strict)),
                    ("policies", .array(study.rows.map(row))),
                ])
            })),
            ("recommendation", .string(recommendation)),
        ])
    }
}
