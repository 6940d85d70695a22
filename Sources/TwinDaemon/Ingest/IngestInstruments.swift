import Metrics
import TwinCore

/// The ingest path's swift-metrics instruments (exported as Prometheus text on `GET /metrics` when the HTTP API is
/// on; no-ops when no metrics backend is bootstrapped). Updated once per batch, never per reading.
struct IngestInstruments: Sendable {
    let messagesReceived = Counter(label: "twind_messages_received_total")
    let readingsCommitted = Counter(label: "twind_readings_committed_total")
    let batchesCommitted = Counter(label: "twind_batches_committed_total")
    let commitFailures = Counter(label: "twind_commit_failures_total")
    let batchSize = Recorder(label: "twind_batch_messages", aggregate: true)
    let commitDuration = Timer(label: "twind_commit_duration_seconds")
    let ackLatency = Timer(label: "twind_ack_latency_seconds")
    let ruleEvaluations = Counter(label: "twind_rule_evaluations_total")
    let alertsRaised = Counter(label: "twind_alerts_raised_total")
    let alertsCleared = Counter(label: "twind_alerts_cleared_total")
    let reconnects = Counter(label: "twind_mqtt_reconnects_total")
    let activeAlerts = Gauge(label: "twind_active_alerts")
    let databaseBytes = Gauge(label: "twind_database_bytes")

    func quarantined(_ reason: QuarantineReason) -> Counter {
        Counter(label: "twind_quarantined_total", dimensions: [("reason", reason.rawValue)])
    }
}
