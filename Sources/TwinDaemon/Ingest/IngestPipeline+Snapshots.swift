import Foundation
import TwinCore
import TwinStore

extension IngestPipeline {
    /// Rebuilds every twin and its rule state from the last snapshots, then brings latest values forward from
    /// `twin_latest`. Returns the number of twins restored.
    @discardableResult
    public func restore() throws -> Int {
        try state.withLock { state in
            try Self.load(into: &state, from: store)
            return state.engine.twins.count
        }
    }

    /// Writes a snapshot of every twin that changed since its last one (used at shutdown), in commits of up to
    /// 1,000, until `budget` is spent: systemd kills the service `TimeoutStopSec` (30 s) after asking it to stop,
    /// and a fleet of hundreds of thousands of twins takes longer than that to encode. A twin left out keeps its
    /// previous snapshot; its latest values are in `twin_latest` anyway, only its rules' windows and timers since
    /// that snapshot are lost (as after a crash). Returns how many twins were written and left out.
    @discardableResult
    public func snapshotNow(budget: Duration = .seconds(20)) throws -> (written: Int, skipped: Int) {
        try state.withLock { state in
            let clock = ContinuousClock()
            let deadline = clock.now + budget
            let now = unixMillis()
            state.snapshotPending = []
            let encoder = Self.snapshotEncoder()
            let assets = Array(state.engine.twins.keys)
            var written = 0
            var chunk: [TwinSnapshot] = []
            var position = 0
            while position < assets.count, clock.now < deadline {
                if let snapshot = Self.snapshot(of: assets[position], &state, now: now, encoder: encoder) {
                    chunk.append(snapshot)
                }
                position += 1
                if chunk.count == 1_000 {
                    try store.commit(IngestBatch(snapshots: chunk))
                    written += chunk.count
                    chunk.removeAll(keepingCapacity: true)
                }
            }
            if !chunk.isEmpty {
                try store.commit(IngestBatch(snapshots: chunk))
                written += chunk.count
            }
            let skipped = assets[position...].count { asset in
                state.engine[asset].map { state.snapshotVersions[asset] != $0.version } ?? false
            }
            if skipped > 0 {
                logger.warning("shutdown snapshot budget spent: twins left with their previous snapshot", metadata: [
                    "ingest.snapshots_written": "\(written)", "ingest.snapshots_skipped": "\(skipped)",
                    "ingest.snapshot_budget": "\(budget)",
                ])
            }
            return (written, skipped)
        }
    }

    /// Swaps in new rules (a reload): unchanged rules keep their state; alerts of removed or changed rules clear.
    public func replaceRules(with rules: RuleEngine) throws {
        try state.withLock { state in
            let cleared = state.rules.replaceRules(with: rules, at: unixMillis())
            if !cleared.isEmpty { try store.commit(IngestBatch(alerts: cleared)) }
        }
    }

    func reload(_ state: inout State) {
        do {
            try Self.load(into: &state, from: store)
        } catch {
            logger.error("could not reload the twins after a failed commit", metadata: ["store.error": "\(error)"])
            state.engine = TwinEngine()
            state.snapshotVersions = [:]
        }
    }

    /// Twins snapshotted per batch while a pass is under way: encoding one twin with its rule windows takes about
    /// 0.2 ms, so a pass over 1,000 twins in one batch held that batch's commit (and every alert in it) for about
    /// 200 ms every `snapshot_interval` (bench: publish-to-alert p99). Spread out, a small batch carries 16 of them
    /// and a backlog's large batches carry more, so a pass still ends long before the next one is due.
    static func snapshotsPerBatch(_ messages: Int) -> Int {
        max(16, messages / 16)
    }

    /// Snapshots of up to `limit` changed twins of the current pass (unchanged ones are skipped at no cost).
    static func pendingSnapshots(_ state: inout State, now: Int64, limit: Int) -> [TwinSnapshot] {
        let encoder = snapshotEncoder()
        var snapshots: [TwinSnapshot] = []
        while snapshots.count < limit, let asset = state.snapshotPending.popLast() {
            if let snapshot = snapshot(of: asset, &state, now: now, encoder: encoder) { snapshots.append(snapshot) }
        }
        return snapshots
    }

    private static func snapshotEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }

    private static func snapshot(of asset: String, _ state: inout State, now: Int64,
                                 encoder: JSONEncoder) -> TwinSnapshot? {
        guard let twin = state.engine[asset], state.snapshotVersions[asset] != twin.version else { return nil }
        let document = SnapshotDocument(twin: twin, rules: state.rules.state(of: asset))
        guard let data = try? encoder.encode(document) else { return nil }
        state.snapshotVersions[asset] = twin.version
        return TwinSnapshot(asset: asset, timestamp: now, version: twin.version, state: Array(data))
    }

    private static func load(into state: inout State, from store: TwinStore) throws {
        var engine = TwinEngine()
        var rules = state.rules
        for snapshot in try store.loadSnapshots() {
            guard let document = SnapshotDocument.decode(snapshot.state) else { continue }
            engine.restore(document.twin)
            if let ruleState = document.rules { rules.restore(ruleState, for: snapshot.asset) }
        }
        // Readings committed after the last snapshot: their latest values are in twin_latest.
        for reading in try store.latestValues() {
            let known = engine[reading.asset]?.metrics[reading.metric]?.timestamp ?? Int64.min
            if reading.timestamp > known { engine.apply(reading) }
        }
        state.engine = engine
        state.rules = rules
        state.snapshotVersions = engine.twins.mapValues(\.version)
    }
}
