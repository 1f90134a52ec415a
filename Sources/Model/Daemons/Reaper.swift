import Sim

/// The stuck-claim reaper (model file 7): every 60 s, rows claimed more than 1800 s ago are
/// released; a row that has reached 5 attempts is deleted and its op set to `error`.
actor Reaper {
    nonisolated let context: ClusterContext
    /// The run's executor, kept: it is asked on every hop to this actor.
    nonisolated let unownedExecutor: UnownedSerialExecutor
    private let connection: any QueueConnection

    init(context: ClusterContext) {
        unownedExecutor = context.runtime.actorExecutor
        self.context = context
        connection = context.connect("reaper")
    }

    func run() async {
        do {
            while true {
                try await context.runtime.sleep(for: context.config.reaperInterval)
                do {
                    let result = try await connection.reap()
                    context.recorder.reaped(released: result.released)
                } catch let error as DatabaseError where error.isUnavailable {
                    // The next pass tries again.
                    context.recorder.databaseUnavailable("reaper", error)
                }
            }
        } catch is CancellationError {
            // Cancelled at the end of the run.
        } catch {
            context.recorder.daemonFailed("reaper", error)
        }
    }
}
