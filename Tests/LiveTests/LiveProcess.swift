#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Foundation
@testable import Live

/// The `simrun` executable and the server script, run as subprocesses (what a user sees:
/// exit status and standard error). Spawned with `posix_spawn` and reaped with `waitpid`
/// on a thread of their own; output goes to files, so a server the script leaves running
/// holds no pipe of ours open.
enum LiveProcess {
    struct Outcome {
        var status: Int32
        /// Ended by a signal (a crash or a trap) rather than by exiting.
        var signalled: Bool
        var stdout: String
        var stderr: String
    }

    /// `simrun` sits in the same build directory as the test bundle.
    static var simrun: String {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = bundle.deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("simrun").path),
              directory.path != "/" {
            directory.deleteLastPathComponent()
        }
        return directory.appendingPathComponent("simrun").path
    }

    static var script: String { CLIRoot.path + "/scripts/mariadb.sh" }

    struct SpawnError: Error, CustomStringConvertible {
        var description: String
    }

    /// A started process.
    final class Running: @unchecked Sendable {
        let pid: pid_t
        private let output: String

        init(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws {
            output = FileManager.default.temporaryDirectory.appendingPathComponent("simrun-live-\(UUID().uuidString)").path
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 1, output + ".out", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            posix_spawn_file_actions_addopen(&actions, 2, output + ".err", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            let variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }
                .map { "\($0.key)=\($0.value)" }
            let argv = ([executable] + arguments).map { strdup($0) } + [nil]
            let envp = variables.map { strdup($0) } + [nil]
            defer { for pointer in argv + envp { free(pointer) } }
            var pid = pid_t()
            let status = posix_spawn(&pid, executable, &actions, nil, argv, envp)
            guard status == 0 else { throw SpawnError(description: "posix_spawn \(executable): \(status)") }
            self.pid = pid
        }

        /// The wait status, once reaped.
        private var reaped: Int32?

        /// Whether the process has not ended yet (reaps it if it has).
        var isRunning: Bool {
            guard reaped == nil else { return false }
            var status: Int32 = 0
            guard waitpid(pid, &status, WNOHANG) == pid else { return true }
            reaped = status
            return false
        }

        /// Waits for the process to end (a blocking `waitpid` on another thread).
        func finish() async -> Outcome {
            await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
                DispatchQueue.global().async { [self] in
                    var status: Int32 = reaped ?? 0
                    if reaped == nil { while waitpid(pid, &status, 0) < 0 && errno == EINTR {} }
                    let signal = status & 0x7F
                    let read = { (suffix: String) in (try? String(contentsOfFile: self.output + suffix, encoding: .utf8)) ?? "" }
                    let outcome = Outcome(status: signal == 0 ? (status >> 8) & 0xFF : signal, signalled: signal != 0,
                                          stdout: read(".out"), stderr: read(".err"))
                    unlink(output + ".out")
                    unlink(output + ".err")
                    continuation.resume(returning: outcome)
                }
            }
        }
    }

    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) async throws
        -> Outcome {
        try await Running(executable, arguments, environment: environment).finish()
    }
}
