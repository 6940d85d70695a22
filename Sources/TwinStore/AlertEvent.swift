/// One transition in the history of an alert: a row of the `alert_events` view.
public struct AlertEvent: Sendable, Hashable, Codable {
    /// The `event` column.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case raised, acknowledged, cleared
    }

    public var id: Int64
    /// The ``StoredAlert/id`` of the alert.
    public var alertID: Int64
    /// Unix ms: the time of the transition (of the acknowledgement, for `acknowledged`).
    public var timestamp: Int64
    public var kind: Kind
    /// The value that raised or cleared the alert; nil for acknowledgements.
    public var value: Double?
    /// The message of the transition; nil for acknowledgements.
    public var message: String?

    public init(id: Int64, alertID: Int64, timestamp: Int64, kind: Kind, value: Double?, message: String?) {
        self.id = id
        self.alertID = alertID
        self.timestamp = timestamp
        self.kind = kind
        self.value = value
        self.message = message
    }
}
