import DequeModule

/// A textbook queue built from bare kernel actors: Poisson-or-other arrivals, `servers`
/// identical servers, FIFO or by class priority (non-preemptive). It knows nothing of Shaken
/// Fist; tests use it to check the kernel against queueing theory and `simrun bench` uses it
/// to measure the kernel alone.
public enum ServerQueue {
    public struct Config: Sendable {
        /// One arrival stream per class; class 0 is served first when several wait.
        public var classes: [Class]
        public var servers: Int
        /// Customers to generate in total, over all classes. Every source stops once this many
        /// have arrived, so all classes keep arriving until the same instant and the mix stays
        /// the configured one for the whole run.
        public var customers: Int
        /// The first arrivals (over all classes) whose waits are not recorded. The queue starts
        /// empty; skipping these lets it approach its stationary state before measuring.
        public var warmupCustomers: Int
        public var seed: UInt64

        public struct Class: Sendable {
            public var interArrival: Distribution
            public var service: Distribution
            public init(interArrival: Distribution, service: Distribution) {
                self.interArrival = interArrival
                self.service = service
            }
        }

        public init(classes: [Class], servers: Int, customers: Int, warmupCustomers: Int = 0, seed: UInt64) {
            self.classes = classes
            self.servers = servers
            self.customers = customers
            self.warmupCustomers = warmupCustomers
            self.seed = seed
        }
    }

    public struct Result: Sendable {
        /// Waiting time in queue (arrival to start of service), all customers after the warm-up
        /// and per class.
        public var wait: WaitHistogram
        public var waitByClass: [WaitHistogram]
        public var outcome: Simulation.Outcome
        /// Errors other than cancellation that ended a source or a server (the kernel throws
        /// none: a non-empty list is a kernel bug).
        public var unexpectedErrors: [String]
    }

    /// Runs the queue to completion on the calling thread.
    public static func run(_ config: Config) -> Result {
        let sim = Simulation()
        let station = Station(sim: sim, classes: config.classes.count, customers: config.customers,
                              warmup: config.warmupCustomers)
        let root = RandomStream(seed: config.seed)
        for (index, klass) in config.classes.enumerated() {
            sim.spawn("source-\(index)") {
                await station.generate(class: index, spec: klass,
                                       arrivals: root.derived("arrivals/\(index)"),
                                       services: root.derived("service/\(index)"))
            }
        }
        for server in 0..<config.servers {
            sim.spawn("server-\(server)", role: .daemon) {
                await station.serve()
            }
        }
        sim.spawn("drain") { await station.drained() }
        let outcome = sim.run(limit: nil)
        // Each wait is recorded once, in its class; the whole is their merge (exact: the same
        // counts in the same buckets, the same count, sum and extremes).
        var wait = WaitHistogram()
        for klass in station.waitByClass { wait.merge(klass) }
        return Result(wait: wait, waitByClass: station.waitByClass, outcome: outcome,
                      unexpectedErrors: station.unexpectedErrors)
    }

    final actor Station {
        nonisolated let sim: Simulation
        /// The simulation's executor, kept: it is asked on every hop to the station.
        nonisolated let unownedExecutor: UnownedSerialExecutor
        // The mutable state is unchecked for exclusivity: the actor already serialises every
        // access, and a checked one is a call into the runtime (its access set, a thread-local)
        // on every arrival and service, about a twentieth of the kernel M/M/1's instructions.
        @exclusivity(unchecked) private var lanes: [Deque<(arrived: SimClock.Instant, service: Duration, measured: Bool)>]
        private let work: Signal
        private let done: Signal
        @exclusivity(unchecked) private var openSources: Int
        @exclusivity(unchecked) private var busy = 0
        /// Arrivals so far, over all classes; sources stop at `customers`.
        @exclusivity(unchecked) private var admitted = 0
        private let customers: Int
        private let warmup: Int
        /// Written only by the actor while the run goes, read once it has ended.
        @exclusivity(unchecked) nonisolated(unsafe) var waitByClass: [WaitHistogram]
        @exclusivity(unchecked) nonisolated(unsafe) var unexpectedErrors: [String] = []

        init(sim: Simulation, classes: Int, customers: Int, warmup: Int) {
            self.sim = sim
            unownedExecutor = sim.executor.asUnownedSerialExecutor()
            self.customers = customers
            self.warmup = warmup
            lanes = Array(repeating: [], count: classes)
            waitByClass = Array(repeating: WaitHistogram(), count: classes)
            work = Signal(executor: sim.executor)
            done = Signal(executor: sim.executor)
            openSources = classes
        }

        /// Model code lives in actors: a suspension inside an actor costs one kernel job.
        func generate(class index: Int, spec: Config.Class,
                      arrivals: RandomStream, services: RandomStream) async {
            var arrivals = arrivals
            var services = services
            do {
                while admitted < customers {
                    try await sim.clock.sleep(for: spec.interArrival.sample(&arrivals))
                    guard admitted < customers else { break }
                    arrive(class: index, service: spec.service.sample(&services))
                }
            } catch is CancellationError {
                // The run ended while this source slept.
            } catch {
                unexpectedErrors.append("source-\(index): \(error)")
            }
            close()
        }

        func arrive(class index: Int, service: Duration) {
            lanes[index].append((sim.clock.now, service, admitted >= warmup))
            admitted += 1
            work.notifyAll()
        }

        func close() {
            openSources -= 1
            done.notifyAll()
        }

        private var isIdle: Bool { openSources == 0 && busy == 0 && lanes.allSatisfy(\.isEmpty) }

        func drained() async {
            while !isIdle {
                do { try await done.wait() } catch { return }
            }
        }

        func serve() async {
            do {
                while true {
                    guard let lane = lanes.firstIndex(where: { !$0.isEmpty }) else {
                        try await work.wait()
                        continue
                    }
                    let customer = lanes[lane].removeFirst()
                    if customer.measured {
                        let waited = customer.arrived.duration(to: sim.clock.now)
                        waitByClass[lane].record(waited)
                    }
                    busy += 1
                    try await sim.clock.sleep(for: customer.service)
                    busy -= 1
                    if isIdle { done.notifyAll() }
                }
            } catch is CancellationError {
                // The run ended: a server waits for work forever (it is a daemon).
            } catch {
                unexpectedErrors.append("server: \(error)")
            }
        }
    }
}
