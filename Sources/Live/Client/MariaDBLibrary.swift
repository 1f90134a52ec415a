#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// MariaDB Connector/C, loaded when live mode first needs it (`dlopen`), so building and
/// testing simrun needs neither the library nor its headers. The declarations are ours,
/// written from the documented C API (`mysql.h` of Connector/C 3.x); only the text protocol
/// is used, so no struct layout of the library is relied on: every handle is opaque.
final class MariaDBLibrary: @unchecked Sendable {
    typealias Handle = OpaquePointer
    typealias Result = OpaquePointer

    // The functions, as `@convention(c)` types (STDCALL is empty on Linux).
    let initialise: @convention(c) (Handle?) -> Handle?
    let realConnect: @convention(c) (Handle?, UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafePointer<CChar>?,
                                     UnsafePointer<CChar>?, UInt32, UnsafePointer<CChar>?, UInt) -> Handle?
    let options: @convention(c) (Handle?, Int32, UnsafeRawPointer?) -> Int32
    let close: @convention(c) (Handle?) -> Void
    let errno: @convention(c) (Handle?) -> UInt32
    let error: @convention(c) (Handle?) -> UnsafePointer<CChar>?
    let realQuery: @convention(c) (Handle?, UnsafePointer<CChar>?, UInt) -> Int32
    let storeResult: @convention(c) (Handle?) -> Result?
    let fieldCount: @convention(c) (Handle?) -> UInt32
    let numFields: @convention(c) (Result?) -> UInt32
    let fetchRow: @convention(c) (Result?) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
    let fetchLengths: @convention(c) (Result?) -> UnsafeMutablePointer<UInt>?
    let freeResult: @convention(c) (Result?) -> Void
    let affectedRows: @convention(c) (Handle?) -> UInt64
    let insertID: @convention(c) (Handle?) -> UInt64
    let escape: @convention(c) (Handle?, UnsafeMutablePointer<CChar>?, UnsafePointer<CChar>?, UInt) -> UInt
    let serverInit: @convention(c) (Int32, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                                    UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32

    /// `enum mysql_option` values used (mysql.h).
    static let optionConnectTimeout: Int32 = 0
    static let optionReadTimeout: Int32 = 11
    static let optionWriteTimeout: Int32 = 12

    /// The library names tried, in order.
    static let names = ["libmariadb.so.3", "libmariadb.so", "libmariadb.3.dylib", "libmariadb.dylib"]

    /// The environment variable that names the library file to load instead (only it is
    /// tried): for a Connector/C outside the loader's path, and for the test of the message a
    /// machine without the library gets.
    static let pathVariable = "SIMRUN_LIBMARIADB"

    /// What to tell a user whose machine lacks the library.
    static let missingMessage = "live mode needs MariaDB Connector/C (libmariadb.so.3), which was not found: "
        + "install Debian's libmariadb3 package (apt-get install libmariadb3, or libmariadb-dev)"

    private init(_ library: UnsafeMutableRawPointer) throws {
        func symbol<T>(_ name: String, _ type: T.Type) throws -> T {
            guard let pointer = dlsym(library, name) else {
                throw LiveError.library("libmariadb has no \(name): is it MariaDB Connector/C 3?")
            }
            return unsafeBitCast(pointer, to: type)
        }
        initialise = try symbol("mysql_init", (@convention(c) (Handle?) -> Handle?).self)
        realConnect = try symbol("mysql_real_connect", (@convention(c) (Handle?, UnsafePointer<CChar>?,
            UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafePointer<CChar>?, UInt32, UnsafePointer<CChar>?,
            UInt) -> Handle?).self)
        options = try symbol("mysql_options", (@convention(c) (Handle?, Int32, UnsafeRawPointer?) -> Int32).self)
        close = try symbol("mysql_close", (@convention(c) (Handle?) -> Void).self)
        errno = try symbol("mysql_errno", (@convention(c) (Handle?) -> UInt32).self)
        error = try symbol("mysql_error", (@convention(c) (Handle?) -> UnsafePointer<CChar>?).self)
        realQuery = try symbol("mysql_real_query", (@convention(c) (Handle?, UnsafePointer<CChar>?, UInt) -> Int32).self)
        storeResult = try symbol("mysql_store_result", (@convention(c) (Handle?) -> Result?).self)
        fieldCount = try symbol("mysql_field_count", (@convention(c) (Handle?) -> UInt32).self)
        numFields = try symbol("mysql_num_fields", (@convention(c) (Result?) -> UInt32).self)
        fetchRow = try symbol("mysql_fetch_row",
                              (@convention(c) (Result?) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?).self)
        fetchLengths = try symbol("mysql_fetch_lengths", (@convention(c) (Result?) -> UnsafeMutablePointer<UInt>?).self)
        freeResult = try symbol("mysql_free_result", (@convention(c) (Result?) -> Void).self)
        affectedRows = try symbol("mysql_affected_rows", (@convention(c) (Handle?) -> UInt64).self)
        insertID = try symbol("mysql_insert_id", (@convention(c) (Handle?) -> UInt64).self)
        escape = try symbol("mysql_real_escape_string", (@convention(c) (Handle?, UnsafeMutablePointer<CChar>?,
            UnsafePointer<CChar>?, UInt) -> UInt).self)
        serverInit = try symbol("mysql_server_init", (@convention(c) (Int32,
            UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
            UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32).self)
        _ = serverInit(0, nil, nil)
    }

    private static let loaded: Swift.Result<MariaDBLibrary, LiveError> = {
        let override = getenv(pathVariable).map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
        for name in override.map({ [$0] }) ?? names {
            if let handle = dlopen(name, RTLD_NOW | RTLD_GLOBAL) {
                do {
                    return .success(try MariaDBLibrary(handle))
                } catch let error as LiveError {
                    return .failure(error)
                } catch {
                    return .failure(.library("\(error)"))
                }
            }
        }
        if let override { return .failure(.library(missingMessage + " (\(pathVariable)=\(override) could not be loaded)")) }
        return .failure(.library(missingMessage))
    }()

    /// The library, loaded once; throws ``LiveError/library(_:)`` naming the package to install.
    static func shared() throws -> MariaDBLibrary {
        try loaded.get()
    }
}

/// Errors of live mode that are not the database's (those are ``DatabaseError``).
public enum LiveError: Error, CustomStringConvertible, Equatable {
    /// The client library is missing or unusable.
    case library(String)
    /// A bad `--mariadb` URL, `--sql` file or option.
    case usage(String)

    public var description: String {
        switch self {
        case .library(let message), .usage(let message): return message
        }
    }
}
