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

/// Reading an input file (a scenario, a baseline, an event log) in 64 KB chunks, with its size
/// limit checked before and while reading: the one place the one-line errors of an unreadable,
/// missing, directory or too-large input are worded.
public enum InputFile {
    /// The whole of `path` (see ``forEachChunk(path:maxBytes:expected:_:)``), for inputs read
    /// at once (a sweep's shard for `merge`).
    public static func contents(path: String, maxBytes: Int, expected: String) throws(ScenarioError) -> [UInt8] {
        var bytes: [UInt8] = []
        try forEachChunk(path: path, maxBytes: maxBytes, expected: expected) { chunk in bytes += chunk }
        return bytes
    }

    /// Calls `body` with each chunk of `path` (a file, a FIFO, a device). Stops with an error
    /// once more than `maxBytes` bytes were read, if given, without reading the rest; a regular
    /// file larger than that is refused before any read. `expected` names what a directory
    /// was taken for ("a YAML file").
    static func forEachChunk(path: String, maxBytes: Int?, expected: String,
                             _ body: (ArraySlice<UInt8>) throws(ScenarioError) -> Void) throws(ScenarioError) {
        let failure = { (message: String) in ScenarioError(file: path, message: message) }
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw failure(errno == EACCES ? "cannot read the file (permission denied)" : "file not found")
        }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw failure("expected \(expected), got a directory") }
        let tooLarge = { (limit: Int) in failure("the file is larger than \(limit) bytes (--max-file-size raises the limit)") }
        if let maxBytes, (info.st_mode & S_IFMT) == S_IFREG && Int(info.st_size) > maxBytes { throw tooLarge(maxBytes) }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw failure(errno == EACCES ? "cannot read the file (permission denied)"
                                          : "cannot read the file (\(String(cString: strerror(errno))))")
        }
        defer { close(descriptor) }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var total = 0
        while true {
            let count = chunk.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure("cannot read the file (\(String(cString: strerror(errno))))")
            }
            if count == 0 { return }
            total += count
            if let maxBytes, total > maxBytes { throw tooLarge(maxBytes) }
            try body(chunk[0..<count])
        }
    }
}
