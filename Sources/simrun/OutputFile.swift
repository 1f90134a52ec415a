import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where an output flag (`--output`, `--trace`, and any added later) writes. Checked with
/// ``check(_:flag:)`` before the run starts, written with ``write(_:)`` once the output is
/// complete.
///
/// - `-` is standard output; an existing FIFO or character device (`/dev/null`, a terminal)
///   is opened and written straight into.
/// - Anything else is a regular file: the text goes to a new, uniquely named temporary file
///   in the same directory (`mkstemp`), which is renamed over the path only when complete, so
///   a reader never sees half a report and a failed or interrupted run leaves the old file
///   as it was. Only that temporary file is ever removed; nothing else is deleted or renamed.
///   A replaced file keeps its permissions; a new one gets `0666` less the umask.
/// - A directory, a missing directory, an unwritable file or directory, a dangling symbolic
///   link or any other kind of file is refused with one line, before anything runs. A
///   symbolic link to a file writes that file.
struct OutputFile {
    enum Kind {
        case standardOutput
        /// A FIFO or character device, written in place.
        case stream
        /// A regular file (new or replaced) in `directory`, with these permissions.
        case file(directory: String, mode: mode_t)
    }

    let flag: String
    /// As the user wrote it, for messages.
    let path: String
    /// Where the bytes go: `path` with symbolic links followed.
    let target: String
    let kind: Kind
    /// What this output is, to refuse two outputs (or an output and the input) that are the
    /// same file: device and inode of an existing file, else the full path of the new one.
    let identity: String?

    static func check(_ path: String, flag: String) throws(ExitCode) -> OutputFile {
        func refuse(_ why: String) -> ExitCode { fail("\(flag) \(path): \(why); nothing was written") }
        if path == "-" { return OutputFile(flag: flag, path: path, target: path, kind: .standardOutput, identity: nil) }
        guard !path.isEmpty else { throw fail("\(flag): expected a file name, got an empty one") }
        if path.hasSuffix("/") { throw refuse("names a directory; name a file to write") }
        var info = stat()
        if lstat(path, &info) == 0 {
            var target = path
            if (info.st_mode & S_IFMT) == S_IFLNK {
                guard let resolved = realpath(path, nil) else { throw refuse("is a symbolic link to nothing") }
                target = String(cString: resolved)
                free(resolved)
                guard stat(target, &info) == 0 else { throw refuse("cannot follow the symbolic link") }
            }
            let identity = "\(info.st_dev):\(info.st_ino)"
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                throw refuse("is a directory; name a file to write")
            case S_IFIFO, S_IFCHR:
                guard access(target, W_OK) == 0 else { throw refuse("is not writable (\(lastError()))") }
                return OutputFile(flag: flag, path: path, target: target, kind: .stream, identity: identity)
            case S_IFREG:
                guard access(target, W_OK) == 0 else { throw refuse("is not writable (\(lastError()))") }
                let directory = directoryName(of: target)
                guard access(directory, W_OK | X_OK) == 0 else {
                    throw refuse("cannot create files in \(directory) (\(lastError()))")
                }
                return OutputFile(flag: flag, path: path, target: target,
                                  kind: .file(directory: directory, mode: info.st_mode & 0o7777), identity: identity)
            default:
                throw refuse("is neither a regular file, a FIFO nor a character device")
            }
        }
        guard errno == ENOENT else { throw refuse(lastError()) }
        let directory = directoryName(of: path)
        var directoryInfo = stat()
        guard stat(directory, &directoryInfo) == 0 else { throw refuse("directory \(directory) does not exist") }
        guard (directoryInfo.st_mode & S_IFMT) == S_IFDIR else { throw refuse("\(directory) is not a directory") }
        guard access(directory, W_OK | X_OK) == 0 else {
            throw refuse("cannot create files in \(directory) (\(lastError()))")
        }
        let resolved = realpath(directory, nil)
        let identity = resolved.map { String(cString: $0) + "/" + baseName(of: path) }
        free(resolved)
        let mask = umask(0)
        umask(mask)
        return OutputFile(flag: flag, path: path, target: path,
                          kind: .file(directory: directory, mode: 0o666 & ~mask), identity: identity)
    }

    /// Writes `text` whole (see the type's description). Errors are one line, status 2.
    func write(_ text: String) throws(ExitCode) {
        switch kind {
        case .standardOutput:
            if let error = writeAll(text, to: STDOUT_FILENO) { throw fail("\(flag): cannot write standard output: \(error)") }
        case .stream:
            let descriptor = open(target, O_WRONLY | O_CLOEXEC)
            guard descriptor >= 0 else { throw fail("\(flag) \(path): cannot open: \(lastError())") }
            let error = writeAll(text, to: descriptor)
            close(descriptor)
            if let error { throw fail("\(flag) \(path): cannot write: \(error)") }
        case .file(let directory, let mode):
            try replace(with: text, directory: directory, mode: mode)
        }
    }

    private func replace(with text: String, directory: String, mode: mode_t) throws(ExitCode) {
        let temporary = try stage(text, directory: directory, mode: mode)
        try put(temporary)
    }

    /// Writes `text` whole to a new temporary file beside the target, synced; the caller then
    /// renames it into place (``put(_:)``) or removes it (``discard(_:)``).
    fileprivate func stage(_ text: String, directory: String, mode: mode_t) throws(ExitCode) -> String {
        var template = Array((directory + "/." + String(baseName(of: target).prefix(100)) + ".simrun-XXXXXX").utf8CString)
        let descriptor = Interrupts.makeTemporaryFile(&template)
        guard descriptor >= 0 else { throw fail("\(flag) \(path): cannot create a temporary file in \(directory): \(lastError())") }
        let temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var failure: String?
        if fchmod(descriptor, mode) != 0 { failure = lastError() }
        if failure == nil { failure = writeAll(text, to: descriptor) }
        if failure == nil && fsync(descriptor) != 0 { failure = lastError() }
        if close(descriptor) != 0 && failure == nil { failure = lastError() }
        if let failure {
            Self.discard(temporary)
            throw fail("\(flag) \(path): cannot write: \(failure)")
        }
        return temporary
    }

    /// Renames a staged file into place.
    fileprivate func put(_ temporary: String) throws(ExitCode) {
        guard rename(temporary, target) == 0 else {
            let failure = lastError()
            Self.discard(temporary)
            throw fail("\(flag) \(path): cannot write: \(failure)")
        }
        Interrupts.releaseTemporaryFile(temporary)
    }

    fileprivate static func discard(_ temporary: String) {
        unlink(temporary)
        Interrupts.releaseTemporaryFile(temporary)
    }
}

