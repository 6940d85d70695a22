/// One measured (or derived) value of one metric of one asset at one instant.
public struct Reading: Sendable, Hashable, Codable {
    public var asset: String
    public var metric: String
    /// Unix time in milliseconds.
    public var timestamp: Int64
    public var value: Double

    public init(asset: String, metric: String, timestamp: Int64, value: Double) {
        self.asset = asset
        self.metric = metric
        self.timestamp = timestamp
        self.value = value
    }
}

/// A string-valued field of a payload: it becomes a property of the twin, not a metric.
public struct PropertyUpdate: Sendable, Hashable, Codable {
    public var asset: String
    public var key: String
    public var value: String
    /// Unix time in milliseconds.
    public var timestamp: Int64

    public init(asset: String, key: String, value: String, timestamp: Int64) {
        self.asset = asset
        self.key = key
        self.value = value
        self.timestamp = timestamp
    }
}
