/// Decodes the `influx` format: InfluxDB line protocol, one point per line, timestamps in nanoseconds.
///
/// - Each field becomes metric `<measurement>.<field key>`; tags other than `asset` are ignored.
/// - Floats, integers (`2i`), unsigned integers (`2u`) and booleans (`t`, `true`, `f`, `false` in any of
///   Influx's spellings) become readings; quoted strings become properties.
/// - The asset comes from the route; if the route has none, from the line's `asset` tag.
/// - Escapes `\,` `\ ` `\=` `\\` are decoded in the measurement, tag and field keys; any other backslash there
///   quarantines the message. In string values `\"` and `\\` are escapes and other backslashes are literal.
/// - Empty lines and `#` comment lines are skipped; `\r\n` line ends are accepted.
struct InfluxLineDecoder {
    private let line: UnsafeRawBufferPointer
    private let lineNumber: Int
    private var position = 0

    private init(line: UnsafeRawBufferPointer, lineNumber: Int) {
        self.line = line
        self.lineNumber = lineNumber
    }

    static func decode(
        _ payload: UnsafeRawBufferPointer,
        asset routeAsset: String?,
        names: inout NameBuffer,
        collector: inout ReadingCollector
    ) throws(DecodeFailure) {
        var lineStart = 0
        var lineNumber = 0
        while lineStart < payload.count {
            lineNumber += 1
            var lineEnd = lineStart
            while lineEnd < payload.count, payload[lineEnd] != UInt8(ascii: "\n") {
                lineEnd += 1
            }
            let next = lineEnd + 1
            if lineEnd > lineStart, payload[lineEnd - 1] == UInt8(ascii: "\r") {
                lineEnd -= 1
            }
            var decoder = InfluxLineDecoder(
                line: UnsafeRawBufferPointer(rebasing: payload[lineStart..<lineEnd]),
                lineNumber: lineNumber
            )
            try decoder.decodeLine(asset: routeAsset, names: &names, collector: &collector)
            lineStart = next
        }
    }

    private func failure(_ problem: String, reason: QuarantineReason = .invalidPayload) -> DecodeFailure {
        DecodeFailure(reason, "line \(lineNumber), byte \(position + 1): \(problem)")
    }

    private var current: UInt8? {
        position < line.count ? line[position] : nil
    }

    private mutating func skipSpaces() {
        while current == UInt8(ascii: " ") || current == UInt8(ascii: "\t") {
            position += 1
        }
    }

    private mutating func decodeLine(
        asset routeAsset: String?,
        names: inout NameBuffer,
        collector: inout ReadingCollector
    ) throws(DecodeFailure) {
        skipSpaces()
        if current == nil || current == UInt8(ascii: "#") { return }

        let base = names.count
        defer { names.truncate(to: base) }
        try appendKey(into: &names, stopAtEquals: false)
        if names.count == base { throw failure("empty measurement") }
        names.append(UInt8(ascii: "."))
        let fieldBase = names.count

        var asset = routeAsset
        while current == UInt8(ascii: ",") {
            position += 1
            let key = try rawKey(stopAtEquals: true)
            guard !key.isEmpty, current == UInt8(ascii: "=") else { throw failure("expected tag=value") }
            position += 1
            let value = try rawKey(stopAtEquals: false)
            guard !value.isEmpty else { throw failure("empty tag value") }
            if routeAsset == nil && key.elementsEqual("asset".utf8) {
                guard NameRules.isValidAssetID(value) else {
                    throw failure(
                        "asset tag \(DecodeFailure.quote(bytes: value)) is not a valid asset id",
                        reason: .invalidAssetID
                    )
                }
                asset = String(decoding: value, as: UTF8.self)
            }
        }
        guard current == UInt8(ascii: " ") else { throw failure("expected a space before the fields") }
        skipSpaces()
        guard let asset else {
            throw failure("no asset: the route's topic has no {asset} and the line has no asset tag")
        }

        let mark = collector.mark
        repeat {
            names.truncate(to: fieldBase)
            try appendKey(into: &names, stopAtEquals: true)
            guard names.count > fieldBase, current == UInt8(ascii: "=") else { throw failure("expected field=value") }
            position += 1
            let name = try names.makeName()
            if current == UInt8(ascii: "\"") {
                let value = try readString()
                collector.addProperty(asset: asset, key: name, value: value, timestamp: collector.receivedAt)
            } else {
                let value = try readFieldValue()
                try collector.addReading(asset: asset, metric: name, value: value, timestamp: collector.receivedAt)
            }
            if current == UInt8(ascii: ",") {
                position += 1
            } else {
                break
            }
        } while true

        var timestamp = collector.receivedAt
        skipSpaces()
        if current != nil {
            timestamp = try readTimestamp()
        }
        try collector.restamp(timestamp, since: mark)
    }

