import ArgumentParser
import Foundation
import Scenarios

/// Exit statuses shared by every subcommand.
enum ExitStatus {
    static let incomplete = ExitCode(1)
    static let badInput = ExitCode(2)
    static let lostWork = ExitCode(3)
}

/// Prints a one-line error to standard error and exits with `status`.
func fail(_ message: String, status: ExitCode = ExitStatus.badInput) -> ExitCode {
    FileHandle.standardError.write(Data("simrun: \(message)\n".utf8))
    return status
}

/// Writes `text` to standard output, or to `path` through a temporary file renamed into
/// place, so a reader never sees half a report.
func emit(_ text: String, to path: String?) throws(ExitCode) {
    guard let path else {
        FileHandle.standardOutput.write(Data(text.utf8))
        return
    }
    let temporary = path + ".partial"
    do {
        try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
        if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
        try FileManager.default.moveItem(atPath: temporary, toPath: path)
    } catch {
        try? FileManager.default.removeItem(atPath: temporary)
        throw fail("\(path): cannot write output: \(error.localizedDescription)")
    }
}

/// Progress lines go to standard error, and only to a terminal unless asked for.
struct Progress {
    let enabled: Bool

    init(forced: Bool) {
        enabled = forced || isatty(STDERR_FILENO) != 0
    }

    func callAsFunction(_ line: String) {
        guard enabled else { return }
        FileHandle.standardError.write(Data("simrun: \(line)\n".utf8))
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}

/// Loads a scenario file, turning any problem into a one-line error and exit status 2.
func loadScenario(_ path: String) throws(ExitCode) -> Scenario {
    do {
        return try ScenarioParser.load(path: path)
    } catch {
        throw fail(error.description)
    }
}
