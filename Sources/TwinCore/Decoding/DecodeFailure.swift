/// Why decoding stopped: becomes `DecodeResult.quarantined`.
struct DecodeFailure: Error {
    var reason: QuarantineReason
    var detail: String

    init(_ reason: QuarantineReason, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }

    /// Quotes a name for a detail message, cut to `limit` characters so a detail stays short.
    static func quote(_ text: some StringProtocol, limit: Int = 64) -> String {
        if text.count <= limit {
            return "\"\(text)\""
        }
        return "\"\(text.prefix(limit))…\""
    }

    static func quote(bytes: UnsafeRawBufferPointer, limit: Int = 64) -> String {
        quote(String(decoding: bytes.prefix(limit * 4), as: UTF8.self), limit: limit)
    }
}
