import Foundation
import Logging
import Synchronization
import TwinCore
import TwinMQTT
import TwinStore

/// Turns one batch of MQTT messages into committed state: decode, apply to the twins, run the rules, and write
/// readings (measured and derived), properties, alert changes, maintenance events, quarantined messages and due
/// snapshots in one transaction.
///
/// `process` returns only after the commit, so the MQTT loop acknowledges nothing that is not on disk. Every asset
/// the batch touches is remembered before it changes; if the commit fails, those assets are put back exactly as they
/// were (twin and rule state) and the error is rethrown, so the broker redelivers the batch to a model that never saw
/// it. Alert announcements wait in an outbox until the commit succeeded.
public final class IngestPipeline: Sendable {
    struct State {
        var model: TwinModel
        var quarantineLog: QuarantineLog
        var lastSnapshotAt: Int64 = 0
        let snapshotInterval: Int64
        /// Version of each twin as of its last snapshot, so only changed twins are written again.
        var snapshotVersions: [String: Int64] = [:]
        /// Twins the current snapshot pass has not reached yet; a pass is spread over the batches that follow it.
        var snapshotPending: [String] = []
    }

    private let decoder: MessageDecoder
    let store: TwinStore
    private let alertTopic: String
    let logger: Logger
    let state: Mutex<State>
    private let outbox = Mutex<[OutboundMessage]>([])
    /// The twins as committed: what HTTP and status read, updated after each commit with the twins it changed, so a
    /// reader never waits on a batch and never sees one that is not on disk.
    private let committed = Mutex<[String: Twin]>([:])
    public let metrics: IngestMetrics

    public init(decoder: MessageDecoder, store: TwinStore, rules: RuleEngine? = nil, snapshotIntervalMillis: Int64,
                alertTopic: String = "twin/{asset}/alerts", metrics: IngestMetrics, logger: Logger) {
        self.decoder = decoder
        self.store = store
        self.alertTopic = alertTopic
        self.metrics = metrics
        self.logger = logger
        let rules = rules ?? (try? RuleEngine(rules: [])) ?? { fatalError("an empty rule set is always valid") }()
        self.state = Mutex(State(model: TwinModel(rules: rules), quarantineLog: QuarantineLog(logger: logger),
                                 snapshotInterval: snapshotIntervalMillis))
    }

    /// One twin as of the last commit.
    public func twin(_ asset: String) -> Twin? {
        committed.withLock { $0[asset] }
    }

    public var twinCount: Int { committed.withLock { $0.count } }

    /// Every twin as of the last commit, sorted by asset.
    public func allTwins() -> [Twin] {
        committed.withLock { Array($0.values) }.sorted { $0.asset < $1.asset }
    }

    /// Copies the twins of `assets` from the model into the committed view (called under the state lock, after a
    /// commit).
    func publish<S: Sequence<String>>(_ assets: S, from model: TwinModel) {
        committed.withLock { view in
            for asset in assets { view[asset] = model[asset] }
        }
    }

    /// Replaces the committed view with the whole model (after a restore).
    func publishAll(from model: TwinModel) {
        committed.withLock { $0 = model.twins.twins }
    }

    /// Messages to publish (alert changes), in order; the MQTT loop takes them after each commit.
    public func drainOutbox() -> [OutboundMessage] {
        outbox.withLock { queue in
            defer { queue.removeAll() }
            return queue
        }
    }

    /// Decodes, applies and commits one batch; throws if the commit failed (nothing of the batch is then kept).
    public func process(_ messages: [InboundMessage]) throws {
        try state.withLock { state in
            let start = monotonicNanos()
            var batch = IngestBatch()
            var checkpoint = TwinModel.Checkpoint()
            var lateSeen = Set<LateKey>()
            batch.readings.reserveCapacity(messages.count * 4)
            // Anything thrown before the commit (a failed look-up of a late reading) takes the batch back too.
            do {
                for message in messages {
                    if let control = ControlMessage.parse(topic: message.topic, payload: message.payload,
                                                          receivedAt: message.receivedAt) {
                        switch control {
                        case .success(.maintenance(let event)):
                            batch.maintenance.append(event)
                            state.model.remember(event.asset, in: &checkpoint)
                            batch.alerts += state.model.apply(event)
                        case .success(.acknowledge(let id)):
                            batch.acknowledgements.append((id, message.receivedAt))
                        case .failure(let error):
                            quarantine(message, .invalidPayload, error.detail, &batch, &state)
                        }
                        continue
                    }
                    let result = message.payload.withUnsafeBytes {
                        decoder.decode(topic: message.topic, payload: $0, receivedAt: message.receivedAt)
                    }
                    switch result {
                    case .decoded(let readings, let properties):
                        for property in properties {
                            state.model.remember(property.asset, in: &checkpoint)
                            state.model.apply(property)
                        }
                        batch.properties.append(contentsOf: properties)
                        for reading in readings {
                            // Older than its series' latest: a late reading, or one stored already (a redelivery after
                            // a crash, or a resent message), which the twin must not count twice. At the latest's
                            // own time it is stored already (or earlier in this batch), whatever its value: the
                            // store keeps the first, and the forward queue must not carry the copy (rollups add).
                            if let latest = state.model[reading.asset]?.metrics[reading.metric]?.timestamp,
                               reading.timestamp <= latest,
                               try reading.timestamp == latest || isStored(reading, &lateSeen) {
                                continue
                            }
                            state.model.remember(reading.asset, in: &checkpoint)
                            state.model.apply(reading, transitions: &batch.alerts, derived: &batch.readings)
                            batch.readings.append(reading)
                        }
                    case .quarantined(let reason, let detail):
                        quarantine(message, reason, detail, &batch, &state)
                    }
                }
            } catch {
                state.model.rollback(to: checkpoint)
                throw error
            }
            let now = unixMillis()
            let snapshotted = Self.dueSnapshots(&state, into: &batch, now: now,
                                                limit: Self.snapshotsPerBatch(messages.count))
            let decoded = monotonicNanos()
            do {
                try commit(batch, messages: messages.count)
            } catch {
                state.model.rollback(to: checkpoint)
                // The snapshots were not written: their twins are due again.
                for snapshot in snapshotted { state.snapshotVersions[snapshot.asset] = snapshot.previousVersion }
                state.snapshotPending += snapshotted.map(\.asset)
                throw error
            }
            publish(checkpoint.assets, from: state.model)
            // Maintenance changes rule state but not the twin's version: its twin is due for a snapshot all the same.
            for event in batch.maintenance { state.snapshotVersions[event.asset] = nil }
            let end = monotonicNanos()
            let committedAt = unixMillis()
            metrics.didCommit(messages: messages.count, readings: batch.readings.count, at: committedAt,
                              durationNanos: end - start, latencies: messages.map { committedAt - $0.receivedAt })
            logger.trace("batch committed", metadata: [
                "ingest.batch_messages": "\(messages.count)", "ingest.batch_readings": "\(batch.readings.count)",
                "ingest.decode_us": "\((decoded - start) / 1_000)", "ingest.commit_us": "\((end - decoded) / 1_000)",
            ])
        }
    }

