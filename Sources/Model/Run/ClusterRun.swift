import Sim

/// Options of one run that are not part of the model.
public struct RunOptions: Sendable {
    public var seed: UInt64
    /// The run stops here even if work is left (reported as such).
    public var timeLimit: Duration?
    /// Keep a trace of every op event (tests and `--trace`).
    public var tracing: Bool
    /// Ops created before this time are left out of the wait and completion statistics.
    public var warmup: Duration
    /// The bound and key of the per-lane and per-key figures, which are kept only when this
    /// is set (fairness studies and sweeps): they cost a few histogram records per op.
    public var figures: FigureSettings?
    /// Kernel jobs that may run at one instant before the run is stopped as making no
    /// progress (nil: no bound). The default, ten million, takes tens of seconds; callers
    /// that know the size of the workload pass a bound that fits it.
    public var jobsPerInstant: UInt64?
    /// Kernel jobs the whole run may take (nil: no bound).
    public var jobLimit: UInt64?
    /// Where the run's eventlog events go (`--events`), if anywhere.
    public var eventLog: (any EventLogSink)?
    /// Simulate every poll of an op's state tick by tick, as the real waiter makes them.
    /// Off (the default), a waiter sleeps until its op can have changed and then accounts
    /// for the polls it skipped (their round-trip draws and counts), with the same results:
    /// only the kernel job count differs (`--naive-polling`; the test
    /// `NaivePollingEquivalence` compares the two on every shipped scenario).
    public var naivePolling: Bool = false
    /// Wake every daemon that claims from a queue when a row appears in it, instead of only
    /// the one whose read sees the row first (``IdlePlan``). Same results, more kernel jobs;
    /// kept so that tests can compare the two.
    public var wakesEveryPoller: Bool = false
    /// Run every woken daemon of ideal mode, instead of answering in place a wake-up whose
    /// round would claim nothing (``WakeCheck``, ``QueueWorkerPool``). Same results and the
    /// same job count, more instructions; kept so that tests can compare the two.
    public var runsEveryWakeUp: Bool = false
    /// Told where the run is (``RunProgress``) at most once every `progressInterval` of wall
    /// time while it goes on (`--progress`); it only reads the run, which is the same with or
    /// without it.
    public var progress: (@Sendable (RunProgress) -> Void)?
    public var progressInterval: Duration = .seconds(2)

    public init(seed: UInt64, timeLimit: Duration?, tracing: Bool = false, warmup: Duration = .zero,
                jobsPerInstant: UInt64? = 10_000_000, jobLimit: UInt64? = nil, figures: FigureSettings? = nil) {
        self.seed = seed
        self.timeLimit = timeLimit
        self.tracing = tracing
        self.warmup = warmup
        self.figures = figures
        self.jobsPerInstant = jobsPerInstant
        self.jobLimit = jobLimit
    }
}

/// An op left non-terminal when the run ended.
public struct PendingOp: Sendable, Equatable, CustomStringConvertible {
    public var id: OpID
    public var task: String
    public var queue: String
    public var state: OpState

    public var description: String { "\(id) \(task) \(state.rawValue) on \(queue)" }
}

/// Everything one run produced.
public struct RunResult: Sendable {
    public var counts: OpCounts
    public var wait: Breakdown
    public var completion: Breakdown
    /// `effect_seconds`: every request (op created or deduplicated), from creation to the end
    /// of the execution that made its change (its own or another's), or to its error/abort.
    public var effect: Breakdown
    public var trace: [TraceEvent]
    public var pendingOps: [PendingOp]
    public var ending: Simulation.Outcome.Ending
    /// Why the run was stopped early, when the progress watch stopped it.
    public var endingReason: String?
    public var virtualTime: Duration
    /// Kernel jobs (``Simulation/Outcome/jobs``).
    public var jobs: UInt64
    /// Of ``jobs``, the woken daemons' rounds answered without running them (ideal mode's:
    /// ``RunOptions/runsEveryWakeUp``); a cost, not a result, and not reported.
    public var wakeUpsAnswered: UInt64 = 0
    /// Highest number of busy sf-queues workers seen, per pool (`node-1/sf-queues`).
    public var peakBusy: [String: Int]
    /// Work lost by coalescing: each folded or deduplicated request whose change no execution
    /// made after it was requested (and after its own dependencies completed).
    public var effectViolations: [EffectViolation]
    /// Waits that reached `API_ASYNC_WAIT`, with where the op sat.
    public var timedOutWaits: [TimedOutWait]
    /// Errors that ended a daemon or producer other than by cancellation (a model bug if any).
    public var failures: [String]
    /// Round trips per database connection name; filled only when tracing.
    public var roundTrips: [String: Int]
    /// Round trips and claims per kind of connection, skipped polls included (always kept).
    public var load: DatabaseLoad = DatabaseLoad()
    /// Waits by lane and key (step 7's figures).
    public var fairness: FairnessFigures
    /// How the skipped idle rounds were drawn: approximate only where they could be
    /// (``ModelConfig/leapsIdleRounds``, and not `--naive-polling`), and the outputs then say so.
    public var idleRounds: IdleRounds = .exact
}

