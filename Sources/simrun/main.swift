import Sim
#if canImport(Glibc)
import Glibc
#endif
func wall() -> Double { var ts = timespec(); clock_gettime(CLOCK_MONOTONIC, &ts); return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9 }
let n = Int(CommandLine.arguments.dropFirst().first ?? "200000")!
let t0 = wall()
let r = ServerQueue.run(.init(classes: [.init(interArrival: .exponential(mean: .milliseconds(1250)), service: .exponential(mean: .seconds(1)))], servers: 1, customers: n, seed: 1))
let dt = wall() - t0
print("customers/s", Double(n)/dt, "jobs", r.outcome.jobs, "jobs/s", Double(r.outcome.jobs)/dt, "mean wait", r.wait.meanSeconds, "theory", 0.8/(1-0.8)*1.0, r.outcome.ending)
