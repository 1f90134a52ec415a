#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Model

/// One connection to a MariaDB server over Connector/C's text protocol. Blocking: use it from
/// one thread at a time (``MariaDBConnection`` runs it on its own dispatch queue).
///
/// Parameters are bound client-side (``SQLStatement``): values are escaped with
/// `mysql_real_escape_string` for this connection's character set, as PyMySQL (what Shaken
/// Fist uses) binds them, so the server sees the same statements the real daemons send.
final class MariaDBSession {
    private let library: MariaDBLibrary
    private var handle: OpaquePointer?
    let url: DatabaseURL

    /// Connects (5 s connect timeout; 30 s read and write timeouts, so a hung server fails a
    /// statement instead of hanging the run).
    init(_ url: DatabaseURL) throws {
        library = try MariaDBLibrary.shared()
        self.url = url
        guard let handle = library.initialise(nil) else { throw DatabaseError.other(code: 0, "mysql_init failed") }
        self.handle = handle
        var connectTimeout: UInt32 = 5
        var ioTimeout: UInt32 = 30
        _ = library.options(handle, MariaDBLibrary.optionConnectTimeout, &connectTimeout)
        _ = library.options(handle, MariaDBLibrary.optionReadTimeout, &ioTimeout)
        _ = library.options(handle, MariaDBLibrary.optionWriteTimeout, &ioTimeout)
        let connected = library.realConnect(handle, url.host, url.user, url.password, url.database, url.port,
                                            url.socket, 0)
        if connected == nil {
            let error = currentError()
            library.close(handle)
            self.handle = nil
            throw error
        }
        try execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
        try execute("SET SESSION innodb_lock_wait_timeout = 10")
        try execute("SET autocommit = 1")
    }

    deinit {
        if let handle { library.close(handle) }
    }

    /// The error the library reports now, typed.
    private func currentError() -> DatabaseError {
        let code = Int(library.errno(handle))
        let message = library.error(handle).map { String(cString: $0) } ?? "unknown error"
        return Self.classify(code: code, message: message)
    }

    /// Error codes to ``DatabaseError`` (1213 deadlock, 1205 lock wait timeout, 2006/2013
    /// lost connection, 1045 access denied, 2002/2003/2005 unreachable server).
    static func classify(code: Int, message: String) -> DatabaseError {
        switch code {
        case 1213, 1205: return .deadlock("\(code) \(message)")
        case 2006, 2013, 2055: return .lostConnection("\(code) \(message)")
        case 1045, 1044, 1698: return .accessDenied("\(code) \(message)")
        case 2002, 2003, 2005: return .unavailable("\(code) \(message)")
        default: return .other(code: code, message)
        }
    }

    /// Escapes `text` for a quoted SQL string literal.
    func escape(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var out = [CChar](repeating: 0, count: bytes.count * 2 + 1)
        let length = bytes.withUnsafeBufferPointer { source in
            source.withMemoryRebound(to: CChar.self) { chars in
                library.escape(handle, &out, chars.baseAddress, UInt(bytes.count))
            }
        }
        return String(decoding: out.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Runs one statement; returns its rows (empty for a statement without a result) and the
    /// rows it changed.
    @discardableResult
    func query(_ sql: String) throws -> (rows: [[String?]], affected: Int) {
        guard let handle else { throw DatabaseError.lostConnection("not connected") }
        let status = sql.withCString { library.realQuery(handle, $0, UInt(strlen($0))) }
        if status != 0 { throw currentError() }
        guard let result = library.storeResult(handle) else {
            if library.fieldCount(handle) != 0 { throw currentError() }
            return ([], Int(library.affectedRows(handle)))
        }
        defer { library.freeResult(result) }
        let columns = Int(library.numFields(result))
        var rows: [[String?]] = []
        while let row = library.fetchRow(result) {
            let lengths = library.fetchLengths(result)
            var values: [String?] = []
            for column in 0..<columns {
                if let field = row[column] {
                    let length = Int(lengths?[column] ?? UInt(strlen(field)))
                    values.append(field.withMemoryRebound(to: UInt8.self, capacity: length) {
                        String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
                    })
                } else {
                    values.append(nil)
                }
            }
            rows.append(values)
        }
        return (rows, Int(library.affectedRows(handle)))
    }

    func execute(_ sql: String) throws {
        try query(sql)
    }

    /// Runs `body` in a transaction: committed if it returns, rolled back if it throws.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("START TRANSACTION")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            // The statement's error is the one to report; a failed rollback ends with the
            // connection (the server rolls back then).
            _ = try? query("ROLLBACK")
            throw error
        }
    }
}
