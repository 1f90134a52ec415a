import Sim
import Model
#if canImport(Glibc)
import Glibc
#endif
func wall() -> Double { var ts = timespec(); clock_gettime(CLOCK_MONOTONIC, &ts); return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9 }
let n = Int(CommandLine.arguments.dropFirst().first ?? "100000")!
var config = ModelConfig.preset(.plan)
config.makeIdeal()
config.tasks["svc"] = TaskProfile(service: .exponential(mean: .seconds(1)))
let topo = Topology(nodeCount: 1, networkNode: NodeID(index: 0), cpus: [4])
let src = OpenLoopSource(name: "mm1", op: GenericOp(type: .netOp, tasks: ["svc"], priority: .userFacing, target: .node(NodeID(index: 0)), family: .network), arrivals: .poisson(ratePerSecond: 0.8), count: n, until: nil)
let t0 = wall()
let r = ClusterRun.run(config: config, topology: topo, workload: Workload(sources: [src]), options: RunOptions(seed: 1, timeLimit: nil))
let dt = wall() - t0
print(r.ending, "customers/s", Double(n)/dt, "jobs/customer", Double(r.jobs)/Double(n), "mean wait", r.wait.all.meanSeconds, "theory 4.0")
config.maxWorkersOverride = 3
let src2 = OpenLoopSource(name: "mm3", op: GenericOp(type: .nodeInstOp, tasks: ["svc"], priority: .userFacing, target: .any, family: .clusterOperation), arrivals: .poisson(ratePerSecond: 2.4), count: n, until: nil)
let t1 = wall()
let r2 = ClusterRun.run(config: config, topology: topo, workload: Workload(sources: [src2]), options: RunOptions(seed: 1, timeLimit: nil))
print(r2.ending, "customers/s", Double(n)/(wall()-t1), "jobs/customer", Double(r2.jobs)/Double(n), "mean wait", r2.wait.all.meanSeconds, "theory M/M/3 rho .8: 1.0787")
