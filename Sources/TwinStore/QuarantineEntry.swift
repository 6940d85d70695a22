/// A message that could not be decoded, kept for inspection in the `quarantine` view.
public struct QuarantineEntry: Sendable, Hashable {
    /// Unix time in milliseconds at which the message arrived.
    public var receivedAt: Int64
    public var topic: String
    /// Why it was quarantined, usually a `QuarantineReason` raw value.
    public var reason: String
    /// The raw payload, byte for byte.
    public var payload: [UInt8]

    public init(receivedAt: Int64, topic: String, reason: String, payload: [UInt8]) {
        self.receivedAt = receivedAt
        self.topic = topic
        self.reason = reason
        self.payload = payload
    }
}
