/// RFC 3339 UTC text of Unix milliseconds (`2026-01-31T12:00:00.250Z`) by integer arithmetic: an
/// `ISO8601DateFormatter` costs about 80 µs a call on Linux, which made a one-day raw history (86,400 rows) take
/// seconds.
public enum TimestampText {
    static func string(_ millis: Int64) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        append(millis, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the text of `millis` to `bytes` (what ``RFC3339/string(_:)`` returns), for output of many rows.
    public static func append(_ millis: Int64, to bytes: inout [UInt8]) {
        let (seconds, milli) = floorDivide(millis, 1_000)
        let (days, secondOfDay) = floorDivide(seconds, 86_400)
        // Civil date from days since 1970-01-01 (H. Hinnant, "chrono-compatible low-level date algorithms").
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        guard (0...9_999).contains(year) else {
            bytes.append(contentsOf: RFC3339.formatted(millis).utf8)
            return
        }
        // YYYY-MM-DDTHH:MM:SS.mmmZ, 24 bytes, written in place.
        var text: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &text) { out in
            func put(_ value: Int64, at offset: Int, digits: Int) {
                var rest = value
                for index in stride(from: offset + digits - 1, through: offset, by: -1) {
                    out[index] = UInt8(truncatingIfNeeded: rest % 10) &+ 48
                    rest /= 10
                }
            }
            put(year, at: 0, digits: 4)
            out[4] = 45  // -
            put(month, at: 5, digits: 2)
            out[7] = 45
            put(day, at: 8, digits: 2)
            out[10] = 84  // T
            put(secondOfDay / 3_600, at: 11, digits: 2)
            out[13] = 58  // :
            put(secondOfDay / 60 % 60, at: 14, digits: 2)
            out[16] = 58
            put(secondOfDay % 60, at: 17, digits: 2)
            out[19] = 46  // .
            put(milli, at: 20, digits: 3)
            out[23] = 90  // Z
            bytes.append(contentsOf: UnsafeRawBufferPointer(out))
        }
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> (quotient: Int64, remainder: Int64) {
        let remainder = a % b
        return remainder < 0 ? (a / b - 1, remainder + b) : (a / b, remainder)
    }
}
