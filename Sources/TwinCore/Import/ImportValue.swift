/// Parsing of single field values for imports, with the same rules as live ingest.
public enum ImportValue {
    /// What a number field holds.
    public enum Number: Sendable, Equatable {
        case finite(Double)
        /// `inf`, `nan`, `1e999` and the like: never stored, as in live ingest.
        case nonFinite
        case invalid
    }

    /// Parses a whole field as a decimal number (a leading `+`, `.5` and `5.` are accepted).
    public static func number(_ bytes: UnsafeRawBufferPointer) -> Number {
        if let (value, end) = NumberParser.parse(bytes, from: 0, grammar: .lenient), end == bytes.count {
            return value.isFinite ? .finite(value) : .nonFinite
        }
        var body = bytes
        if let first = bytes.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
            body = UnsafeRawBufferPointer(rebasing: bytes[1...])
        }
        return NumberParser.isNonFiniteWord(body) ? .nonFinite : .invalid
    }

    /// Parses RFC 3339 (`2026-11-25T10:00:00.5Z`, a space may stand for the `T`) to Unix milliseconds; with
    /// `assumingUTC` a time without an offset is read as UTC.
    public static func rfc3339(_ bytes: UnsafeRawBufferPointer, assumingUTC: Bool = false) -> Int64? {
        if let millis = Timestamp.parseRFC3339(bytes) { return millis }
        guard assumingUTC, bytes.count <= 64 else { return nil }
        var zoned = Array(bytes)
        zoned.append(UInt8(ascii: "Z"))
        return zoned.withUnsafeBytes { Timestamp.parseRFC3339($0) }
    }

    /// Epoch seconds (below 1e11) or milliseconds to milliseconds, as a JSON `ts` is read.
    public static func epochMillis(_ value: Double) -> Int64? {
        Timestamp.millis(epoch: value)
    }

    /// Rounds to whole milliseconds; nil outside `Int64`.
    public static func millis(_ value: Double) -> Int64? {
        Timestamp.millis(exactly: value)
    }

    /// Whether `bytes` is a valid asset id: `[A-Za-z0-9_.:-]{1,128}`.
    public static func isValidAssetID(_ bytes: UnsafeRawBufferPointer) -> Bool {
        NameRules.isValidAssetID(bytes)
    }

    /// Why `name` cannot be a metric name, nil if it can.
    public static func metricNameProblem(_ name: String) -> String? {
        var name = name
        return name.withUTF8 { NameRules.metricProblem(UnsafeRawBufferPointer($0), count: $0.count) }
    }
}
