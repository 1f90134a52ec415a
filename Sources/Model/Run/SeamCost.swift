import Sim
import Synchronization

/// What the database seam (``QueueConnection``) costs a simulated claim, for
/// `simrun bench --seam`. The code before the seam is gone, so the seam is measured against
/// its own inside: the in-memory store's claim called directly on the actor, the same claim
/// through `any QueueConnection` with a zero round trip (the seam's own cost: the existential
/// call, the round-trip count and draw), and through the seam with the plan's round trip
/// (what a daemon pays: one kernel sleep per claim). Every claim is an idle poll of an empty
/// queue (the commonest claim in a run). Wall time, printed, never asserted.
public enum SeamCost {
    public struct Figures: Sendable {
        public var claims: Int
        /// Wall nanoseconds per claim.
        public var direct: Double
        public var throughSeam: Double
        public var throughSeamWithRoundTrip: Double
    }

    public static func measure(claims: Int) throws -> Figures {
        let zeroRoundTrip = try run(claims: claims, roundTrip: .zero)
        let planRoundTrip = try run(claims: claims, roundTrip: ModelConfig.preset(.plan).roundTrip)
        return Figures(claims: claims, direct: zeroRoundTrip.direct, throughSeam: zeroRoundTrip.seam,
                       throughSeamWithRoundTrip: planRoundTrip.seam)
    }

    /// Runs `claims` direct claims, then `claims` claims through the seam, in one simulation.
    private static func run(claims: Int, roundTrip: Distribution) throws -> (direct: Double, seam: Double) {
        var config = ModelConfig.preset(.plan)
        config.roundTrip = roundTrip
        let sim = Simulation()
        let recorder = RunRecorder(clock: sim, tracing: false, checkingEffects: false)
        let database = SimDatabase(sim: sim, config: config, recorder: recorder)
        let queues = [QueueName(.networkNode, .clusterOperation, .userFacing),
                      QueueName(.networkNode, .clusterOperation, .background)]
        let result = Mutex<Result<(direct: Double, seam: Double), any Error>?>(nil)
        sim.spawn("seam-bench") {
            let clock = ContinuousClock()
            var started = clock.now
            for _ in 0..<claims { _ = await database.claim(queues, limit: 10, by: "bench") }
            let direct = clock.now - started
            let connection: any QueueConnection = database.connect("bench", random: RandomStream(seed: 1))
            started = clock.now
            do {
                for _ in 0..<claims {
                    _ = try await connection.claim(queues, limit: 10, mode: .batched, shape: .round)
                }
                let seam = clock.now - started
                result.withLock { $0 = .success((direct.nanoseconds / Double(claims), seam.nanoseconds / Double(claims))) }
            } catch {
                result.withLock { $0 = .failure(error) }
            }
        }
        _ = sim.run(limit: nil)
        return try result.withLock { $0 }?.get() ?? (0, 0)
    }
}

private extension Duration {
    var nanoseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1e9 + Double(attoseconds) / 1e9
    }
}
