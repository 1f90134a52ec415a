/// Where live mode's server is: `mariadb://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?socket=PATH]`
/// (`mysql://` is accepted too). `scripts/mariadb.sh start` prints one for its server.
public struct DatabaseURL: Sendable, Equatable, CustomStringConvertible {
    public var user: String
    public var password: String?
    public var host: String
    public var port: UInt32
    public var database: String
    public var socket: String?

    public init(parsing text: String) throws {
        func bad(_ why: String) -> LiveError {
            .usage("--mariadb \(text): \(why); expected mariadb://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?socket=PATH]")
        }
        var rest = Substring(text)
        guard let scheme = rest.firstRange(of: "://") else { throw bad("no scheme") }
        guard ["mariadb", "mysql"].contains(String(rest[..<scheme.lowerBound])) else {
            throw bad("the scheme must be mariadb")
        }
        rest = rest[scheme.upperBound...]
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        guard let slash = rest.firstIndex(of: "/") else { throw bad("no database name") }
        database = String(rest[rest.index(after: slash)...])
        guard !database.isEmpty, database.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            throw bad("the database name must be letters, digits and _")
        }
        var authority = rest[..<slash]
        user = "root"
        password = nil
        if let at = authority.lastIndex(of: "@") {
            let credentials = authority[..<at]
            authority = authority[authority.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                user = Self.decode(credentials[..<colon])
                password = Self.decode(credentials[credentials.index(after: colon)...])
            } else {
                user = Self.decode(credentials)
            }
        }
        port = 3306
        if let colon = authority.lastIndex(of: ":") {
            guard let value = UInt32(authority[authority.index(after: colon)...]), value > 0, value < 65536 else {
                throw bad("the port must be a number from 1 to 65535")
            }
            port = value
            authority = authority[..<colon]
        }
        host = authority.isEmpty ? "localhost" : String(authority)
        socket = nil
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0] == "socket" else { throw bad("unknown parameter \(pair)") }
            socket = Self.decode(parts[1])
        }
    }

    /// Undoes %XX escapes (a password may hold `@` or `:`).
    private static func decode(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
               let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) {
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The URL without its password.
    public var description: String {
        "mariadb://\(user)\(password == nil ? "" : ":***")@\(host)\(port == 3306 ? "" : ":\(port)")/\(database)"
            + (socket.map { "?socket=\($0)" } ?? "")
    }
}
