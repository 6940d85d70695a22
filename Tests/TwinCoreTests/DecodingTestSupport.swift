import TwinCore

enum DecodingFixture {
    /// 2024-11-25T02:00:00Z in Unix ms: the receive time of every test message unless a test says otherwise.
    static let now: Int64 = 1_732_500_000_000

    /// A decoder with a single route.
    static func decoder(
        _ template: String,
        _ format: PayloadFormat,
        asset: String = "{asset}",
        metric: String? = nil,
        limits: DecodeLimits = DecodeLimits()
    ) throws -> MessageDecoder {
        let route = try Route(template: template, format: format, asset: asset, metric: metric)
        return MessageDecoder(routes: [route], limits: limits)
    }
}

extension MessageDecoder {
    func decode(_ topic: String, _ payload: String, receivedAt: Int64 = DecodingFixture.now) -> DecodeResult {
        decode(topic: topic, payload: Array(payload.utf8), receivedAt: receivedAt)
    }
}

extension DecodeResult {
    var readings: [Reading] {
        if case .decoded(let readings, _) = self { return readings }
        return []
    }

    var properties: [PropertyUpdate] {
        if case .decoded(_, let properties) = self { return properties }
        return []
    }

    var reason: QuarantineReason? {
        if case .quarantined(let reason, _) = self { return reason }
        return nil
    }

    var detail: String {
        if case .quarantined(_, let detail) = self { return detail }
        return ""
    }

    var isDecoded: Bool {
        reason == nil
    }

    /// metric -> value, for order-independent comparisons.
    var values: [String: Double] {
        Dictionary(readings.map { ($0.metric, $0.value) }, uniquingKeysWith: { _, last in last })
    }
}
