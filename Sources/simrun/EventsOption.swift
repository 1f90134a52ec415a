import ArgumentParser
import Model
import Scenarios

/// `--events FILE.jsonl`, on `run`, `compare` and `sweep`: the runs' eventlog, streamed to a
/// file written like `--output` (docs/eventlog.md). One run per variant (and point), so not
/// with `--replications` above 1 (nor `compare --vary`, nor `sweep --shard`).
struct EventsOption: ParsableArguments {
    @Option(help: ArgumentHelp("Also write the runs' eventlog: one JSON line per event in the shape of Shaken Fist's eventlog, each naming its variant (docs/eventlog.md), streamed as the runs go; written like --output.",
                               valueName: "file.jsonl"))
    var events: String?

    /// Checks what `validate()` cannot see alone: `replications` and the report's target.
    func validate(replications: Int, output: String?) throws {
        guard let events else { return }
        if replications > 1 { throw ValidationError("--events records one run per variant; use it without --replications") }
        if events == "-" && (output ?? "-") == "-" {
            throw ValidationError("--events -: standard output carries the report; name a file, or give --output")
        }
    }

    /// Where the log goes, checked before anything runs.
    func target() throws(ExitCode) -> OutputFile? {
        try events.map { (path) throws(ExitCode) in try OutputFile.check(path, flag: "--events") }
    }

    /// Opens `target` and gives the per-variant sinks that write into it.
    static func open(_ target: OutputFile?) throws(ExitCode)
        -> (stream: StreamingOutput?, sinks: (@Sendable (String) -> any EventLogSink)?) {
        guard let target else { return (nil, nil) }
        let stream = try StreamingOutput(target)
        return (stream, { variant in EventLogLines(variant: variant, emit: stream.append) })
    }
}
