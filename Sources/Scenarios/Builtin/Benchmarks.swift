import Model
import Sim
#if canImport(Glibc)
import Glibc
/// glibc spells the `who` argument of `getrusage` as an enum.
private let RUSAGE_SELF_WHO = __rusage_who_t(RUSAGE_SELF.rawValue)
#elseif canImport(Darwin)
import Darwin
#endif

/// The workloads `simrun bench` measures, and how it measures them. Figures are printed, never
/// asserted: speed is a property of the machine as much as of the code.
public enum Benchmarks {
    /// One measured run.
    public struct Measurement: Sendable {
        public var name: String
        /// Customers (ops) that went through the queue.
        public var customers: Int
        public var jobs: UInt64
        public var virtualSeconds: Double
        public var wallSeconds: Double
        /// Peak resident memory during this measurement alone (MiB), where the system can
        /// reset the peak between measurements (Linux); otherwise the process's peak so far.
        public var peakMiB: Double = 0

        public var customersPerSecond: Double { Double(customers) / wallSeconds }
        public var jobsPerSecond: Double { Double(jobs) / wallSeconds }
        /// How many seconds of cluster time one second of wall time simulates.
        public var speedup: Double { virtualSeconds / wallSeconds }
    }

    /// M/M/1 at rho = 0.8 (lambda 0.8/s, mean service 1 s), the reference load SimPy's own
    /// M/M/1 examples use.
    static let mm1Arrival = Distribution.exponential(mean: .milliseconds(1250))
    static let mm1Service = Distribution.exponential(mean: .seconds(1))

    /// M/M/1 on bare kernel actors (``ServerQueue``): what the kernel alone can do.
    public static func kernelMM1(customers: Int, seed: UInt64 = 1) -> Measurement {
        let started = wallSeconds()
        let result = ServerQueue.run(.init(classes: [.init(interArrival: mm1Arrival, service: mm1Service)],
                                           servers: 1, customers: customers, seed: seed))
        return Measurement(name: "kernel M/M/1 (bare actors)", customers: Int(result.wait.count),
                           jobs: result.outcome.jobs, virtualSeconds: result.outcome.virtualTime.seconds,
                           wallSeconds: wallSeconds() - started)
    }

    /// The same M/M/1 as a plain event loop over a heap (``EventLoopQueue``): no actors, no
    /// tasks. Its "jobs" are the events it took from its heap.
    public static func plainMM1(customers: Int, seed: UInt64 = 1) -> Measurement {
        let started = wallSeconds()
        let result = EventLoopQueue.runMM1(interArrival: mm1Arrival, service: mm1Service, customers: customers,
                                           seed: seed)
        return Measurement(name: "plain M/M/1 (event loop, no actors)", customers: Int(result.wait.count),
                           jobs: result.events, virtualSeconds: result.virtualTime.seconds,
                           wallSeconds: wallSeconds() - started)
    }

    /// The same M/M/1 through the full model in ideal mode: ops created by an open-loop
    /// source, claimed and run by one node's sf-net.
    public static func modelMM1(customers: Int, seed: UInt64 = 1) -> Measurement {
        var config = ModelConfig.preset(.plan)
        config.makeIdeal()
        let task = TaskName("customer")
        config.tasks[task] = TaskProfile(service: mm1Service)
        let node = NodeID(index: 0)
        let source = OpenLoopSource(
            name: "customers",
            op: GenericOp(type: .netOp, tasks: [task], priority: .userFacing, target: .node(node), family: .network),
            arrivals: .distribution(mm1Arrival), count: customers, until: nil)
        let started = wallSeconds()
        let result = ClusterRun.run(config: config, topology: Topology(nodeCount: 1, networkNode: node, cpus: [4]),
                                    workload: Workload(sources: [source]), options: RunOptions(seed: seed, timeLimit: nil))
        return Measurement(name: "model M/M/1 (ideal mode, sf-net)", customers: result.counts.executed,
                           jobs: result.jobs, virtualSeconds: result.virtualTime.seconds,
                           wallSeconds: wallSeconds() - started)
    }

    /// One variant of a scenario, run `repeats` times; the fastest run is reported (the
    /// least disturbed by the machine; every run is identical in simulated work).
    public static func scenario(_ scenario: Scenario, variant: Variant, repeats: Int) -> Measurement {
        var best: Measurement?
        for _ in 0..<max(1, repeats) {
            let started = wallSeconds()
            let result = ClusterRun.run(config: scenario.config(for: variant), topology: scenario.topology,
                                        workload: scenario.workload,
                                        options: RunOptions(seed: scenario.seed, timeLimit: scenario.timeLimit))
            let measured = Measurement(name: "\(scenario.name) / \(variant.name)", customers: result.counts.executed,
                                       jobs: result.jobs, virtualSeconds: result.virtualTime.seconds,
                                       wallSeconds: wallSeconds() - started)
            if best.map({ measured.wallSeconds < $0.wallSeconds }) ?? true { best = measured }
        }
        return best!
    }

    /// Runs `body` and sets its measurement's peak memory: on Linux the kernel's peak
    /// (`VmHWM`) is reset first through `/proc/self/clear_refs`, so the figure is this
    /// measurement's own; elsewhere it is the process's peak so far. Before the reset, glibc
    /// hands the memory earlier rows freed back to the system (`malloc_trim`): it keeps freed
    /// memory otherwise, and the reset starts from what is resident, so a small row after a
    /// large one showed the large one's peak (179 MiB for the idle day after `cluster-day`,
    /// 49 MiB with the trim; it takes 28 MiB alone).
    public static func measuringPeak(_ body: () -> Measurement) -> Measurement {
        trimHeap()
        let reset = resetPeakResident()
        var measured = body()
        measured.peakMiB = reset ? (currentPeakResidentMiB() ?? peakResidentMiB()) : peakResidentMiB()
        return measured
    }

    /// glibc's `malloc_trim(0)` (declared in `malloc.h`, which the `Glibc` module leaves out:
    /// looked up once by name), where there is one.
    private static let mallocTrim: (@convention(c) (Int) -> Int32)? = {
        #if canImport(Glibc)
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
        #else
        return nil
        #endif
    }()

    private static func trimHeap() {
        _ = mallocTrim?(0)
    }

    /// Resets the kernel's record of this process's peak resident memory (Linux 4.0+).
    private static func resetPeakResident() -> Bool {
        #if os(Linux)
        guard let file = fopen("/proc/self/clear_refs", "w") else { return false }
        defer { fclose(file) }
        return fputs("5", file) >= 0
        #else
        return false
        #endif
    }

    /// `VmHWM` of `/proc/self/status` in MiB (peak resident memory since the last reset).
    private static func currentPeakResidentMiB() -> Double? {
        #if os(Linux)
        guard let file = fopen("/proc/self/status", "r") else { return nil }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, Int32(line.count), file) != nil {
            let bytes = line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
            let text = String(decoding: bytes, as: UTF8.self)
            guard text.hasPrefix("VmHWM:") else { continue }
            let digits = text.dropFirst(6).filter { $0.isNumber }
            return Double(String(digits)).map { $0 / 1024 }
        }
        return nil
        #else
        return nil
        #endif
    }

    /// Peak resident memory of this process so far, in MiB.
    public static func peakResidentMiB() -> Double {
        var usage = rusage()
        #if canImport(Glibc)
        getrusage(RUSAGE_SELF_WHO, &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        return Double(usage.ru_maxrss) / 1024
    }
}
