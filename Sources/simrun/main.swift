import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `simrun`: replay Shaken Fist queue workloads on a deterministic simulator.
struct Simrun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simrun",
        abstract: "Simulate Shaken Fist's cluster-operation queue and report how long operations wait.",
        discussion: """
            Scenario files (YAML) describe a cluster, a workload and named variants; see \
            docs/scenario-format.md. The same scenario and seed always give the same output.

            Exit status: 0 success; 1 a run hit its time limit, got stuck or stopped making \
            progress (the report says which ops were left), or a live run failed or diverged; 2 \
            bad scenario or input file, a run beyond the budget (--max-ops), or an error; 3 \
            coalescing lost work (with --strict); 4 check found a regression; 5 check found an \
            improvement beyond the threshold (refresh the baseline); 64 bad command line; 130 or \
            143 interrupted by SIGINT or SIGTERM.
            """,
        subcommands: [RunCommand.self, CompareCommand.self, SweepCommand.self, MergeCommand.self, ReportCommand.self,
                      CheckCommand.self, BaselineCommand.self, BenchCommand.self, ModelCommand.self, AnalyzeCommand.self,
                      LiveCommand.self])
}

extension Simrun {
    /// Parses and runs a command as `main()` does, except that a mistake on the command line is
    /// one line on standard error (ArgumentParser's own form adds a help line and the usage):
    /// `Error: MESSAGE (see --help)`, status 64. simrun's own errors have printed their line
    /// already; `--help` and `--version` print as ArgumentParser has them.
    static func runOneLine() -> Never {
        do {
            var command = try parseAsRoot()
            try command.run()
            self.exit()
        } catch {
            guard !(error is ExitCode), exitCode(for: error) == .validationFailure else { self.exit(withError: error) }
            let message = message(for: error).split(whereSeparator: \.isNewline).joined(separator: "; ")
            _ = writeAll("Error: \(message) (see --help)\n", to: STDERR_FILENO)
            self.exit(withError: ExitCode.validationFailure)
        }
    }
}

MallocTuning.startTuned()
Interrupts.install()
Simrun.runOneLine()
