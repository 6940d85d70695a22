import TwinStore
import Logging
import ServiceLifecycle

/// Runs the time-driven rules (stale and offline assets) once a second, so silence raises alerts too.
struct RuleTickService: Service {
    let pipeline: IngestPipeline
    let logger: Logger
    var intervalMillis: Int64 = 1_000

    func run() async throws {
        let pipeline = self.pipeline
        await runPeriodically(every: .milliseconds(intervalMillis), on: BlockingQueue(label: "rule-ticks")) {
            try pipeline.tick(now: unixMillis())
            return false
        } failed: { error in
            logger.error("rule tick could not commit", metadata: ["store.error": "\(error)"])
        }
    }
}
