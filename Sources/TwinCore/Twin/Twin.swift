/// The live mirror of one asset: latest value and statistics per metric, string properties, status, version.
public struct Twin: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable {
        case online, stale, offline
    }

    public var asset: String
    public var metrics: [String: MetricState]
    public var properties: [String: String]
    /// Unix ms of the oldest and newest reading applied.
    public var firstSeen: Int64
    public var lastSeen: Int64
    /// Increases by one with every applied reading or property change.
    public var version: Int64
    public var status: Status

    public init(asset: String, at time: Int64) {
        self.asset = asset
        self.metrics = [:]
        self.properties = [:]
        self.firstSeen = time
        self.lastSeen = time
        self.version = 0
        self.status = .online
    }
}
