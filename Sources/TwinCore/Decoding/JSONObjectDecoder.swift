/// Decodes the `json` format: one JSON object per message, scanned byte by byte without Foundation.
///
/// - Numbers become readings; nested objects flatten with "." (`{"motor":{"temp":71}}` is `motor.temp`).
/// - `true` and `false` become readings of 1 and 0.
/// - Strings become properties (`PropertyUpdate`) under the same flattened names.
/// - `null` is ignored, and so is an empty object.
/// - A top-level `ts` is the message time: epoch milliseconds, epoch seconds (below 1e11, fractions allowed) or
///   an RFC 3339 string with an offset. Without it the receive time is used. A nested `ts` is an ordinary field.
/// - Arrays are not supported: a message containing one is quarantined as `invalidPayload`, since an array has
///   no single meaning (samples over time? one value per channel?) and guessing would store wrong data.
/// - A repeated name yields a reading per occurrence in payload order, so the last one wins when applied.
/// - A message with strings but no numbers decodes to properties alone; one with neither is `noNumericField`.
///
/// Errors in the values (an array, a bad name, `1e999`, a bad `ts`) do not stop the scan: the JSON must still be
/// valid as a whole, so broken JSON is always `invalidJSON`, and otherwise the first value error is reported.
struct JSONObjectDecoder {
    private var reader: JSONReader
    private let asset: String
    private var collector: ReadingCollector
    private var timestamp: Int64?
    private var firstFailure: DecodeFailure?

    static func decode(
        _ payload: UnsafeRawBufferPointer,
        asset: String,
        names: inout NameBuffer,
        collector: inout ReadingCollector
    ) throws(DecodeFailure) {
        var decoder = JSONObjectDecoder(reader: JSONReader(payload), asset: asset, collector: collector)
        guard decoder.reader.peek() == UInt8(ascii: "{") else {
            try decoder.reader.skipValue(depth: 0)
            try decoder.reader.expectEnd()
            throw DecodeFailure(.invalidPayload, "the payload is valid JSON but not an object")
        }
        try decoder.decodeObject(names: &names, depth: 1)
        try decoder.reader.expectEnd()
        if let failure = decoder.firstFailure {
            throw failure
        }
        try decoder.collector.restamp(decoder.timestamp ?? collector.receivedAt)
        collector = decoder.collector
    }

    private init(reader: JSONReader, asset: String, collector: ReadingCollector) {
        self.reader = reader
        self.asset = asset
        self.collector = collector
    }

    /// Runs `body` unless a value error was already found, and remembers the error it throws.
    private mutating func attempt(_ body: (inout Self) throws(DecodeFailure) -> Void) {
        guard firstFailure == nil else { return }
        do {
            try body(&self)
        } catch {
            firstFailure = error
        }
    }

    private mutating func decodeObject(names: inout NameBuffer, depth: Int) throws(DecodeFailure) {
        try reader.expect(UInt8(ascii: "{"))
        if reader.consume(UInt8(ascii: "}")) { return }
        let base = names.count
        repeat {
            let key = try reader.readString()
            try reader.expect(UInt8(ascii: ":"))
            if depth == 1 && key.equals("ts") {
                try decodeTimestamp()
                continue
            }
            try key.withBytes { names.append($0) }
            defer { names.truncate(to: base) }

            switch reader.peek() {
            case UInt8(ascii: "{"):
                guard depth < JSONReader.maxDepth else { throw JSONReader.tooDeep() }
                names.append(UInt8(ascii: "."))
                try decodeObject(names: &names, depth: depth + 1)
            case UInt8(ascii: "["):
                attempt { decoder throws(DecodeFailure) in
                    let name = String(decoding: names.bytes, as: UTF8.self)
                    throw DecodeFailure(.invalidPayload, "arrays are not supported (\(DecodeFailure.quote(name)))")
                }
                try reader.skipValue(depth: depth)
            case UInt8(ascii: "\""):
                let value = try reader.readString()
                attempt { decoder throws(DecodeFailure) in
                    let key = try names.makeName()
                    decoder.collector.addProperty(
                        asset: decoder.asset,
                        key: key,
                        value: value.makeString(),
                        timestamp: decoder.collector.receivedAt
                    )
                }
            case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
                guard let flag = try reader.readLiteral() else { continue }
                attempt { decoder throws(DecodeFailure) in try decoder.addReading(names.makeName(), flag ? 1 : 0) }
            default:
                let value = try reader.readNumber()
                attempt { decoder throws(DecodeFailure) in try decoder.addReading(names.makeName(), value) }
            }
        } while reader.consume(UInt8(ascii: ","))
        try reader.expect(UInt8(ascii: "}"))
    }

    private mutating func addReading(_ metric: String, _ value: Double) throws(DecodeFailure) {
        try collector.addReading(asset: asset, metric: metric, value: value, timestamp: collector.receivedAt)
    }

    private mutating func decodeTimestamp() throws(DecodeFailure) {
        switch reader.peek() {
        case UInt8(ascii: "\""):
            let text = try reader.readString()
            attempt { decoder throws(DecodeFailure) in
                decoder.timestamp = try text.withBytes { (bytes) throws(DecodeFailure) -> Int64 in
                    guard let millis = Timestamp.parseRFC3339(bytes) else {
                        throw DecodeFailure(
                            .invalidTimestamp,
                            "ts \(DecodeFailure.quote(bytes: bytes, limit: 40)) is not an RFC 3339 time with an offset"
                        )
                    }
                    return millis
                }
            }
        case UInt8(ascii: "n"), UInt8(ascii: "t"), UInt8(ascii: "f"):
            guard try reader.readLiteral() != nil else { return }
            attempt { _ throws(DecodeFailure) in throw DecodeFailure(.invalidTimestamp, "ts is a boolean") }
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            try reader.skipValue(depth: 1)
            attempt { _ throws(DecodeFailure) in
                throw DecodeFailure(.invalidTimestamp, "ts must be a number or an RFC 3339 string")
            }
        default:
            let value = try reader.readNumber()
            attempt { decoder throws(DecodeFailure) in
                guard let millis = Timestamp.millis(epoch: value) else {
                    throw DecodeFailure(.invalidTimestamp, "ts \(value) is not a representable epoch time")
                }
                decoder.timestamp = millis
            }
        }
    }
}
