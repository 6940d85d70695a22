/// What one MQTT message decodes to.
public enum DecodeResult: Sendable, Equatable {
    case decoded(readings: [Reading], properties: [PropertyUpdate])
    /// `detail` is a short human explanation; it never contains the whole payload.
    case quarantined(QuarantineReason, detail: String)
}
