/// The serialized state of one twin, saved so that the daemon can restore it at start.
public struct TwinSnapshot: Sendable, Hashable {
    public var asset: String
    /// Unix time in milliseconds of the state.
    public var timestamp: Int64
    public var version: Int64
    /// UTF-8 JSON produced by the caller; stored as TEXT so that SQLite's JSON functions can read it.
    public var state: [UInt8]

    public init(asset: String, timestamp: Int64, version: Int64, state: [UInt8]) {
        self.asset = asset
        self.timestamp = timestamp
        self.version = version
        self.state = state
    }
}
