import Dispatch
import Model
import Scenarios
import Sim
import Synchronization

/// Live mode's database: a real MariaDB server running the statements of a SQL file
/// (``QueueSQL``), behind the same ``QueueStore`` seam the simulator's ``SimDatabase`` sits
/// behind. Every ``QueueConnection`` it hands out is a real server connection.
///
/// What the model needs that the schema does not hold (an op's task list beyond the
/// `metadata_json` the SQL reads, its dependencies and random key) is kept beside the server,
/// keyed by op uuid; states, rows, claims, folds and lookups are only ever the server's.
public final class LiveStore: QueueStore, @unchecked Sendable {
    let url: DatabaseURL
    let sql: SQLStatements
    let runtime: LiveRuntime
    let recorder: RunRecorder
    let config: ModelConfig
    let policy = DatabaseFailurePolicy.shakenFist
    /// The server's UNIX time when the run started (run time zero).
    let startUnix: Double
    private let book = Mutex(Book())

    private struct Book {
        var nextOp = 0
        var specs: [OpID: OpSpec] = [:]
        var createdAt: [OpID: Duration] = [:]
        var queues: [String: QueueName] = [:]
        /// Wall time (run time) of the last statement that succeeded, and the last failure.
        var lastSuccess: Duration = .zero
        var lastFailure: DatabaseError?
        /// Transient failures met (each one retried or, after the last try, unavailable).
        var transient = TransientFailures()
    }

    /// Transient failures the connections met during a run, by kind: 1213 deadlocks, 1205
    /// lock wait timeouts (both retried as deadlocks), lost connections.
    public struct TransientFailures: Sendable, Equatable {
        public var deadlocks = 0, lockWaitTimeouts = 0, lostConnections = 0
    }

    /// Connects once to check the URL and the credentials, empties the tables and reads the
    /// server's clock.
    public init(url: DatabaseURL, sql: SQLStatements, runtime: LiveRuntime, recorder: RunRecorder,
                config: ModelConfig) throws {
        self.url = url
        self.sql = sql
        self.runtime = runtime
        self.recorder = recorder
        self.config = config
        let session = try MariaDBSession(url)
        for part in sql.parts("schema") { try session.execute(part) }
        for part in sql.parts("reset") { try session.execute(part) }
        let now = try session.query(sql.render("now", [:], escape: session.escape)).rows
        guard let text = now.first?.first ?? nil, let value = Double(text) else {
            throw DatabaseError.other(code: 0, "statement now returned no time")
        }
        startUnix = value - runtime.now.seconds * runtime.timeScale
    }

    // MARK: Identities

    /// A new op id and its uuid.
    func newOp(_ spec: OpSpec) -> OpID {
        book.withLock { book in
            book.nextOp += 1
            let id = OpID(book.nextOp)
            book.specs[id] = spec
            return id
        }
    }

    func spec(_ id: OpID) -> OpSpec? { book.withLock { $0.specs[id] } }

    func noteCreated(_ id: OpID, at time: Duration) { book.withLock { $0.createdAt[id] = time } }

    func noteSuccess() {
        let now = runtime.now
        book.withLock { $0.lastSuccess = now }
    }

    func noteFailure(_ error: DatabaseError) {
        book.withLock { book in
            book.lastFailure = error
            switch error {
            case .deadlock(let message) where message.hasPrefix("1205 "): book.transient.lockWaitTimeouts += 1
            case .deadlock: book.transient.deadlocks += 1
            case .lostConnection: book.transient.lostConnections += 1
            case .unavailable, .accessDenied, .other: break
            }
        }
    }

    /// The deadlocks and lost connections met so far (the policy retried each).
    public var transientFailures: TransientFailures { book.withLock { $0.transient } }

    /// How long (run time) no statement has succeeded, and the last failure, if any.
    public var silence: (since: Duration, error: DatabaseError?) {
        let now = runtime.now
        return book.withLock { (now - $0.lastSuccess, $0.lastFailure) }
    }

    /// Tells the recorder an op became terminal; returns its record.
    @discardableResult
    func recordTerminal(_ id: OpID, _ state: OpState, byFold: Bool) -> OpRecord? {
        guard let (spec, created) = book.withLock({ book in book.specs[id].map { ($0, book.createdAt[id] ?? .zero) } })
        else { return nil }
        let now = runtime.now
        let record = OpRecord(id: id, spec: spec, createdAt: created, state: state, stateChangedAt: now)
        recorder.terminal(record, at: now, byFold: byFold)
        return record
    }

    func remember(_ queues: [QueueName]) {
        book.withLock { book in for queue in queues { book.queues[queue.description] = queue } }
    }

    func queue(named name: String) -> QueueName? { book.withLock { $0.queues[name] } }

