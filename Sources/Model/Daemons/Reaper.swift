import Sim

/// The stuck-claim reaper (model file 7): every 60 s, rows claimed more than 1800 s ago are
/// released; a row that has reached 5 attempts is deleted and its op set to `error`.
actor Reaper {
    nonisolated let context: ClusterContext
    nonisolated var unownedExecutor: UnownedSerialExecutor { context.sim.executor.asUnownedSerialExecutor() }
    private let connection: SimConnection

    init(context: ClusterContext) {
        self.context = context
        connection = context.connect("reaper")
    }

    func run() async {
        do {
            while true {
                try await context.clock.sleep(for: context.config.reaperInterval)
                let result = try await connection.reap()
                context.recorder.reaped(released: result.released)
            }
        } catch {
            // Cancelled at the end of the run.
        }
    }
}
