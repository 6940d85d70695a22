/// Decodes the `senml` format: an RFC 8428 SenML JSON pack (an array of records).
///
/// - The metric name is `bn` + `n`; the asset comes from the topic.
/// - `v` (plus `bv`) and `vb` (as 1 or 0) become readings; `vs` and `vd` (its base64 text as is) become properties.
/// - The time is `bt` + `t` in seconds; a result below 2^28 is relative to the receive time (RFC 8428 §4.5.3),
///   so a pack without times is stamped with the receive time.
/// - Base fields (`bn`, `bt`, `bv`, `bver`) apply to their own record and the records after it.
/// - Units (`u`, `bu`), sums (`s`, `bs`) and `ut` are ignored, as are unknown fields, except that an unknown field
///   ending in `_` ("must understand") quarantines the pack, and so does a `bver` above 10.
/// - A record with no value only sets base fields; a record with two values is `invalidPayload`.
/// - Value errors do not stop the scan, so invalid JSON is always `invalidJSON`.
struct SenMLDecoder {
    static let supportedVersion = 10.0
    private static let relativeTimeLimit = Double(1 << 28)

    private struct Record {
        var name: JSONString?
        var time: Double?
        var value: Double?
        var boolean: Bool?
        var string: JSONString?
        var valueCount = 0
    }

    private var reader: JSONReader
    private let asset: String
    private var collector: ReadingCollector
    private var firstFailure: DecodeFailure?
    private var baseName: JSONString?
    private var baseTime = 0.0
    private var baseValue = 0.0

    static func decode(
        _ payload: UnsafeRawBufferPointer,
        asset: String,
        names: inout NameBuffer,
        collector: inout ReadingCollector
    ) throws(DecodeFailure) {
        var decoder = SenMLDecoder(reader: JSONReader(payload), asset: asset, collector: collector)
        try decoder.decodePack(names: &names)
        try decoder.reader.expectEnd()
        if let failure = decoder.firstFailure {
            throw failure
        }
        collector = decoder.collector
    }

    private init(reader: JSONReader, asset: String, collector: ReadingCollector) {
        self.reader = reader
        self.asset = asset
        self.collector = collector
    }

    private mutating func fail(_ reason: QuarantineReason, _ detail: @autoclosure () -> String) {
        if firstFailure == nil {
            firstFailure = DecodeFailure(reason, detail())
        }
    }

    private mutating func decodePack(names: inout NameBuffer) throws(DecodeFailure) {
        guard reader.peek() == UInt8(ascii: "[") else {
            try reader.skipValue(depth: 0)
            try reader.expectEnd()
            throw DecodeFailure(.invalidPayload, "SenML must be a JSON array of records")
        }
        try reader.expect(UInt8(ascii: "["))
        if reader.consume(UInt8(ascii: "]")) { return }
        var index = 0
        repeat {
            if reader.peek() == UInt8(ascii: "{") {
                let record = try readRecord(index: index)
                if firstFailure == nil {
                    do {
                        try emit(record, index: index, names: &names)
                    } catch {
                        firstFailure = error
                    }
                }
            } else {
                try reader.skipValue(depth: 1)
                fail(.invalidPayload, "SenML record \(index) is not an object")
            }
            index += 1
        } while reader.consume(UInt8(ascii: ","))
        try reader.expect(UInt8(ascii: "]"))
    }

    /// Reads one record, applying its base fields.
    private mutating func readRecord(index: Int) throws(DecodeFailure) -> Record {
        var record = Record()
        try reader.expect(UInt8(ascii: "{"))
        if reader.consume(UInt8(ascii: "}")) { return record }
        repeat {
            let key = try reader.readString()
            try reader.expect(UInt8(ascii: ":"))
            let next = reader.peek()
            let isNumber = next.map { $0 == UInt8(ascii: "-") || NumberParser.isDigit($0) } ?? false
            let isString = next == UInt8(ascii: "\"")
            func wrongType(_ expected: String) -> String {
                "SenML record \(index): field \(key.makeString()) must be \(expected)"
            }
            if key.equals("n") || key.equals("bn") || key.equals("vs") || key.equals("vd") {
                guard isString else {
                    try reader.skipValue(depth: 2)
                    fail(.invalidPayload, wrongType("a string"))
                    continue
                }
                let text = try reader.readString()
                if key.equals("n") {
                    record.name = text
                } else if key.equals("bn") {
                    baseName = text
                } else {
                    record.string = text
                    record.valueCount += 1
                }
            } else if key.equals("v") || key.equals("t") || key.equals("bt") || key.equals("bv")
                || key.equals("bver")
            {
                guard isNumber else {
                    try reader.skipValue(depth: 2)
                    fail(.invalidPayload, wrongType("a number"))
                    continue
                }
                let number = try reader.readNumber()
                if key.equals("v") {
                    record.value = number
                    record.valueCount += 1
                } else if key.equals("t") {
                    record.time = number
                } else if key.equals("bt") {
                    baseTime = number
                } else if key.equals("bv") {
                    baseValue = number
                } else if number > Self.supportedVersion {
                    fail(.invalidPayload, "SenML version \(number) is newer than the supported version 10")
                }
            } else if key.equals("vb") {
                if next == UInt8(ascii: "t") || next == UInt8(ascii: "f") {
                    record.boolean = try reader.readLiteral()
                    record.valueCount += 1
                } else {
                    try reader.skipValue(depth: 2)
                    fail(.invalidPayload, wrongType("a boolean"))
                }
            } else {
                try reader.skipValue(depth: 2)
                if key.last == UInt8(ascii: "_") {
                    fail(.invalidPayload, "SenML record \(index): unknown must-understand field \(key.makeString())")
                }
            }
        } while reader.consume(UInt8(ascii: ","))
        try reader.expect(UInt8(ascii: "}"))
        return record
    }

    private mutating func emit(_ record: Record, index: Int, names: inout NameBuffer) throws(DecodeFailure) {
        guard record.valueCount > 0 else { return }
        guard record.valueCount == 1 else {
            throw DecodeFailure(.invalidPayload, "SenML record \(index) has more than one value field")
        }
        let base = names.count
        defer { names.truncate(to: base) }
        try baseName?.withBytes { names.append($0) }
        try record.name?.withBytes { names.append($0) }
        let name = try names.makeName()
        let timestamp = try self.timestamp(record.time, index: index)

        if let value = record.value {
            try collector.addReading(asset: asset, metric: name, value: baseValue + value, timestamp: timestamp)
        } else if let flag = record.boolean {
            try collector.addReading(asset: asset, metric: name, value: flag ? 1 : 0, timestamp: timestamp)
        } else if let text = record.string {
            collector.addProperty(asset: asset, key: name, value: text.makeString(), timestamp: timestamp)
        }
    }

    private func timestamp(_ time: Double?, index: Int) throws(DecodeFailure) -> Int64 {
        let seconds = baseTime + (time ?? 0)
        let relative = seconds < Self.relativeTimeLimit
        guard let offset = Timestamp.millis(exactly: seconds * 1000),
            !relative || (offset.addingReportingOverflow(collector.receivedAt).overflow == false)
        else {
            throw DecodeFailure(.invalidTimestamp, "SenML record \(index): time \(seconds) s is not representable")
        }
        let millis = relative ? collector.receivedAt + offset : offset
        try Timestamp.check(millis, receivedAt: collector.receivedAt, limits: collector.limits)
        return millis
    }
}
