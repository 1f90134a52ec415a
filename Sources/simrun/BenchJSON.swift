import ArgumentParser
import Model
import Scenarios

/// `simrun bench --format json`: each measurement's figures under the names of the table's
/// columns, in SI units (seconds, not milliseconds), with what they rest on (the build and
/// the allocator's settings, ``MallocTuning``). Every object starts with `benchmark`, which
/// names its shape: `rows`, `backlog`, `sweep` or `seam`.
enum BenchJSON {
    /// The M/M/1 rows and the scenarios' variants, with the kernel's and the model's time per
    /// customer over the plain loop's.
    static func rows(_ rows: [Benchmarks.Measurement], kernelOverPlain: Double, modelOverPlain: Double) -> JSONValue {
        .object(header("rows") + [
            ("rows", .array(rows.map(row))),
            ("kernel_over_plain", .number(kernelOverPlain)),
            ("model_over_plain", .number(modelOverPlain)),
            ("peak_resident_mib", .number(Benchmarks.peakResidentMiB())),
        ])
    }

    /// N simultaneous starts, one row for each N: flat costs per start are linear growth.
    static func backlog(_ measured: [(starts: Int, measurement: Benchmarks.Measurement)], variant: String) -> JSONValue {
        .object(header("backlog") + [
            ("variant", .string(variant)),
            ("rows", .array(measured.map { starts, m in
                .object([
                    ("starts", .int(starts)),
                    ("ops", .int(m.customers)),
                    ("wall_seconds", .number(m.wallSeconds)),
                    ("us_per_start", .number(m.wallSeconds * 1e6 / Double(starts))),
                    ("kernel_jobs", .uint(m.jobs)),
                    ("jobs_per_start", .number(Double(m.jobs) / Double(starts))),
                    ("virtual_seconds", .number(m.virtualSeconds)),
                    ("peak_mib", .number(m.peakMiB)),
                ])
            })),
        ])
    }

    /// The step-7 sweep's timing.
    static func sweep(points: Int, runs: Int, threads: Int, wallSeconds: Double) -> JSONValue {
        .object(header("sweep") + [
            ("points", .int(points)),
            ("runs", .int(runs)),
            ("threads", .int(threads)),
            ("wall_seconds", .number(wallSeconds)),
            ("runs_per_second", .number(Double(runs) / wallSeconds)),
            ("peak_resident_mib", .number(Benchmarks.peakResidentMiB())),
        ])
    }

    /// What the database seam costs a claim, best of `rounds`.
    static func seam(_ figures: SeamCost.Figures, rounds: Int) -> JSONValue {
        .object(header("seam") + [
            ("claims", .int(figures.claims)),
            ("rounds", .int(rounds)),
            ("ns_per_claim", .object([
                ("direct", .number(figures.direct)),
                ("through_seam", .number(figures.throughSeam)),
                ("through_seam_with_round_trip", .number(figures.throughSeamWithRoundTrip)),
            ])),
        ])
    }

    private static func row(_ m: Benchmarks.Measurement) -> JSONValue {
        .object([
            ("name", .string(m.name)),
            ("customers", .int(m.customers)),
            ("wall_seconds", .number(m.wallSeconds)),
            ("customers_per_second", .number(m.customersPerSecond)),
            ("kernel_jobs", .uint(m.jobs)),
            ("kernel_jobs_per_second", .number(m.jobsPerSecond)),
            ("virtual_seconds", .number(m.virtualSeconds)),
            ("virtual_per_wall", .number(m.speedup)),
            ("peak_mib", .number(m.peakMiB)),
        ])
    }

    private static func header(_ benchmark: String) -> [(String, JSONValue)] {
        #if DEBUG
        let build = "debug"
        #else
        let build = "release"
        #endif
        return [("benchmark", .string(benchmark)), ("build", .string(build)),
                ("allocator", .string(MallocTuning.description))]
    }
}
