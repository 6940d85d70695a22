import Synchronization
import TwinCore

/// Counters of the ingest path, readable from any thread while the ingest thread updates them; also fed to the
/// swift-metrics instruments that `GET /metrics` exports.
public final class IngestMetrics: Sendable {
    public let messagesReceived = Atomic<Int>(0)
    public let readingsCommitted = Atomic<Int>(0)
    public let messagesQuarantined = Atomic<Int>(0)
    public let batchesCommitted = Atomic<Int>(0)
    public let commitFailures = Atomic<Int>(0)
    /// Unix ms of the last successful commit (0 before the first).
    public let lastCommitAt = Atomic<Int64>(0)
    /// Duration of the last commit in microseconds.
    public let lastCommitMicros = Atomic<Int>(0)
    /// From reading a message off the socket to the end of its batch's commit: the acknowledgement follows
    /// at once, so this is the ack latency twind adds. Reset by each status report.
    public let commitLatency = LatencyHistogram()
    private let quarantinedByReason = Mutex<[QuarantineReason: Int]>([:])
    private let instruments = IngestInstruments()

    public init() {}

    func countQuarantined(_ reason: QuarantineReason) {
        quarantinedByReason.withLock { $0[reason, default: 0] += 1 }
        messagesQuarantined.add(1, ordering: .relaxed)
        instruments.quarantined(reason).increment()
    }

    /// Books a committed batch: `latencies` are each message's read-to-commit time in ms.
    func didCommit(messages: Int, readings: Int, at time: Int64, durationNanos: UInt64, latencies: [Int64]) {
        messagesReceived.add(messages, ordering: .relaxed)
        readingsCommitted.add(readings, ordering: .relaxed)
        batchesCommitted.add(1, ordering: .relaxed)
        lastCommitAt.store(time, ordering: .relaxed)
        lastCommitMicros.store(Int(durationNanos / 1_000), ordering: .relaxed)
        commitLatency.record(latencies)
        instruments.messagesReceived.increment(by: messages)
        instruments.readingsCommitted.increment(by: readings)
        instruments.batchesCommitted.increment()
        instruments.batchSize.record(messages)
        instruments.commitDuration.recordNanoseconds(Int64(durationNanos))
        for millis in latencies { instruments.ackLatency.recordMilliseconds(millis) }
    }

    /// Readings that went through the rule engine, and the alert changes a commit stored.
    func didEvaluate(readings: Int, raised: Int, cleared: Int) {
        instruments.ruleEvaluations.increment(by: readings)
        if raised > 0 { instruments.alertsRaised.increment(by: raised) }
        if cleared > 0 { instruments.alertsCleared.increment(by: cleared) }
    }

    func didReconnect() {
        instruments.reconnects.increment()
    }

    /// Gauges read at scrape time.
    func update(activeAlerts: Int?, databaseBytes: Int64?) {
        if let activeAlerts { instruments.activeAlerts.record(activeAlerts) }
        if let databaseBytes { instruments.databaseBytes.record(databaseBytes) }
    }

    func didFailCommit() {
        commitFailures.add(1, ordering: .relaxed)
        instruments.commitFailures.increment()
    }

    public var quarantinedCounts: [QuarantineReason: Int] { quarantinedByReason.withLock { $0 } }
}
