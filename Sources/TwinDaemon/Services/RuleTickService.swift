import Logging
import ServiceLifecycle

/// Runs the time-driven rules (stale and offline assets) once a second, so silence raises alerts too.
struct RuleTickService: Service {
    let pipeline: IngestPipeline
    let logger: Logger
    var intervalMillis: Int64 = 1_000
    private let queue = BlockingQueue(label: "rule-ticks")

    init(pipeline: IngestPipeline, logger: Logger) {
        self.pipeline = pipeline
        self.logger = logger
    }

    func run() async throws {
        while !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(intervalMillis)) }
            } catch {
                return
            }
            do {
                let pipeline = self.pipeline
                try await queue.run { try pipeline.tick(now: unixMillis()) }
            } catch {
                logger.error("rule tick could not commit", metadata: ["store.error": "\(error)"])
            }
        }
    }
}
