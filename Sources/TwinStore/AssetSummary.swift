import TwinCore

/// One asset as `twind query assets` lists it.
public struct AssetSummary: Sendable, Hashable {
    public var asset: String
    /// `online`, `stale` or `offline` from the latest twin snapshot; nil before the first snapshot.
    public var status: String?
    /// The newest reading's time of any of its series (Unix milliseconds); nil for an asset with properties only.
    public var lastSeen: Int64?
    /// Series (metrics) stored for it.
    public var metricCount: Int
    /// Alerts raised or acknowledged, not cleared.
    public var activeAlerts: Int

    public init(asset: String, status: String?, lastSeen: Int64?, metricCount: Int, activeAlerts: Int) {
        self.asset = asset
        self.status = status
        self.lastSeen = lastSeen
        self.metricCount = metricCount
        self.activeAlerts = activeAlerts
    }
}

/// Everything stored about one twin: its last snapshot, latest values, properties and active alerts.
public struct StoredTwin: Sendable {
    public var asset: String
    public var status: String?
    /// The time and version of the snapshot; nil before the first snapshot.
    public var snapshotTimestamp: Int64?
    public var version: Int64?
    /// The snapshot as the daemon saved it (`twin_snapshots.state`: its `SnapshotDocument`, encoded).
    public var state: [UInt8]?
    public var latest: [Reading]
    public var properties: [PropertyUpdate]
    public var activeAlerts: [StoredAlert]
}
