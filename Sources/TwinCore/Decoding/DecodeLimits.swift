/// Bounds a message must stay within to be decoded rather than quarantined.
public struct DecodeLimits: Sendable {
    public var maxPayloadBytes: Int
    /// A timestamp further than this after the receive time is quarantined as `futureTimestamp`.
    public var maxFutureSkewMillis: Int64
    /// A timestamp further than this before the receive time is quarantined as `tooOld`.
    public var maxAgeMillis: Int64

    public init(
        maxPayloadBytes: Int = 65_536,
        maxFutureSkewMillis: Int64 = 300_000,
        maxAgeMillis: Int64 = 30 * 86_400_000
    ) {
        self.maxPayloadBytes = maxPayloadBytes
        self.maxFutureSkewMillis = maxFutureSkewMillis
        self.maxAgeMillis = maxAgeMillis
    }
}
