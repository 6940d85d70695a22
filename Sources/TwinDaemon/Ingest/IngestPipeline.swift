import Foundation
import Logging
import Synchronization
import TwinCore
import TwinMQTT
import TwinStore

/// Turns one batch of MQTT messages into committed state: decode, apply to the twins, and write readings,
/// properties, quarantined messages and due snapshots in one transaction.
///
/// `process` returns only after the commit, so the MQTT loop acknowledges nothing that is not on disk. If the
/// commit fails, the twins are reloaded from the database (which still holds the state before the batch) and the
/// error is rethrown, so the broker redelivers the batch to a twin state that never saw it.
public final class IngestPipeline: Sendable {
    private struct State {
        var engine = TwinEngine()
        var quarantineLog: QuarantineLog
        var lastSnapshotAt: Int64 = 0
        /// Version of each twin as of its last snapshot, so only changed twins are written again.
        var snapshotVersions: [String: Int64] = [:]
    }

    private let decoder: MessageDecoder
    private let store: TwinStore
    private let snapshotInterval: Int64
    private let logger: Logger
    private let state: Mutex<State>
    public let metrics: IngestMetrics

    public init(decoder: MessageDecoder, store: TwinStore, snapshotIntervalMillis: Int64, metrics: IngestMetrics,
                logger: Logger) {
        self.decoder = decoder
        self.store = store
        self.snapshotInterval = snapshotIntervalMillis
        self.metrics = metrics
        self.logger = logger
        self.state = Mutex(State(quarantineLog: QuarantineLog(logger: logger)))
    }

    /// Rebuilds every twin from its last snapshot, then brings latest values forward from `twin_latest`.
    /// Returns the number of twins restored.
    @discardableResult
    public func restore() throws -> Int {
        try state.withLock { state in
            state.engine = try Self.loadEngine(from: store)
            state.snapshotVersions = state.engine.twins.mapValues(\.version)
            return state.engine.twins.count
        }
    }

    /// A copy of one twin's live state.
    public func twin(_ asset: String) -> Twin? {
        state.withLock { $0.engine[asset] }
    }

    public var twinCount: Int { state.withLock { $0.engine.twins.count } }

    /// Decodes, applies and commits one batch; throws if the commit failed (nothing of the batch is then kept).
    public func process(_ messages: [InboundMessage]) throws {
        try state.withLock { state in
            let start = monotonicNanos()
            var batch = IngestBatch()
            batch.readings.reserveCapacity(messages.count * 4)
            for message in messages {
                let result = message.payload.withUnsafeBytes {
                    decoder.decode(topic: message.topic, payload: $0, receivedAt: message.receivedAt)
                }
                switch result {
                case .decoded(let readings, let properties):
                    for reading in readings { state.engine.apply(reading) }
                    for property in properties { state.engine.apply(property) }
                    batch.readings.append(contentsOf: readings)
                    batch.properties.append(contentsOf: properties)
                case .quarantined(let reason, let detail):
                    batch.quarantine.append(QuarantineEntry(receivedAt: message.receivedAt, topic: message.topic,
                                                            reason: reason.rawValue, payload: message.payload))
                    metrics.countQuarantined(reason)
                    state.quarantineLog.record(reason, topic: message.topic, detail: detail, now: message.receivedAt)
                }
            }
            let now = unixMillis()
            if now - state.lastSnapshotAt >= snapshotInterval {
                batch.snapshots = Self.changedSnapshots(&state, now: now)
                state.lastSnapshotAt = now
            }
            let decoded = monotonicNanos()
            do {
                try store.commit(batch)
                try store.mergeRecentIfNeeded().map { report in
                    logger.debug("merged recent readings", metadata: ["store.merge": "\(report)"])
                }
            } catch {
                metrics.commitFailures.add(1, ordering: .relaxed)
                logger.error("commit failed; the batch stays unacknowledged and will be redelivered", metadata: [
                    "store.error": "\(error)", "ingest.batch_messages": "\(messages.count)",
                ])
                state.engine = (try? Self.loadEngine(from: store)) ?? TwinEngine()
                state.snapshotVersions = state.engine.twins.mapValues(\.version)
                throw error
            }
            metrics.messagesReceived.add(messages.count, ordering: .relaxed)
            metrics.readingsCommitted.add(batch.readings.count, ordering: .relaxed)
            metrics.batchesCommitted.add(1, ordering: .relaxed)
            metrics.lastCommitAt.store(now, ordering: .relaxed)
            let end = monotonicNanos()
            let committedAt = unixMillis()
            metrics.commitLatency.record(messages.map { committedAt - $0.receivedAt })
            metrics.lastCommitMicros.store(Int((end - start) / 1_000), ordering: .relaxed)
            logger.trace("batch committed", metadata: [
                "ingest.batch_messages": "\(messages.count)", "ingest.batch_readings": "\(batch.readings.count)",
                "ingest.decode_us": "\((decoded - start) / 1_000)", "ingest.commit_us": "\((end - decoded) / 1_000)",
            ])
        }
    }

    /// Writes a snapshot of every twin that changed since its last one (used at shutdown).
    public func snapshotNow() throws {
        try state.withLock { state in
            let snapshots = Self.changedSnapshots(&state, now: unixMillis())
            if !snapshots.isEmpty { try store.commit(IngestBatch(snapshots: snapshots)) }
        }
    }

    private static func changedSnapshots(_ state: inout State, now: Int64) -> [TwinSnapshot] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var snapshots: [TwinSnapshot] = []
        for (asset, twin) in state.engine.twins where state.snapshotVersions[asset] != twin.version {
            guard let data = try? encoder.encode(twin) else { continue }
            snapshots.append(TwinSnapshot(asset: asset, timestamp: now, version: twin.version, state: Array(data)))
            state.snapshotVersions[asset] = twin.version
        }
        return snapshots
    }

    private static func loadEngine(from store: TwinStore) throws -> TwinEngine {
        var engine = TwinEngine()
        let decoder = JSONDecoder()
        for snapshot in try store.loadSnapshots() {
            if let twin = try? decoder.decode(Twin.self, from: Data(snapshot.state)) { engine.restore(twin) }
        }
        // Readings committed after the last snapshot: their latest values are in twin_latest.
        for reading in try store.latestValues() {
            let known = engine[reading.asset]?.metrics[reading.metric]?.timestamp ?? Int64.min
            if reading.timestamp > known { engine.apply(reading) }
        }
        return engine
    }
}
