import Metrics
import TwinStore

/// The forwarder's swift-metrics instruments (on `GET /metrics` when the HTTP API is on).
struct ForwardInstruments: Sendable {
    let errors = Counter(label: "twind_forward_errors_total")
    let dropped = Counter(label: "twind_forward_dropped_total")
    let pending = Gauge(label: "twind_forward_pending_readings")
    let lag = Gauge(label: "twind_forward_lag_seconds")
    let connected = Gauge(label: "twind_forward_connected")

    func rows(_ stream: ForwardStream) -> Counter {
        Counter(label: "twind_forward_rows_total", dimensions: [("stream", stream.rawValue)])
    }
}
