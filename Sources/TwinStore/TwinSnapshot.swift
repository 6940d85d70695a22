/// A persisted twin: `state` is opaque to the store (the daemon's `SnapshotDocument`, in its compact binary form).
public struct TwinSnapshot: Sendable, Hashable {
    public var asset: String
    /// Unix time in milliseconds of the state.
    public var timestamp: Int64
    public var version: Int64
    /// The encoded document, stored as a BLOB.
    public var state: [UInt8]
    /// The twin's status (`online`, `stale`, `offline`), kept in a column of its own so SQL and `twind query
    /// assets` need not decode `state`.
    public var status: String?

    public init(asset: String, timestamp: Int64, version: Int64, state: [UInt8], status: String? = nil) {
        self.asset = asset
        self.timestamp = timestamp
        self.version = version
        self.state = state
        self.status = status
    }
}
