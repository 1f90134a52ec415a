#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(Glibc)
private let systemRead = Glibc.read
#elseif canImport(Darwin)
private let systemRead = Darwin.read
#endif

/// Reads an event log a line at a time (64 KB chunks), so memory does not grow with the file.
enum EventLogReader {
    /// A line longer than this is not read whole: it is handed on as too long (nil).
    static let maxLineBytes = 1 << 20

    /// Calls `body` with each line (without its newline; a final line without one too) and its
    /// 1-based number, or nil for a line longer than ``maxLineBytes``. Stops after `maxBytes`
    /// bytes with an error, if given. Errors name the file.
    static func forEachLine(path: String, maxBytes: Int? = nil,
                            _ body: (ArraySlice<UInt8>?, Int) throws(ScenarioError) -> Void) throws(ScenarioError) {
        let failure = { (message: String) in ScenarioError(file: path, message: message) }
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw failure(errno == EACCES ? "cannot read the file (permission denied)" : "file not found")
        }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw failure("expected an event log (JSON lines), got a directory") }
        let tooLarge = { (limit: Int) in failure("the file is larger than \(limit) bytes (--max-file-size raises the limit)") }
        if let maxBytes, (info.st_mode & S_IFMT) == S_IFREG && Int(info.st_size) > maxBytes { throw tooLarge(maxBytes) }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw failure(errno == EACCES ? "cannot read the file (permission denied)"
                                          : "cannot read the file (\(String(cString: strerror(errno))))")
        }
        defer { close(descriptor) }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var line: [UInt8] = []
        var overlong = false
        var number = 0
        var total = 0
        while true {
            let count = chunk.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure("cannot read the file (\(String(cString: strerror(errno))))")
            }
            if count == 0 { break }
            total += count
            if let maxBytes, total > maxBytes { throw tooLarge(maxBytes) }
            var start = 0
            for index in 0..<count where chunk[index] == 0x0A {
                number += 1
                if !overlong { line += chunk[start..<index] }
                try body(overlong || line.count > maxLineBytes ? nil : line[...], number)
                line.removeAll(keepingCapacity: true)
                overlong = false
                start = index + 1
            }
            if !overlong {
                line += chunk[start..<count]
                if line.count > maxLineBytes {
                    overlong = true
                    line.removeAll()
                }
            }
        }
        if overlong || !line.isEmpty {
            number += 1
            try body(overlong ? nil : line[...], number)
        }
    }
}
