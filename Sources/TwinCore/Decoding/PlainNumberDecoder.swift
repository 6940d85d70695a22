/// Decodes the `number` format: a decimal number, optionally surrounded by whitespace.
///
/// Accepted: `[+-]?(digits[.digits]|.digits)([eE][+-]?digits)?`. `nan` and `inf` (as `Double(String)` spells them)
/// are `nonFinite`, and so are numbers too large for a `Double`.
enum PlainNumberDecoder {
    static func decode(
        _ payload: UnsafeRawBufferPointer,
        asset: String,
        metric: String,
        collector: inout ReadingCollector
    ) throws(DecodeFailure) {
        var start = 0
        var end = payload.count
        while start < end, isWhitespace(payload[start]) {
            start += 1
        }
        while end > start, isWhitespace(payload[end - 1]) {
            end -= 1
        }
        let text = UnsafeRawBufferPointer(rebasing: payload[start..<end])
        guard !text.isEmpty else { throw DecodeFailure(.invalidPayload, "the payload is empty") }
        if !NumberParser.isDigit(text[text.count - 1]), NumberParser.isNonFiniteWord(text) {
            let word = String(decoding: text, as: UTF8.self)
            throw DecodeFailure(.nonFinite, "metric \(DecodeFailure.quote(metric)) is \(word)")
        }
        guard let (value, length) = NumberParser.parse(text, from: 0, grammar: .lenient), length == text.count else {
            let quoted = DecodeFailure.quote(bytes: text, limit: 32)
            throw DecodeFailure(.invalidPayload, "the payload \(quoted) is not a number")
        }
        try collector.addReading(asset: asset, metric: metric, value: value, timestamp: collector.receivedAt)
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}
