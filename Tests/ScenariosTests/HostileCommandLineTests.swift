import Foundation
import Testing

/// Command lines and baselines that cannot be meant are refused with one line naming the
/// value; runs too large for the machine are refused with the estimate; runs that can no
/// longer progress end, saying why.
@Suite(.serialized) struct HostileCommandLines {
    static let quick = "scenarios/six-instance-starts.yaml"

    @Test func aNegativeSeedOrWarmupNamesTheValue() throws {
        let seed = try CLI.run(["run", Self.quick, "--seed", "-1"])
        #expect(seed.status == 64)
        #expect(seed.stderr.hasPrefix("Error: The value '-1' is invalid for '--seed <seed>'"))
        let warmup = try CLI.run(["run", Self.quick, "--warmup", "-5s"])
        #expect(warmup.status == 64)
        #expect(warmup.stderr.hasPrefix("Error: --warmup: must not be negative, got \"-5s\""))
    }

    @Test(arguments: [["check", "--baseline", "results/six-instance-starts.json"],
                      ["run", Self.quick], ["baseline", "write", Self.quick, "--output", "/dev/null"]])
    func noThreadsIsAUsageError(_ command: [String]) throws {
        for jobs in ["0", "-3"] {
            let result = try CLI.run(command + ["--jobs", jobs])
            #expect(result.status == 64, "\(command) --jobs \(jobs): \(result.stderr)")
            #expect(result.stderr.hasPrefix("Error: --jobs must be at least 1, got \(jobs)"))
        }
    }

    /// A mistake on the command line is one line (ArgumentParser's own form added a help line
    /// and the usage), status 64; --help still prints the whole help.
    @Test(arguments: [["run", Self.quick, "--format", "xml"], ["run"], ["frobnicate"], ["run", Self.quick, "--seed", "-1"],
                      ["compare", Self.quick, "--variants", ","], ["sweep", Self.quick, "--replications", "0"]])
    func aCommandLineMistakeIsOneLine(_ command: [String]) throws {
        let result = try CLI.run(command)
        #expect(result.status == 64, "\(command)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix("Error: ") && result.stderr.hasSuffix(" (see --help)\n"), "\(result.stderr)")
        #expect(result.stderr.filter { $0 == "\n" }.count == 1, "one line: \(result.stderr)")
    }