/// Wires a cluster (database, per-node daemons, reaper, API) and replays a workload on it.
public enum ClusterRun {
    /// Runs to the end on the calling thread: until the workload is exhausted and the queue
    /// has drained, or until the time limit.
    public static func run(config: ModelConfig, topology: Topology, workload: Workload,
                           options: RunOptions) -> RunResult {
        let sim = Simulation()
        let recorder = RunRecorder(clock: sim, tracing: options.tracing,
                                   checkingEffects: !config.steps.isDisjoint(with: [.workerFold, .enqueueDedup]),
                                   warmup: options.warmup, figures: options.figures, eventLog: options.eventLog)
        let database = SimDatabase(sim: sim, config: config, recorder: recorder,
                                   random: RandomStream(seed: options.seed).derived("fairness"))
        let context = ClusterContext(runtime: sim, config: config, topology: topology, store: database,
                                     recorder: recorder, random: RandomStream(seed: options.seed),
                                     naivePolling: options.naivePolling, wakesEveryPoller: options.wakesEveryPoller,
                                     runsEveryWakeUp: options.runsEveryWakeUp)
        let (tracker, sources) = start(context: context, workload: workload)
        sim.spawn("drain") { await database.waitUntilDrained(after: tracker) }
        let watcher = ProgressWatcher(recorder: recorder, config: config, topology: topology, workload: workload,
                                      sourcesArriving: { sources.contains { sim.isLive($0) } })

        var watch = watcher.watch
        if let progress = options.progress {
            watch = RunProgress.reporting(watch, every: options.progressInterval, recorder: recorder, to: progress)
        }
        let outcome = sim.run(limit: options.timeLimit, guards: SimExecutor.Guards(
            jobsPerInstant: options.jobsPerInstant, jobs: options.jobLimit, watch: watch))
        let effects = recorder.effects
        return RunResult(
            counts: recorder.counts, wait: recorder.wait, completion: recorder.completion, effect: effects.seconds,
            trace: recorder.trace,
            pendingOps: recorder.pendingOps.map {
                PendingOp(id: $0.id, task: $0.spec.taskLabel, queue: $0.spec.queue.description, state: $0.state)
            },
            ending: outcome.ending, endingReason: outcome.reason, virtualTime: outcome.virtualTime, jobs: outcome.jobs,
            wakeUpsAnswered: outcome.wakeUpsAnswered, peakBusy: recorder.peakBusy,
            effectViolations: effects.violations, timedOutWaits: recorder.timedOutWaits,
            failures: recorder.failures, roundTrips: recorder.roundTrips, load: recorder.load,
            fairness: recorder.fairness,
            idleRounds: config.leapsIdleRounds && !options.naivePolling ? .approximate : .exact)
    }

    /// Starts a cluster on `context`'s runtime: the nodes' daemons, the reaper, and the
    /// workload's events and sources (foreground, counted by the returned tracker). Returns
    /// the tracker and the sources' tasks. The caller waits for the drain.
    public static func start(context: ClusterContext, workload: Workload) -> (ProducerTracker, [SimTask]) {
        let runtime = context.runtime
        let nodes = NodeControl(context: context)
        let api = ClusterAPI(context: context, nodes: nodes, workload: workload)
        let reaper = Reaper(context: context)
        let tracker = ProducerTracker(runtime: runtime)

        runtime.spawn("setup", role: .foreground) {
            await nodes.attach(api)
            for node in context.topology.nodes { await nodes.start(node) }
        }
        runtime.spawn("reaper", role: .daemon) { await reaper.run() }
        let workloadRandom = context.random.derived("workload")
        tracker.spawn(workload.events.map { event in
            let random = workloadRandom.derived("event/" + event.label)
            return Simulation.LaterStart("event/\(event.label)", at: event.at) { await api.perform(event, random: random) }
        }, in: runtime)
        // A task's closure is left as it was: code after its await would add a job (the hop
        // back from the actor), and so change the run's job count.
        let sources = workload.sources.map { source in
            let random = workloadRandom.derived("source/" + source.name)
            return tracker.spawn("source/\(source.name)", in: runtime) {
                await api.run(source, random: random, tracker: tracker)
            }
        }
        let traces = workload.traces.map { trace in
            let random = workloadRandom.derived("trace/" + trace.name)
            return tracker.spawn("trace/\(trace.name)", in: runtime) { await api.replay(trace, random: random) }
        }
        return (tracker, sources + traces)
    }
}
