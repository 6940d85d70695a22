import Logging
import ServiceLifecycle
import TwinMQTT

/// Logs a one-line progress report at a fixed interval: rates since the last report, totals, connection state.
struct StatusService: Service {
    let metrics: IngestMetrics
    let client: MQTTIngestClient
    let pipeline: IngestPipeline
    let intervalMillis: Int64
    let logger: Logger

    func run() async throws {
        var lastMessages = 0
        var lastReadings = 0
        var lastTime = monotonicNanos()
        while !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown {
                    try await Task.sleep(for: .milliseconds(intervalMillis))
                }
            } catch {
                return
            }
            let messages = metrics.messagesReceived.load(ordering: .relaxed)
            let readings = metrics.readingsCommitted.load(ordering: .relaxed)
            let now = monotonicNanos()
            let seconds = max(Double(now - lastTime) / 1e9, 1e-3)
            logger.info("status", metadata: [
                "mqtt.connected": "\(client.statistics.isConnected)",
                "ingest.messages_per_s": "\(Int(Double(messages - lastMessages) / seconds))",
                "ingest.readings_per_s": "\(Int(Double(readings - lastReadings) / seconds))",
                "ingest.messages": "\(messages)",
                "ingest.readings": "\(readings)",
                "ingest.quarantined": "\(metrics.messagesQuarantined.load(ordering: .relaxed))",
                "twins": "\(pipeline.twinCount)",
                "ingest.ack_p50_ms": "\(metrics.commitLatency.percentile(50).map(String.init) ?? "-")",
                "ingest.ack_p99_ms": "\(metrics.commitLatency.percentile(99).map(String.init) ?? "-")",
            ])
            metrics.commitLatency.reset()
            (lastMessages, lastReadings, lastTime) = (messages, readings, now)
        }
    }
}