    @Test func helpIsStillTheWholeHelp() throws {
        let result = try CLI.run(["run", "--help"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("OVERVIEW: ") && result.stdout.contains("USAGE: simrun run"))
    }

    /// `analyze`, `model show` and `bench` have no CSV form: `--format csv` is refused, naming
    /// the two formats they have, rather than answered with the table.
    @Test(arguments: [["analyze", "docs/examples/cluster-eventlog.jsonl"], ["model", "show"],
                      ["bench", "--mm1", "--customers", "10"]])
    func csvIsRefusedWhereThereIsNoCSV(_ command: [String]) throws {
        let result = try CLI.run(command + ["--format", "csv"])
        #expect(result.status == 64, "\(command): \(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix("Error: The value 'csv' is invalid for '--format <format>'. "
                                        + "Please provide one of 'table' and 'json'."))
    }

    /// `bench` measures one thing a run: two modes ran the first alone, and a scenario file or
    /// a `--backlog-variant` that the mode never reads was ignored (`bench --mm1 0` measured
    /// the M/M/1 rows). Each is a usage error naming what would have been ignored.
    @Test(arguments: [
        (["--mm1", "0"], "Error: --mm1 measures no scenario file, so 0 would be ignored (see --help)\n"),
        (["--mm1", "--sweep"], "Error: --mm1 and --sweep measure different things: give one of them (see --help)\n"),
        (["--backlog", "10", "--seam"], "Error: --backlog and --seam measure different things: give one of them (see --help)\n"),
        (["--backlog-variant", "facade"],
         "Error: --backlog-variant is the variant --backlog runs: give --backlog N,... with it (see --help)\n"),
    ])
    func benchRefusesWhatItsModeWouldIgnore(_ arguments: [String], _ message: String) throws {
        let result = try CLI.run(["bench"] + arguments)
        #expect(result.status == 64, "\(arguments)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == message)
    }

    /// `bench` away from the repository found no `scenarios/` and printed the M/M/1 rows
    /// alone, as if there were nothing else to measure.
    @Test func benchWithoutItsScenariosDirectoryIsAnError() throws {
        let elsewhere = URL(fileURLWithPath: try scratchDirectory())
        for (arguments, directory) in [(["--customers", "1000", "--repeats", "1"], "scenarios"),
                                       (["--large", "--customers", "1000"], "scenarios/bench")] {
            let result = try CLI.run(["bench"] + arguments, in: elsewhere)
            #expect(result.status == 64, "\(arguments)")
            #expect(result.stdout.isEmpty)
            #expect(result.stderr == "simrun: bench: no \(directory) directory here to measure; run it from the "
                    + "repository or give scenario files\n")
        }
    }

    /// `--variants ,` named no variant and quietly ran the defaults; a warm-up as long as
    /// the time limit left every table empty. Both are usage errors now.
    @Test func anEmptyVariantListOrAWarmupPastTheTimeLimitIsRefused() throws {
        for command in [["compare", Self.quick], ["baseline", "write", Self.quick, "--output", "/dev/null"]] {
            let result = try CLI.run(command + ["--variants", ","])
            #expect(result.status == 64, "\(command)")
            #expect(result.stderr.hasPrefix("Error: --variants \",\": expected variant names separated by commas, "
                                            + "none of them empty"), "\(result.stderr)")
        }
        for command in [["run", Self.quick], ["compare", Self.quick], ["baseline", "write", Self.quick, "--output", "/dev/null"]] {
            let result = try CLI.run(command + ["--warmup", "1h"])
            #expect(result.status == 64, "\(command)")
            #expect(result.stdout.isEmpty)
            #expect(result.stderr == "simrun: --warmup 1h: not shorter than \(Self.quick)'s time_limit (600.000 s); "
                    + "no op would be measured\n", "\(command)")
        }
    }

    /// Each refusal names what the user wrote: a negative value is not taken for an option
    /// (it said "Missing value"), a --vary value is not called a --grid or --set one, an
    /// --era beside a scenario file is not ignored, and a shard that cannot be read says why.
    @Test func refusalsNameWhatTheUserWrote() throws {
        let budget = try CLI.run(["report", "scenarios/starvation-blobs.yaml", "--user-p99-budget", "-1s"])
        #expect(budget.status == 64)
        #expect(budget.stderr.hasPrefix("Error: --user-p99-budget: must not be negative, got \"-1s\""), "\(budget.stderr)")
        let shard = try CLI.run(["sweep", Self.quick, "--shard", "-1/2"])
        #expect(shard.status == 64)
        #expect(shard.stderr == "simrun: --shard -1/2: expected i/n with 0 <= i < n\n")
        let empty = try CLI.run(["compare", Self.quick, "--vary", "seed="])
        #expect(empty.stderr.hasPrefix("Error: --vary seed=...: expected values separated by commas"), "\(empty.stderr)")
        let negative = try CLI.run(["compare", Self.quick, "--vary", "seed=-1,2"])
        #expect(negative.status == 64)
        #expect(negative.stderr.hasSuffix("(set on the command line: --vary seed=-1)\n"), "\(negative.stderr)")
        let era = try CLI.run(["model", "show", Self.quick, "--era", "plan"])
        #expect(era.status == 64)
        #expect(era.stderr.hasPrefix("Error: --era shows an era's defaults without a scenario file"), "\(era.stderr)")
        let directory = try CLI.run(["merge", "scenarios"])
        #expect(directory.status == 2)
        #expect(directory.stderr == "simrun: scenarios: expected a sweep's JSON output, got a directory\n")
    }

    /// A `--sql` file that cannot be used is one line naming it, before any connection (it was
    /// Foundation's error dump, without the file's name).
    @Test func aBadSQLFileIsNamedInOneLine() throws {
        let directory = try scratchDirectory()
        let binary = directory + "/bad.sql"
        try Data([0xFF, 0xFE, 0x00, 0x67]).write(to: URL(fileURLWithPath: binary))
        let url = "mariadb://root@localhost/simrun?socket=\(directory)/no.sock"
        for (file, message) in [(binary, "\(binary): not UTF-8 text; expected a SQL file (simrun live sql prints one)"),
                                (directory + "/none.sql", "\(directory)/none.sql: file not found"),
                                (directory, "\(directory): expected a SQL file, got a directory")] {
            let result = try CLI.run(["live", "run", Self.quick, "--mariadb", url, "--sql", file])
            #expect(result.status == 2, "\(file): \(result.stderr)")
            #expect(result.stderr == "simrun: \(message)\n")
        }
    }

    @Test func compareFocusOnNothingInTheScenarioIsAUsageErrorWithASuggestion() throws {
        let task = try CLI.run(["compare", Self.quick, "--task", "network_ensure_mes"])
        #expect(task.status == 64)
        #expect(task.stderr == "simrun: --task \"network_ensure_mes\": this scenario has no such task; did you mean "
                + "\"network_ensure_mesh\"?\n")
        let queue = try CLI.run(["compare", Self.quick, "--queue", "networknode-clusteroperation-user_facin"])
        #expect(queue.status == 64)
        #expect(queue.stderr.hasPrefix("simrun: --queue \"networknode-clusteroperation-user_facin\": this scenario "
                                       + "has no such queue; did you mean \"networknode-clusteroperation-user_facing\"?"))
    }

    @Test func tooManyReplicationsAreRefusedWithTheEstimate() throws {
        let result = try CLI.run(["run", Self.quick, "--replications", "100000"])
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("simrun: scenarios/six-instance-starts.yaml:23: workload[0]: this would create "
                                        + "about 6.0e6 ops and wake the model's loops about"))
        #expect(result.stderr.contains("(2 variants x 100000 replications)"))
        #expect(result.stderr.contains("(--max-ops raises both)"))
    }

    /// A source that never runs out within its `until` is refused naming it; `--max-ops`
    /// raises the budget.
    @Test func aSourceBeyondTheBudgetIsRefusedNamingIt() throws {
        let path = try CLI.scenarioFile("""
            overrides:
              tasks:
                customer: {service: 1s}
            sources:
              - name: s
                op: {type: node_inst_op, tasks: [customer], priority: user_facing, queue: any}
                arrivals: {every: 1ns}
                until: 1h
            """)
        let result = try CLI.run(["run", path])
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("simrun: \(path):5: sources[0]: this would create about 3.6e12 ops"))
        #expect(result.stderr.hasSuffix("the largest part: this source, about 3.6e12 ops per run\n"))
    }

    /// Idle daemons polling every nanosecond with free round trips (ideal mode, where the
    /// clock moves only through sleeps) would wake about 10^13 times in mmc's 11 hours.
    @Test func aLoopThatWouldTurnWithoutEndIsRefusedNamingItsSetting() throws {
        let mmc = try String(contentsOfFile: CLI.packageRoot.path + "/scenarios/mmc.yaml", encoding: .utf8)
        let path = try CLI.scenarioFile(mmc.replacingOccurrences(of: "overrides:\n", with: "overrides:\n  idle: {flat: 1ns}\n"))
        let result = try CLI.run(["run", path])
        #expect(result.status == 2)
        #expect(result.stderr.contains(": overrides.idle: this would create about 100000 ops and wake the model's loops about"),
                "\(result.stderr)")
        #expect(result.stderr.contains("the largest part: idle daemon polls (each simulated: database.round_trip "
                                       + "repeats a value; a continuous one skips them, see docs/scenario-format.md)"))
    }

    /// A flat defer of 0 s in ideal mode: the instance start defers at one instant without
    /// end. The per-instant guard stops it, naming the looping daemon; the report is written.
    @Test func aLoopAtOneInstantEndsTheRunNamingIt() throws {
        let path = try CLI.scenarioFile("""
            ideal: true
            networks: [net-a]
            overrides:
              sf_queues: {defer: {flat: 0s}}
            workload:
              - at: 0s
                instance_start: {name: web, node: node-2, interfaces: [net-a]}
            """)
        let result = try CLI.run(["run", path, "--format", "json", "--deterministic"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("\"state\": \"no_progress\""))
        #expect(result.stdout.contains("\"node-2/sf-queues ("))
    }
}

