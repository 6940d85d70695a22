import Logging
import ServiceLifecycle

/// Writes the twins' snapshots on a clock of its own, so a stored snapshot is never much more than
/// `snapshot_interval` behind its twin, whether batches arrive or not (after a burst, the daemon may sit idle for
/// hours). A pass is written in slices of a few hundred twins, each one short hold of the ingest lock.
struct SnapshotService: Service {
    let pipeline: IngestPipeline
    let logger: Logger
    var intervalMillis: Int64 = 1_000
    private let queue = BlockingQueue(label: "snapshots")

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
            var pending = true
            while pending, !Task.isCancelled, !Task.isShuttingDownGracefully {
                do {
                    let pipeline = self.pipeline
                    pending = try await queue.run { try pipeline.snapshotDue(now: unixMillis()).pending }
                } catch {
                    logger.error("snapshots could not be written; retried", metadata: ["store.error": "\(error)"])
                    pending = false
                }
            }
        }
    }
}
