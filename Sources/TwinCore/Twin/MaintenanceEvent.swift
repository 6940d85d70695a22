/// Something done to or observed on an asset, kept in the `maintenance` view; a `reset` restarts a usage counter.
public struct MaintenanceEvent: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case failure, repair, service, reset
    }

    /// The row id; nil until the event is stored.
    public var id: Int64?
    public var asset: String
    public var kind: Kind
    /// The usage counter the event applies to (e.g. the one a `reset` restarts), if any.
    public var counter: String?
    /// Unix ms at which it happened (the `at` column).
    public var timestamp: Int64
    public var note: String?

    public init(
        id: Int64? = nil,
        asset: String,
        kind: Kind,
        counter: String? = nil,
        timestamp: Int64,
        note: String? = nil
    ) {
        self.id = id
        self.asset = asset
        self.kind = kind
        self.counter = counter
        self.timestamp = timestamp
        self.note = note
    }
}
