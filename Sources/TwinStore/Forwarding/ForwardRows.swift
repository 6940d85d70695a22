import TwinCore

/// Rows read for forwarding, in the order of their stream, with the position of the last one.
public struct ForwardReadings: Sendable {
    /// `forward_queue.seq` of the last row; the cursor moves here once they are forwarded.
    public var last: Int64 = 0
    /// The SQLite file's series ids (`series.id`), with their names beside them.
    public var seriesIDs: [Int64] = []
    public var assets: [String] = []
    public var metrics: [String] = []
    public var timestamps: [Int64] = []
    public var values: [Double] = []
    public var count: Int { timestamps.count }

    public init() {}
}

/// Alert events past the cursor, with the current row of each alert they belong to.
public struct ForwardAlerts: Sendable {
    public var last: Int64 = 0
    public var events: [AlertEvent] = []
    public var alerts: [StoredAlert] = []

    public init() {}
}

/// Maintenance events past the cursor.
public struct ForwardMaintenance: Sendable {
    public var last: Int64 = 0
    public var events: [MaintenanceEvent] = []

    public init() {}
}

/// Quarantined messages past the cursor, without their payloads (the central view counts them by reason).
public struct ForwardQuarantine: Sendable {
    public struct Entry: Sendable {
        public var id: Int64
        public var receivedAt: Int64
        public var topic: String
        public var reason: String
    }

    public var last: Int64 = 0
    public var entries: [Entry] = []

    public init() {}
}

/// One stream's state as `twind forward status` shows it.
public struct ForwardCursor: Sendable, Hashable {
    public var stream: String
    /// The last row forwarded, and the newest row there is to forward (the same id space).
    public var position: Int64
    public var newest: Int64
    /// Rows not forwarded yet.
    public var pending: Int64
    public var forwarded: Int64
    /// Rows that went over the backlog cap and will not be forwarded.
    public var dropped: Int64
    public var forwardedAt: Int64?
    /// The time of the oldest row not forwarded yet (Unix ms), where the stream knows it.
    public var oldestPending: Int64?
    public var error: String?
    public var errorAt: Int64?
}