    struct LateKey: Hashable {
        let asset: String, metric: String, timestamp: Int64
    }

    /// A late reading is stored already, or came earlier in this batch.
    private func isStored(_ reading: Reading, _ seen: inout Set<LateKey>) throws -> Bool {
        let key = LateKey(asset: reading.asset, metric: reading.metric, timestamp: reading.timestamp)
        if !seen.insert(key).inserted { return true }
        return try store.contains(asset: reading.asset, metric: reading.metric, timestamp: reading.timestamp)
    }

    /// Runs the time-driven rules (stale assets) at `now` and commits what they changed; a failed commit takes the
    /// changes back, so the next tick raises them again.
    public func tick(now: Int64) throws {
        try state.withLock { state in
            var batch = IngestBatch()
            let undo = state.model.tick(now: now, transitions: &batch.alerts)
            if !batch.alerts.isEmpty {
                do {
                    try commit(batch, messages: 0)
                } catch {
                    state.model.undo(undo)
                    throw error
                }
            }
            publish(undo.changedAssets, from: state.model)
        }
    }

    /// Acknowledges an alert (from MQTT or HTTP) and announces the change.
    @discardableResult
    public func acknowledge(alert id: Int64, at time: Int64) throws -> StoredAlert? {
        guard let alert = try store.acknowledgeAlert(id: id, at: time) else { return nil }
        if alert.state == .acknowledged,
           let message = AlertPublication.message(alert, event: "acknowledged", topicTemplate: alertTopic) {
            outbox.withLock { $0.append(message) }
        }
        return alert
    }

    private func quarantine(_ message: InboundMessage, _ reason: QuarantineReason, _ detail: String,
                            _ batch: inout IngestBatch, _ state: inout State) {
        batch.quarantine.append(QuarantineEntry(receivedAt: message.receivedAt, topic: message.topic,
                                                reason: reason.rawValue, payload: message.payload))
        metrics.countQuarantined(reason)
        state.quarantineLog.record(reason, topic: message.topic, detail: detail, now: message.receivedAt)
    }

    private func commit(_ batch: IngestBatch, messages: Int) throws {
        let result: CommitResult
        do {
            result = try store.commit(batch)
        } catch {
            metrics.didFailCommit()
            logger.error("commit failed; the batch stays unacknowledged and will be redelivered", metadata: [
                "store.error": "\(error)", "ingest.batch_messages": "\(messages)",
            ])
            throw error
        }
        metrics.didEvaluate(readings: batch.readings.count,
                            raised: result.alerts.count { $0.state == .raised },
                            cleared: result.alerts.count { $0.state == .cleared })
        for alert in result.alerts {
            logger.notice("alert \(alert.state == .cleared ? "cleared" : "raised")", metadata: [
                "alert.id": "\(alert.id)", "alert.asset": "\(alert.asset)", "alert.rule": "\(alert.rule)",
                "alert.severity": "\(alert.severity.rawValue)", "alert.message": "\(alert.message)",
            ])
        }
        var announcements = AlertPublication.messages(for: result, topicTemplate: alertTopic)
        announcements += result.acknowledged.compactMap {
            AlertPublication.message($0, event: "acknowledged", topicTemplate: alertTopic)
        }
        if !announcements.isEmpty { outbox.withLock { $0 += announcements } }
        // The batch is committed: a failed merge is logged, not thrown (the batch must be acknowledged).
        do {
            try store.mergeRecentIfNeeded().map { report in
                logger.debug("merged recent readings", metadata: ["store.merge": "\(report)"])
            }
        } catch {
            logger.error("merging recent readings failed; retried with the next batch",
                         metadata: ["store.error": "\(error)"])
        }
    }
}

extension JSONEncoder {
    static var snakeCase: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = .sortedKeys
        return encoder
    }
}
