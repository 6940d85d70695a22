import Logging
import ServiceLifecycle
import TwinMQTT

/// Runs the MQTT ack-after-commit loop with the pipeline as its sink; on graceful shutdown it lets the batch in
/// hand commit and its acks go out, then writes a last snapshot of the twins.
struct IngestService: Service {
    let client: MQTTIngestClient
    let pipeline: IngestPipeline
    let logger: Logger

    func run() async throws {
        let pipeline = self.pipeline
        try await withGracefulShutdownHandler {
            try await client.run(sink: { messages in try pipeline.process(messages) },
                                 outbox: { pipeline.drainOutbox() })
        } onGracefulShutdown: { [client] in
            client.stop()
        }
        do {
            try pipeline.snapshotNow()
        } catch {
            logger.error("could not write the final twin snapshots", metadata: ["store.error": "\(error)"])
        }
        logger.info("ingest stopped", metadata: [
            "ingest.messages": "\(pipeline.metrics.messagesReceived.load(ordering: .relaxed))",
            "ingest.readings": "\(pipeline.metrics.readingsCommitted.load(ordering: .relaxed))",
            "ingest.batches": "\(pipeline.metrics.batchesCommitted.load(ordering: .relaxed))",
        ])
    }
}
