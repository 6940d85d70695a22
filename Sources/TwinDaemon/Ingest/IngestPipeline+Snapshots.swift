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

    /// Writes a snapshot of every twin that changed since its last one (used at shutdown).
    public func snapshotNow() throws {
        try state.withLock { state in
            let snapshots = Self.changedSnapshots(&state, now: unixMillis())
            if !snapshots.isEmpty { try store.commit(IngestBatch(snapshots: snapshots)) }
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

    /// Snapshots of every twin that changed since its last one.
    static func changedSnapshots(_ state: inout State, now: Int64) -> [TwinSnapshot] {
        state.snapshotPending = []
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return state.engine.twins.keys.compactMap { snapshot(of: $0, &state, now: now, encoder: encoder) }
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
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var snapshots: [TwinSnapshot] = []
        while snapshots.count < limit, let asset = state.snapshotPending.popLast() {
            if let snapshot = snapshot(of: asset, &state, now: now, encoder: encoder) { snapshots.append(snapshot) }
        }
        return snapshots
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