    /// An op's uuid: 32 hex digits, no dashes (`cluster_operations.uuid`).
    static func uuid(_ id: OpID) -> String {
        let hex = String(UInt64(id.value), radix: 16)
        return "5157" + String(repeating: "0", count: 28 - hex.count) + hex
    }

    /// The same uuid with dashes (`object_states.object_uuid`).
    static func dashed(_ uuid: String) -> String {
        let characters = Array(uuid)
        guard characters.count == 32 else { return uuid }
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(separator: "-")
    }

    static func opID(uuid: String) -> OpID? {
        guard uuid.count == 32, uuid.hasPrefix("5157"), let value = Int(uuid.dropFirst(4), radix: 16) else {
            return nil
        }
        return OpID(value)
    }

    /// A name (network, node, instance) as a CHAR(32) column value: 32 hex digits from two
    /// FNV-1a hashes of the name, the same for the same name.
    static func columnUUID(_ name: String) -> String {
        func fnv(_ seed: UInt64) -> String {
            var hash = seed
            for byte in name.utf8 {
                hash ^= UInt64(byte)
                hash &*= 0x0000_0100_0000_01B3
            }
            let hex = String(hash, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }
        return fnv(0xCBF2_9CE4_8422_2325) + fnv(0x84222325CBF29CE4)
    }

    // MARK: Time

    /// Run time of a server UNIX time.
    func runTime(_ unix: Double) -> Duration { .seconds(double: (unix - startUnix) / runtime.timeScale) }

    /// Wall seconds of a run duration (what goes into the server's arithmetic).
    func wallSeconds(_ duration: Duration) -> Double { duration.seconds * runtime.timeScale }

    // MARK: QueueStore

    /// A connection whose load kind is found from its name.
    public func connect(_ name: String, random: RandomStream) -> any QueueConnection {
        connect(name, kind: recorder.loadKind(of: name), random: random)
    }

    public func connect(_ name: String, kind: RunRecorder.LoadKind, random: RandomStream) -> any QueueConnection {
        MariaDBConnection(store: self, name: name, kind: kind, random: random)
    }

    /// Shaken Fist has no wake-up on enqueue (model file §6: `facade` and `plan` poll every
    /// 0.2 s, `later` backs off from 0.2 s to 2 s; step 1's visibility event is an eventlog
    /// row, not a notification), so live mode adds none: after an empty claim the daemons
    /// sleep their era's idle policy, as in the simulator. Ideal variants, the only callers
    /// of these two, are refused before a live run starts; one that got here would poll at
    /// §6's 0.2 s.
    public func subscribe(_ signal: any WakeSignal, to queues: [QueueName]) async {}

    public func waitForWork(_ queues: [QueueName], signal: any WakeSignal) async throws {
        try await signal.wait(untilOffset: runtime.now + .milliseconds(200))
    }

    /// Polls the server (every 0.2 s of run time) until no row is left and no op is queued
    /// or executing, after the producers have finished.
    public func waitUntilDrained(after producers: ProducerTracker) async {
        let connection = MariaDBConnection(store: self, name: "drain", random: RandomStream(seed: 0))
        do {
            while !producers.isDone { try await producers.finished.wait() }
            while try await connection.count("quiet") > 0 {
                try await runtime.sleep(for: .milliseconds(200))
            }
        } catch is CancellationError {
            // The run was stopped.
        } catch {
            recorder.daemonFailed("drain", error)
        }
    }

    public func whereIs(_ op: OpID) async -> String { "\(op) (\(LiveStore.uuid(op)) on the server)" }

    /// The counters read back from the server.
    public struct Counters: Sendable, Equatable {
        public var executed = 0, folded = 0, deduplicated = 0, deferred = 0, created = 0, leftClaimed = 0
    }

    /// Releases every claimed row (a run stopped early leaves none claimed).
    public func releaseAll() async throws {
        let connection = MariaDBConnection(store: self, name: "release", random: RandomStream(seed: 0))
        _ = try await connection.row("release_all")
    }

    public func counters() async throws -> Counters {
        let connection = MariaDBConnection(store: self, name: "counters", random: RandomStream(seed: 0))
        let row = try await connection.row("counters")
        // Six counts, each a whole number of 0 or more: anything else (a `--sql` file's
        // statement edited wrong) is an error, not counts of 0 printed as the server's.
        let counts = row.compactMap { $0.flatMap { Int($0) } }
        guard row.count == 6, counts.count == 6, counts.allSatisfy({ $0 >= 0 }) else {
            throw LiveError.usage("\(sql.source): statement counters gave \(row.map { $0 ?? "NULL" }); expected one row "
                                  + "of 6 counts (executed, folded, deduplicated, deferred, created, left claimed)")
        }
        return Counters(executed: counts[0], folded: counts[1], deduplicated: counts[2], deferred: counts[3],
                        created: counts[4], leftClaimed: counts[5])
    }
}
