import Sim
import Synchronization

/// One line of an event log: what happened, and the virtual instant it happened at.
struct Event: Equatable, CustomStringConvertible {
    var time: Duration
    var label: String

    var description: String { "(\(time.seconds.formatted6)s, \(label))" }
}

/// Builds an expected event at `seconds` of virtual time.
func at(_ seconds: Double, _ label: String) -> Event {
    Event(time: .seconds(double: seconds), label: label)
}

/// An append-only event log, readable after the run from any thread (an actor on the
/// simulation's executor could not be awaited once the executor has stopped).
final class EventLog: Sendable {
    private let events = Mutex<[Event]>([])

    func record(_ label: String, at time: Duration) {
        events.withLock { $0.append(Event(time: time, label: label)) }
    }

    var entries: [Event] { events.withLock { $0 } }
}

/// What a kernel test's script came to: its events, jobs, end and ending, for comparing two
/// ways of running the same script.
struct ScriptRun: Equatable {
    var events: [Event]
    var jobs: UInt64
    var end: Duration
    var ending: Simulation.Outcome.Ending

    init(log: EventLog, outcome: Simulation.Outcome) {
        events = log.entries
        jobs = outcome.jobs
        end = outcome.virtualTime
        ending = outcome.ending
    }
}

/// A model actor for kernel tests. Like every model actor it runs on the simulation's
/// executor, so a suspension inside it costs one kernel job; it notes what happens in a log.
actor Performer {
    nonisolated let sim: Simulation
    nonisolated let log: EventLog
    nonisolated var unownedExecutor: UnownedSerialExecutor { sim.executor.asUnownedSerialExecutor() }

    init(sim: Simulation, log: EventLog = EventLog()) {
        self.sim = sim
        self.log = log
    }

    /// Runs `script` isolated to this actor; spawned task bodies call straight into this.
    func perform(_ script: @Sendable (isolated Performer) async -> Void) async {
        await script(self)
    }

    func note(_ label: String) { log.record(label, at: sim.clock.now.offset) }

    func sleep(for duration: Duration) async throws { try await sim.clock.sleep(for: duration) }

    func sleep(until seconds: Double) async throws {
        try await sim.clock.sleep(until: SimClock.Instant(offset: .seconds(double: seconds)))
    }
}

extension Simulation {
    /// Spawns a task that runs `script` on `performer`.
    func spawn(_ name: String, role: Role = .foreground, on performer: Performer,
               _ script: @escaping @Sendable (isolated Performer) async -> Void) {
        spawn(name, role: role) { await performer.perform(script) }
    }
}