    /// Appends a measurement or key, decoding escapes; stops at an unescaped ',', ' ', or (for keys) '='.
    private mutating func appendKey(into names: inout NameBuffer, stopAtEquals: Bool) throws(DecodeFailure) {
        while let byte = current {
            if byte == UInt8(ascii: ",") || byte == UInt8(ascii: " ") || (stopAtEquals && byte == UInt8(ascii: "=")) {
                return
            }
            if byte == UInt8(ascii: "\\") {
                guard position + 1 < line.count else { throw failure("backslash at the end of the line") }
                let escaped = line[position + 1]
                switch escaped {
                case UInt8(ascii: ","), UInt8(ascii: " "), UInt8(ascii: "="), UInt8(ascii: "\\"):
                    names.append(escaped)
                    position += 2
                    continue
                default:
                    throw failure("unsupported escape '\\\(Character(Unicode.Scalar(escaped)))'")
                }
            }
            names.append(byte)
            position += 1
        }
    }

    /// A tag key or value as written; escapes are skipped over but kept.
    private mutating func rawKey(stopAtEquals: Bool) throws(DecodeFailure) -> UnsafeRawBufferPointer {
        let start = position
        while let byte = current {
            if byte == UInt8(ascii: ",") || byte == UInt8(ascii: " ") || (stopAtEquals && byte == UInt8(ascii: "=")) {
                break
            }
            position += byte == UInt8(ascii: "\\") ? 2 : 1
        }
        position = min(position, line.count)
        return UnsafeRawBufferPointer(rebasing: line[start..<position])
    }

    private mutating func readString() throws(DecodeFailure) -> String {
        position += 1
        var bytes: [UInt8] = []
        while let byte = current {
            position += 1
            if byte == UInt8(ascii: "\"") {
                return String(decoding: bytes, as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\"), let escaped = current,
                escaped == UInt8(ascii: "\"") || escaped == UInt8(ascii: "\\")
            {
                bytes.append(escaped)
                position += 1
            } else {
                bytes.append(byte)
            }
        }
        throw failure("unterminated string")
    }

    private static let trueWords = ["t", "T", "true", "True", "TRUE"]
    private static let falseWords = ["f", "F", "false", "False", "FALSE"]

    private mutating func readFieldValue() throws(DecodeFailure) -> Double {
        let start = position
        while let byte = current, byte != UInt8(ascii: ","), byte != UInt8(ascii: " ") {
            position += 1
        }
        let token = UnsafeRawBufferPointer(rebasing: line[start..<position])
        guard let last = token.last else { throw failure("empty field value") }
        switch token[0] {
        case UInt8(ascii: "t"), UInt8(ascii: "T"):
            if Self.trueWords.contains(where: { token.elementsEqual($0.utf8) }) { return 1 }
        case UInt8(ascii: "f"), UInt8(ascii: "F"):
            if Self.falseWords.contains(where: { token.elementsEqual($0.utf8) }) { return 0 }
        default:
            break
        }
        if !NumberParser.isDigit(last), NumberParser.isNonFiniteWord(token) {
            throw failure("field value \(DecodeFailure.quote(bytes: token)) is not finite", reason: .nonFinite)
        }
        let digits = UnsafeRawBufferPointer(rebasing: token.dropLast())
        if last == UInt8(ascii: "i"), let value = Self.integer(digits, allowSign: true) {
            return Double(value)
        }
        if last == UInt8(ascii: "u"), let value = Self.unsigned(digits) {
            return Double(value)
        }
        if let (value, end) = NumberParser.parse(token, from: 0, grammar: .lenient), end == token.count {
            return value
        }
        throw failure("invalid field value \(DecodeFailure.quote(bytes: token, limit: 32))")
    }

    private mutating func readTimestamp() throws(DecodeFailure) -> Int64 {
        let start = position
        while let byte = current, byte != UInt8(ascii: " "), byte != UInt8(ascii: "\t") {
            position += 1
        }
        let token = UnsafeRawBufferPointer(rebasing: line[start..<position])
        skipSpaces()
        guard current == nil else { throw failure("unexpected text after the timestamp") }
        guard let nanoseconds = Self.integer(token, allowSign: true) else {
            throw failure(
                "timestamp \(DecodeFailure.quote(bytes: token, limit: 32)) is not an integer of nanoseconds",
                reason: .invalidTimestamp
            )
        }
        // Floor division, so times before 1970 round down as well.
        let (quotient, remainder) = nanoseconds.quotientAndRemainder(dividingBy: 1_000_000)
        return remainder < 0 ? quotient - 1 : quotient
    }

    /// `[-]digits` as `Int64`; nil if not an integer or out of range.
    private static func integer(_ bytes: UnsafeRawBufferPointer, allowSign: Bool) -> Int64? {
        if allowSign, bytes.first == UInt8(ascii: "-") {
            guard let magnitude = unsigned(UnsafeRawBufferPointer(rebasing: bytes.dropFirst())),
                magnitude <= UInt64(Int64.max) + 1
            else { return nil }
            return Int64(truncatingIfNeeded: 0 &- magnitude)
        }
        return unsigned(bytes).flatMap { Int64(exactly: $0) }
    }

    /// Digits as `UInt64`; nil if not only digits or out of range.
    private static func unsigned(_ digits: UnsafeRawBufferPointer) -> UInt64? {
        guard !digits.isEmpty else { return nil }
        var value: UInt64 = 0
        for byte in digits {
            guard NumberParser.isDigit(byte) else { return nil }
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = shifted.addingReportingOverflow(UInt64(byte &- 48))
            guard !overflow1 && !overflow2 else { return nil }
            value = sum
        }
        return value
    }
}
