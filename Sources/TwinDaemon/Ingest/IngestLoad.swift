/// How busy ingest is: the share of wall time that `IngestPipeline.process` spent working, over windows of 250 ms.
///
/// Near 1 while a backlog drains (batches back to back), a small fraction at a steady rate the daemon keeps up with
/// easily. The forwarder reads it to stay out of the way of a drain (`forward.yield_to_ingest`).
struct IngestLoad {
    static let windowNanos: Int64 = 250_000_000
    private var windowStart: Int64 = 0
    private var busyInWindow: Int64 = 0
    private var lastShare = 0.0

    mutating func record(busyNanos: Int64, endingAt now: Int64) {
        let elapsed = now - windowStart
        if elapsed >= Self.windowNanos {
            // A window with nothing recorded for a while: the share over all of it, which is small.
            lastShare = min(1, Double(busyInWindow) / Double(elapsed))
            windowStart = now
            busyInWindow = 0
        }
        busyInWindow += busyNanos
    }

    /// The share of the last full window; 0 once nothing was recorded for two windows (ingest is idle).
    func share(at now: Int64) -> Double {
        now - windowStart > 2 * Self.windowNanos ? 0 : lastShare
    }
}
