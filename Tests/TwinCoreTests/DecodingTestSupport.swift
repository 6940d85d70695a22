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

/// Sebastiano Vigna's SplitMix64: a tiny seeded generator so random tests reproduce.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
