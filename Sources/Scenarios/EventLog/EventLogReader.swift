/// Reads an event log a line at a time (64 KB chunks), so memory does not grow with the file.
enum EventLogReader {
    /// A line longer than this is not read whole: it is handed on as too long (nil).
    static let maxLineBytes = 1 << 20

    /// A "line" that runs on this long without a newline is not an event log's (`/dev/zero`,
    /// a binary file): reading stops with an error rather than going on for ever.
    static let maxRunBytes = 64 << 20

    /// Calls `body` with each line (without its newline; a final line without one too) and its
    /// 1-based number, or nil for a line longer than ``maxLineBytes``. Stops after `maxBytes`
    /// bytes with an error, if given. Errors name the file.
    static func forEachLine(path: String, maxBytes: Int? = nil,
                            _ body: (ArraySlice<UInt8>?, Int) throws(ScenarioError) -> Void) throws(ScenarioError) {
        var line: [UInt8] = []
        // Bytes of the current line read so far: past `maxLineBytes` the line is too
        // long to hold (`line` stays empty), past `maxRunBytes` the file is not an event log.
        var run = 0
        var number = 0
        try InputFile.forEachChunk(path: path, maxBytes: maxBytes,
                                   expected: "an event log (JSON lines)") { chunk throws(ScenarioError) in
            var start = chunk.startIndex
            for index in chunk.indices where chunk[index] == 0x0A {
                number += 1
                let overlong = run > maxLineBytes
                if !overlong { line += chunk[start..<index] }
                try body(overlong || line.count > maxLineBytes ? nil : line[...], number)
                line.removeAll(keepingCapacity: true)
                run = 0
                start = index + 1
            }
            run += chunk.endIndex - start
            if run > maxRunBytes {
                throw ScenarioError(file: path, message: "line \(number + 1): more than \(maxRunBytes >> 20) MiB without "
                                    + "a line end; expected an event log (JSON lines)")
            }
            if run > maxLineBytes {
                line.removeAll()
            } else {
                line += chunk[start..<chunk.endIndex]
            }
        }
        if run > maxLineBytes || !line.isEmpty {
            number += 1
            try body(run > maxLineBytes ? nil : line[...], number)
        }
    }
}