/// `check` refuses baselines whose figures cannot be what a run gave, naming the figure.
@Suite(.serialized) struct HostileBaselines {
    /// The shipped six-instance-starts baseline with `edit` applied to its text.
    private func check(_ edit: (String) -> String) throws -> CLIResult {
        let text = try String(contentsOfFile: CLI.packageRoot.path + "/results/six-instance-starts.json", encoding: .utf8)
        let path = try CLI.scenarioFile(edit(text), name: "baseline.json")
        return try CLI.run(["check", "--baseline", path])
    }

    private func firstValues(_ text: String, _ replacement: String) -> String {
        guard let range = text.range(of: "\"facade/ops/executed\": [") else { return text }
        let close = text[range.upperBound...].firstIndex(of: "]") ?? range.upperBound
        return text.replacingCharacters(in: range.upperBound..<close, with: replacement)
    }

    @Test func absurdAndNonFiniteFiguresAreRejectedByName() throws {
        let ten = { (value: String) in Array(repeating: value, count: 10).joined(separator: ", ") }
        for (value, shown) in [("1e308", "1e308"), (".inf", ".inf"), ("-1", "-1")] {
            let result = try check { firstValues($0, ten(value)) }
            #expect(result.status == 2)
            #expect(result.stderr.contains("scenarios[0].figures[\"facade/ops/executed\"][0]: expected a number from 0 "
                                           + "to 1000000000000, "
                                           + "got \"\(shown)\""), "\(result.stderr)")
        }
    }

    @Test func aFigureShorterThanTheReplicationsIsRejected() throws {
        let result = try check { firstValues($0, "29, 29") }
        #expect(result.status == 2)
        #expect(result.stderr.contains("scenarios[0].figures[\"facade/ops/executed\"]: expected one value per "
                                       + "replication (10), got 2"))
    }

    @Test func noFiguresOrNoScenariosAreRejected() throws {
        let empty = try check { text in
            let start = text.range(of: "\"figures\": {")!.upperBound
            let end = text.range(of: "\n      }\n    }\n  ]")!.lowerBound
            return text.replacingCharacters(in: start..<end, with: "")
        }
        #expect(empty.status == 2)
        #expect(empty.stderr.contains("scenarios[0].figures: expected at least one figure, got a mapping"))
        let none = try check { _ in "{\"format\": \"simrun-baseline/1\", \"scenarios\": []}\n" }
        #expect(none.status == 2)
        #expect(none.stderr.contains("scenarios: expected at least one scenario, got a list"))
    }
}