/// The outputs of one command, written together so that a failure writes none of them: each
/// regular file is first written whole to its temporary file (``OutputFile``); only when
/// every one is ready are standard output and devices written, the event log committed and
/// the files renamed into place. (A report on standard output followed by an HTML file that
/// could not be written printed the report and then failed.) Only a rename failing after
/// another succeeded, within one directory, could still leave part.
struct OutputBatch {
    private enum Entry {
        /// A regular file staged at `temporary`.
        case staged(OutputFile, temporary: String)
        /// Standard output or a device: written when the batch commits, before the renames.
        case direct(OutputFile, String)
        /// The event log, written as the runs went.
        case stream(StreamingOutput)
    }

    private var entries: [Entry] = []
    /// Directories ``add(_:in:)`` created, removed again if the batch is abandoned.
    private var created: [String] = []

    /// Stages `text` for `target`; on failure, abandons everything staged so far.
    mutating func add(_ text: String, to target: OutputFile) throws(ExitCode) {
        switch target.kind {
        case .standardOutput, .stream:
            entries.append(.direct(target, text))
        case .file(let directory, let mode):
            do {
                let temporary = try target.stage(text, directory: directory, mode: mode)
                entries.append(.staged(target, temporary: temporary))
            } catch {
                abandon()
                throw error
            }
        }
    }

    /// Stages one file per histogram in `directory`, created if missing (and removed again if
    /// the batch is abandoned).
    mutating func add(_ files: [(name: String, text: String)], in directory: HistogramDirectory) throws(ExitCode) {
        switch directory.create() {
        case .failure(let error):
            abandon()
            throw error
        case .success(let made):
            if made { created.append(directory.path) }
        }
        let prefix = directory.path.hasSuffix("/") ? directory.path : directory.path + "/"
        for file in files {
            let target: OutputFile
            do { target = try OutputFile.check(prefix + file.name, flag: "--hgrm") } catch {
                abandon()
                throw error
            }
            try add(file.text, to: target)
        }
    }

    /// The event log's stream, committed with the rest (or abandoned with it).
    mutating func add(_ stream: StreamingOutput) {
        entries.append(.stream(stream))
    }

    /// Puts every output in place: standard output and devices first (in the order added),
    /// then the event log, then the staged files renamed. A write that fails before the
    /// renames leaves no file written (what reached standard output cannot be taken back).
    func commit() throws(ExitCode) {
        do {
            for case .direct(let target, let text) in entries { try target.write(text) }
            for case .stream(let stream) in entries { try stream.commit() }
        } catch {
            abandon()
            throw error
        }
        for (index, entry) in entries.enumerated() {
            guard case .staged(let target, let temporary) = entry else { continue }
            do { try target.put(temporary) } catch {
                // The ones not yet renamed are removed (the ones renamed stay: a rename within
                // one directory failing after another succeeded is the file system's failure).
                for case .staged(_, let rest) in entries[(index + 1)...] { OutputFile.discard(rest) }
                throw error
            }
        }
    }

    /// Removes everything staged and the directories made for it.
    func abandon() {
        for entry in entries {
            switch entry {
            case .staged(_, let temporary): OutputFile.discard(temporary)
            case .stream(let stream): stream.abandon()
            case .direct: break
            }
        }
        for directory in created.reversed() { rmdir(directory) }
    }
}

/// Writes every byte of `text` to `descriptor`; the error, if one stopped it.
func writeAll(_ text: String, to descriptor: Int32) -> String? {
    var text = text
    return text.withUTF8 { buffer -> String? in
        var offset = 0
        while offset < buffer.count {
            let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return lastError()
            }
            offset += written
        }
        return nil
    }
}

/// The directory part of `path` (`.` when there is none).
func directoryName(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    let directory = String(path[..<slash])
    return directory.isEmpty ? "/" : directory
}

func baseName(of path: String) -> String {
    path.lastIndex(of: "/").map { String(path[path.index(after: $0)...]) } ?? path
}

/// The current `errno` as text.
func lastError() -> String { String(cString: strerror(errno)) }
