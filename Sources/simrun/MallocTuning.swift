#if canImport(Glibc)
import Glibc
#endif

/// glibc's allocator set for a simulation: simrun starts itself again, once, as its first
/// step, with `GLIBC_TUNABLES` set, since glibc reads its tunables only as a process starts
/// (`mallopt` has no setting for the thread cache).
///
/// Why: a run frees and allocates the same few sizes millions of times on one thread (task
/// frames, waiters, timers, work items). glibc's per-thread cache keeps at most 7 free chunks
/// of each size, and none above 1,032 bytes; the rest go to its fast bins, and every request
/// above about 1 KB (a Swift task's allocator takes its slabs of 984 bytes and more from
/// `malloc`: a worker task's frames outgrow its first) first merges all of those back
/// (`malloc_consolidate`: 12,296 times on the 1-hour slice of `cluster-day.yaml`, 1,480
/// with this setting). With 1,000 chunks a size, up to 4,096 bytes, nearly every
/// allocation is answered from the cache. Measured on the 2-core machine
/// (docs/performance.md, "Session 38"): the `plan` day of `scenarios/bench/cluster-day.yaml`
/// 9.88-10.39 s against 10.59-10.77 s with glibc's defaults, alternating, and the same
/// bytes; peak memory within 2 %.
///
/// Results never depend on it: the output is the same bytes either way (a test runs a
/// scenario both ways). Nothing is done when `GLIBC_TUNABLES` is already set (a user's own
/// setting is kept as it is; this is also how the restarted process knows it is the second),
/// when `SIMRUN_MALLOC_TUNING` is `off` (or `0`, `no`, `false`), or off Linux. If the restart
/// cannot be made (the binary gone from `/proc/self/exe`), simrun goes on with glibc's
/// defaults: only its speed differs, and `simrun bench` prints which allocator settings its
/// figures rest on. A tool that follows a process only until it starts a program again
/// (valgrind without `--trace-children=yes`) needs `GLIBC_TUNABLES` set before it, or it
/// measures the restart.
enum MallocTuning {
    /// The tunables set: each thread caches up to 1,000 free chunks of each size up to
    /// 4,096 bytes (glibc's defaults: 7, and 1,032 bytes).
    static let tunables = "glibc.malloc.tcache_max=4096:glibc.malloc.tcache_count=1000"
    static let variable = "GLIBC_TUNABLES"
    /// Set to `off` (or `0`, `no`, `false`) to keep glibc's defaults.
    static let optOut = "SIMRUN_MALLOC_TUNING"
    static let optOutValues: Set<String> = ["off", "0", "no", "false"]

    /// Call first thing in `main`, before any other thread starts: returns only if no restart
    /// is made (already tuned, opted out, set by the user, or the restart failed).
    static func startTuned() {
        #if os(Linux)
        guard getenv(variable) == nil else { return }
        if let choice = getenv(optOut), optOutValues.contains(String(cString: choice).lowercased()) { return }
        guard setenv(variable, tunables, 1) == 0 else { return }
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // Only reached if the restart failed: go on untuned, and say so where figures are
        // printed (``description``).
        unsetenv(variable)
        #endif
    }

    /// The allocator settings this process runs with, for benchmark output.
    static var description: String {
        guard let value = getenv(variable).map({ String(cString: $0) }) else {
            return "glibc's defaults (\(optOut)=off, or the restart with \(variable) failed, or not Linux)"
        }
        if value == tunables { return "\(variable)=\(value) (simrun's setting; \(optOut)=off for glibc's defaults)" }
        return "\(variable)=\(value) (from the environment)"
    }
}
