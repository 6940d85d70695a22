import Foundation
import TwinCore
import TwinStore

extension IngestPipeline {
    /// Rebuilds every twin and its rule state: the last snapshots, then the history stored after them (see `load`).
    @discardableResult
    public func restore() throws -> RestoreReport {
        try state.withLock { state in
            let report = try Self.load(into: &state, from: store)
            publishAll(from: state.model)
            return report
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
            let assets = Array(state.model.twins.twins.keys)
            var written = 0
            var chunk: [TwinSnapshot] = []
            var position = 0
            while position < assets.count, clock.now < deadline {
                if let snapshot = Self.snapshot(of: assets[position], &state, now: now) {
                    chunk.append(snapshot.snapshot)
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
                state.model[asset].map { state.snapshotVersions[asset] != $0.version } ?? false
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
            let cleared = state.model.replaceRules(with: rules, at: unixMillis())
            if !cleared.isEmpty { try store.commit(IngestBatch(alerts: cleared)) }
        }
    }

    /// Twins snapshotted per batch while a pass is under way: encoding one twin with its rule windows takes about
    /// 0.2 ms, so a pass over 1,000 twins in one batch held that batch's commit (and every alert in it) for about
    /// 200 ms every `snapshot_interval` (bench: publish-to-alert p99). Spread out, a small batch carries 16 of them
    /// and a backlog's large batches carry more, so a pass still ends long before the next one is due.
    static func snapshotsPerBatch(_ messages: Int) -> Int {
        max(16, messages / 16)
    }

    /// A snapshot taken into a batch, with the version its twin's last stored snapshot had (to put back if the batch
    /// fails to commit).
    struct Taken {
        var asset: String
        var previousVersion: Int64?
    }

    /// Starts a snapshot pass when one is due (`snapshot_interval` since the last began, and none under way), then
    /// snapshots up to `limit` changed twins of the pass into `batch`.
    static func dueSnapshots(_ state: inout State, into batch: inout IngestBatch, now: Int64, limit: Int) -> [Taken] {
        // A pass still under way (a large fleet, whose changed twins need more batches than an interval brings) is
        // finished first: starting over would snapshot the same twins again and never reach the others.
        if state.snapshotPending.isEmpty, now - state.lastSnapshotAt >= state.snapshotInterval {
            state.snapshotPending = state.model.twins.twins.keys.filter {
                state.snapshotVersions[$0] != state.model[$0]?.version
            }
            state.lastSnapshotAt = now
        }
        guard !state.snapshotPending.isEmpty else { return [] }
        var taken: [Taken] = []
        while taken.count < limit, let asset = state.snapshotPending.popLast() {
            let previous = state.snapshotVersions[asset]
            if let snapshot = snapshot(of: asset, &state, now: now) {
                batch.snapshots.append(snapshot.snapshot)
                taken.append(Taken(asset: asset, previousVersion: previous))
            }
        }
        return taken
    }

    /// Writes the snapshots that are due, without waiting for a batch: run by the snapshot service, so a twin's
    /// stored snapshot is never much more than `snapshot_interval` behind it, idle or not. At most `limit` twins
    /// per call (one short hold of the ingest lock: 64 twins with rule windows encode in about 20 ms); returns how
    /// many were written and whether a pass is still under way.
    @discardableResult
    public func snapshotDue(now: Int64, limit: Int = 64) throws -> (written: Int, pending: Bool) {
        try state.withLock { state in
            var batch = IngestBatch()
            let taken = Self.dueSnapshots(&state, into: &batch, now: now, limit: limit)
            if !taken.isEmpty {
                do {
                    try store.commit(batch)
                } catch {
                    for t in taken { state.snapshotVersions[t.asset] = t.previousVersion }
                    state.snapshotPending += taken.map(\.asset)
                    throw error
                }
            }
            return (taken.count, !state.snapshotPending.isEmpty)
        }
    }

    private static func snapshot(of asset: String, _ state: inout State,
                                 now: Int64) -> (snapshot: TwinSnapshot, version: Int64)? {
        guard let (twin, rules) = state.model.snapshot(of: asset), state.snapshotVersions[asset] != twin.version else {
            return nil
        }
        guard let bytes = try? SnapshotDocument(twin: twin, rules: rules).encoded() else { return nil }
        state.snapshotVersions[asset] = twin.version
        return (TwinSnapshot(asset: asset, timestamp: now, version: twin.version, state: bytes,
                             status: twin.status.rawValue), twin.version)
    }

    /// What a restart found: twins from snapshots, and the readings replayed on top of them.
    public struct RestoreReport: Sendable {
        public var twins = 0
        public var fromSnapshots = 0
        public var replayedReadings = 0
        public var replayedAssets = 0
        /// Snapshots that could not be decoded (written by a newer twind, or damaged): their twins are rebuilt from
        /// their whole stored history instead.
        public var unreadableSnapshots = 0
    }

    /// Snapshot plus log: every twin and its rules are restored from their last snapshot, then every reading stored
    /// after the point that snapshot covers (per series: its latest reading then; for a twin without a snapshot,
    /// its whole history), with the maintenance recorded meanwhile, is run through the model as live ingest ran it.
    /// The alerts this replays were committed with their readings, so they are not raised again.
    private static func load(into state: inout State, from store: TwinStore) throws -> RestoreReport {
        var report = RestoreReport()
        var model = TwinModel(rules: state.model.rules)
        var covered: [String: [String: Int64]] = [:]
        for snapshot in try store.loadSnapshots() {
            guard let document = try? SnapshotDocument.decode(snapshot.state) else {
                report.unreadableSnapshots += 1
                continue
            }
            model.restore(document.twin, rules: document.rules)
            covered[snapshot.asset] = document.twin.metrics.mapValues(\.timestamp)
        }
        report.fromSnapshots = covered.count
        let versions = model.twins.twins.mapValues(\.version)
        var after: [String: [String: Int64]] = [:]
        for reading in try store.latestValues() where reading.timestamp > (covered[reading.asset]?[reading.metric] ?? .min) {
            after[reading.asset] = covered[reading.asset] ?? [:]
        }
        if !after.isEmpty {
            let reader = try TwinStoreReader(path: store.path)
            let events = Dictionary(grouping: try reader.maintenance(asset: nil, limit: nil).filter { after[$0.asset] != nil },
                                    by: \.asset)
            var transitions: [AlertTransition] = [], derived: [Reading] = []
            try reader.readings(after: after) { asset, readings in
                // Maintenance after the oldest point replayed, in time order with the readings; applying one the
                // snapshot already saw changes nothing (each event is guarded by its time).
                let start = readings.first?.timestamp ?? .max
                var pending = (events[asset] ?? []).filter { $0.timestamp >= start }.sorted { $0.timestamp < $1.timestamp }[...]
                for reading in readings {
                    while let event = pending.first, event.timestamp <= reading.timestamp {
                        _ = model.apply(event)
                        pending = pending.dropFirst()
                    }
                    transitions.removeAll(keepingCapacity: true)
                    derived.removeAll(keepingCapacity: true)
                    model.apply(reading, transitions: &transitions, derived: &derived)
                }
                for event in pending { _ = model.apply(event) }
                report.replayedReadings += readings.count
                report.replayedAssets += 1
            }
        }
        state.model = model
        // Twins the replay changed are due for a snapshot; the others are as stored.
        state.snapshotVersions = versions
        report.twins = model.twins.twins.count
        return report
    }
}
