import TwinStore
import Logging
import ServiceLifecycle

/// Writes the twins' snapshots on a clock of its own, so a stored snapshot is never much more than
/// `snapshot_interval` behind its twin, whether batches arrive or not (after a burst, the daemon may sit idle for
/// hours). A pass is written in slices of a few hundred twins, each one short hold of the ingest lock.
struct SnapshotService: Service {
    let pipeline: IngestPipeline
    let logger: Logger
    var intervalMillis: Int64 = 1_000

    func run() async throws {
        let pipeline = self.pipeline
        await runPeriodically(every: .milliseconds(intervalMillis), on: BlockingQueue(label: "snapshots")) {
            try pipeline.snapshotDue(now: unixMillis()).pending
        } failed: { error in
            logger.error("snapshots could not be written; retried", metadata: ["store.error": "\(error)"])
        }
    }
}
