import ArgumentParser
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An ``OutputFile`` written as it goes, for output larger than memory (`--events`): text is
/// buffered (``bufferBytes``) and written in chunks, so memory does not grow with the file.
///
/// The same rules as ``OutputFile/write(_:)``: a regular file is written to a new temporary
/// file in its directory (removed on SIGINT/SIGTERM) and renamed over the path only by
/// ``commit()``; ``abandon()`` removes it, so a failed run never leaves a partial file looking
/// whole. `-`, a FIFO or a device is written straight into (a reader there sees the lines as
/// they come). The first write error is kept and reported by ``commit()``; later appends are
/// dropped.
final class StreamingOutput: Sendable {
    static let bufferBytes = 1 << 20

    private struct State {
        var descriptor: Int32
        var buffer: [UInt8] = []
        var failure: String?
        var closed = false
    }

    let output: OutputFile
    /// The temporary file renamed over the target at commit (regular files only).
    private let temporary: String?
    private let state: Mutex<State>

    /// Opens the output (creating the temporary file of a regular one). One line, status 2, if
    /// it cannot.
    init(_ output: OutputFile) throws(ExitCode) {
        self.output = output
        switch output.kind {
        case .standardOutput:
            temporary = nil
            state = Mutex(State(descriptor: STDOUT_FILENO))
        case .stream:
            let descriptor = open(output.target, O_WRONLY | O_CLOEXEC)
            guard descriptor >= 0 else { throw fail("\(output.flag) \(output.path): cannot open: \(lastError())") }
            temporary = nil
            state = Mutex(State(descriptor: descriptor))
        case .file(let directory, let mode):
            var template = Array((directory + "/." + String(baseName(of: output.target).prefix(100)) + ".simrun-XXXXXX")
                .utf8CString)
            let descriptor = Interrupts.makeTemporaryFile(&template)
            guard descriptor >= 0 else {
                throw fail("\(output.flag) \(output.path): cannot create a temporary file in \(directory): \(lastError())")
            }
            let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            temporary = path
            var initial = State(descriptor: descriptor)
            if fchmod(descriptor, mode) != 0 { initial.failure = lastError() }
            state = Mutex(initial)
        }
    }

    func append(_ text: String) {
        state.withLock { state in
            guard state.failure == nil, !state.closed else { return }
            state.buffer += text.utf8
            if state.buffer.count >= Self.bufferBytes { Self.flush(&state) }
        }
    }

    private static func flush(_ state: inout State) {
        guard state.failure == nil, !state.buffer.isEmpty else { return }
        let text = String(decoding: state.buffer, as: UTF8.self)
        state.buffer.removeAll(keepingCapacity: true)
        state.failure = writeAll(text, to: state.descriptor)
    }

    /// Writes what is buffered and puts the file in place. One line, status 2, if anything
    /// failed (the temporary file is then removed).
    func commit() throws(ExitCode) {
        let failure: String? = state.withLock { state in
            guard !state.closed else { return nil }
            state.closed = true
            Self.flush(&state)
            guard let temporary else {
                if output.kind.isStream { close(state.descriptor) }
                return state.failure
            }
            if state.failure == nil && fsync(state.descriptor) != 0 { state.failure = lastError() }
            if close(state.descriptor) != 0 && state.failure == nil { state.failure = lastError() }
            if state.failure == nil && rename(temporary, output.target) != 0 { state.failure = lastError() }
            if state.failure != nil { unlink(temporary) }
            Interrupts.releaseTemporaryFile(temporary)
            return state.failure
        }
        if let failure { throw fail("\(output.flag) \(output.path): cannot write: \(failure)") }
    }

    /// Drops the output: a regular file's temporary file is removed and the target left as it
    /// was. (What already went to a stream stays there.)
    func abandon() {
        state.withLock { state in
            guard !state.closed else { return }
            state.closed = true
            if let temporary {
                close(state.descriptor)
                unlink(temporary)
                Interrupts.releaseTemporaryFile(temporary)
            } else if output.kind.isStream {
                close(state.descriptor)
            }
        }
    }
}

extension OutputFile.Kind {
    var isStream: Bool {
        if case .stream = self { return true }
        return false
    }
}
