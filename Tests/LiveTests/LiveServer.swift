@testable import Live
import Model
import Sim
import Testing

/// Every live test, one at a time (they share the server's tables).
@Suite(.serialized, .enabled(if: LiveServer.available, LiveServer.skipped))
enum LiveServerTests {}

/// The server the live tests use: `SIMRUN_MARIADB_URL` (`.ci/run` starts one with
/// scripts/mariadb.sh and sets it). Without it every live test is skipped with this message.
enum LiveServer {
    static let urlText: String? = {
        guard let value = getenv("SIMRUN_MARIADB_URL") else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }()

    static var available: Bool { urlText != nil }

    static let skipped: Comment = "no MariaDB server (SIMRUN_MARIADB_URL unset; scripts/mariadb.sh start prints one): live test skipped"

    static var url: DatabaseURL {
        get throws { try DatabaseURL(parsing: urlText ?? "") }
    }

    /// A store on the server with emptied tables, for `config` (strict claims by default).
    static func store(_ config: ModelConfig = ModelConfig.preset(.plan), timeScale: Double = 1,
                      sql: SQLStatements? = nil) throws -> LiveStore {
        let runtime = LiveRuntime(timeScale: timeScale)
        let recorder = RunRecorder(clock: runtime, tracing: false, checkingEffects: false)
        return try LiveStore(url: url, sql: sql ?? SQLStatements.builtIn(), runtime: runtime, recorder: recorder,
                             config: config)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
