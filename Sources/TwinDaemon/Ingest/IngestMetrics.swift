import Synchronization
import TwinCore

/// Counters of the ingest path, readable from any thread while the ingest thread updates them.
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
    /// at once, so this is the ack latency twind adds.
    public let commitLatency = LatencyHistogram()
    private let quarantinedByReason = Mutex<[QuarantineReason: Int]>([:])

    public init() {}

    func countQuarantined(_ reason: QuarantineReason) {
        quarantinedByReason.withLock { $0[reason, default: 0] += 1 }
        messagesQuarantined.add(1, ordering: .relaxed)
    }

    public var quarantinedCounts: [QuarantineReason: Int] { quarantinedByReason.withLock { $0 } }
}
