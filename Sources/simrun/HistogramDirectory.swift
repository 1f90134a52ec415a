import ArgumentParser
import Scenarios
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `--hgrm DIR`: a directory for one HdrHistogram file per histogram (see
/// ``PercentileDistribution``). Checked before the run: an existing directory must be
/// writable; a missing one must have a writable parent and is created when the files are
/// written. Each file is written like `--output` (a temporary file renamed into place), with
/// the command's other outputs (``OutputBatch``).
struct HistogramDirectory {
    let path: String

    static func check(_ path: String, flag: String = "--hgrm") throws(ExitCode) -> HistogramDirectory {
        func refuse(_ why: String) -> ExitCode { fail("\(flag) \(path): \(why); nothing was written") }
        guard !path.isEmpty else { throw fail("\(flag): expected a directory name, got an empty one") }
        var info = stat()
        if stat(path, &info) == 0 {
            guard (info.st_mode & S_IFMT) == S_IFDIR else { throw refuse("is not a directory") }
            guard access(path, W_OK | X_OK) == 0 else { throw refuse("cannot create files in it (\(lastError()))") }
            return HistogramDirectory(path: path)
        }
        guard errno == ENOENT else { throw refuse(lastError()) }
        let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
        let parent = directoryName(of: trimmed)
        guard stat(parent, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw refuse("directory \(parent) does not exist")
        }
        guard access(parent, W_OK | X_OK) == 0 else { throw refuse("cannot create \(path) in \(parent) (\(lastError()))") }
        return HistogramDirectory(path: path)
    }

    /// Creates the directory if it is missing: whether it made it, or the one-line error.
    func create() -> Result<Bool, ExitCode> {
        if mkdir(path, 0o777) == 0 { return .success(true) }
        if errno == EEXIST { return .success(false) }
        return .failure(fail("--hgrm \(path): cannot create the directory: \(lastError())"))
    }
}
