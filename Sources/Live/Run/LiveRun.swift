import Dispatch
import Model
import Scenarios
import Sim

/// What one live run produced.
public struct LiveResult: Sendable {
    public var variant: String
    /// `wait_seconds` of every pickup, measured by the daemons on the wall clock (scaled
    /// back to scenario seconds).
    public var waits: WaitSample
    /// Read back from the server after the run.
    public var counters: LiveStore.Counters
    /// What the model's own bookkeeping saw (for comparison only).
    public var recorded: OpCounts
    public var failures: [String]
    /// Deadlocks and lost connections the connections met (and retried, as the real daemons do).
    public var transient: LiveStore.TransientFailures
    public var incidents: [String]
    /// Scenario seconds the run took, and wall seconds.
    public var runSeconds: Double
    public var wallSeconds: Double
    /// `completed`, `failed` (a daemon or producer ended with an error: see `failures`; the
    /// run stops at once), `time_limit`, `interrupted` or `terminated`.
    public var ending: String
}

/// Runs a scenario's variant against a live MariaDB server: the model's dispatchers,
/// workers, waiters and producers on the wall clock (``LiveRuntime``), every database call a
/// statement of the SQL file (``LiveStore``).
public enum LiveRun {
    /// A server that answered nothing for this long (wall time) while statements fail ends
    /// the run with an error.
    public static let silenceLimit: Duration = .seconds(15)

    /// How often, in wall time, a run tells its `progress` where it is.
    public static let progressEvery: Duration = .seconds(2)

    /// Refuses what live mode cannot run, before anything runs.
    public static func check(_ config: ModelConfig, variant: String) throws {
        if config.idle == .wakeOnEnqueue {
            throw LiveError.usage("variant \(variant) is ideal mode (wake-ups on enqueue), which a real server "
                                  + "cannot do: pick a variant without `ideal: true`")
        }
        for policy in [config.fairness.sfNet, config.fairness.sfQueues] {
            switch policy {
            case .strict, .boundedStaleness: continue
            case .reservedSlots, .deficitRoundRobin, .fairKey:
                throw LiveError.usage("variant \(variant): fairness policy \(policy.name) has no SQL form; live mode "
                                      + "runs strict and bounded_staleness (see docs/live.md)")
            }
        }
    }

    /// Runs `variant` of `scenario` on the server; `progress` hears every `progressEvery` of
    /// wall time where the run is (its scenario clock and the model's own counts) and how
    /// many wall seconds it has taken.
    public static func run(_ scenario: Scenario, variant: Variant, url: DatabaseURL, sql: SQLStatements,
                           timeScale: Double, seed: UInt64, stop: LiveStop = LiveStop(),
                           progress: (@Sendable (RunProgress, Double) -> Void)? = nil) async throws -> LiveResult {
        let config = scenario.config(for: variant)
        try check(config, variant: variant.name)
        let runtime = LiveRuntime(timeScale: timeScale)
        let recorder = RunRecorder(clock: runtime, tracing: true,
                                   checkingEffects: !config.steps.isDisjoint(with: [.workerFold, .enqueueDedup]))
        let store = try LiveStore(url: url, sql: sql, runtime: runtime, recorder: recorder, config: config)
        let context = ClusterContext(runtime: runtime, config: config, topology: scenario.topology, store: store,
                                     recorder: recorder, random: RandomStream(seed: seed))
        let started = runtime.now
        let (tracker, _) = ClusterRun.start(context: context, workload: scenario.workload)
        let done = LiveStop()
        runtime.spawn("drain", role: .foreground) { await store.waitUntilDrained(after: tracker) }
        let watcher = Task {
            await runtime.foregroundFinished()
            done.request("completed")
        }
        var ending = "completed"
        let wall = ContinuousClock()
        var reported = wall.now
        while true {
            if let progress, wall.now - reported >= progressEvery {
                reported = wall.now
                let counts = recorder.counts
                progress(RunProgress(virtualTime: runtime.now - started, created: counts.created,
                                     ended: counts.completed + counts.errored + counts.aborted),
                         runtime.wall(runtime.now - started).seconds)
            }
            // A daemon that ended with an error (a statement the server refused, say) leaves
            // the run without it: waiting for the drain, or for the time limit, would only
            // report later what is known now.
            if !recorder.failures.isEmpty { ending = "failed"; break }
            if let why = done.reason { ending = why; break }
            if let why = stop.reason { ending = why; break }
            if runtime.now - started > scenario.timeLimit { ending = "time_limit"; break }
            let silence = store.silence
            if let error = silence.error, runtime.wall(silence.since) > silenceLimit {
                watcher.cancel()
                await runtime.cancelAll()
                throw LiveError.usage("the server stopped answering (\(runtime.wall(silence.since).seconds.formatted6) s "
                                      + "without a statement succeeding; last error: \(error))")
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        watcher.cancel()
        await runtime.cancelAll()
        // A run that drained while something failed (every insert refused, say) is not whole.
        if ending == "completed" && !recorder.failures.isEmpty { ending = "failed" }
        // A stopped run leaves no claimed rows: what the daemons held goes back to the queue.
        if ending != "completed" { try await store.releaseAll() }
        let counters = try await store.counters()
        return LiveResult(variant: variant.name, waits: WaitSample(trace: recorder.trace), counters: counters,
                          recorded: recorder.counts, failures: recorder.failures,
                          transient: store.transientFailures, incidents: recorder.incidents,
                          runSeconds: (runtime.now - started).seconds,
                          wallSeconds: runtime.wall(runtime.now - started).seconds, ending: ending)
    }
}

/// A request to stop a live run (Ctrl-C), or a note that it finished.
public final class LiveStop: @unchecked Sendable {
    private let lock = DispatchQueue(label: "simrun.live.stop")
    private var why: String?

    public init() {}

    public func request(_ reason: String) { lock.sync { if why == nil { why = reason } } }

    public var reason: String? { lock.sync { why } }
}
