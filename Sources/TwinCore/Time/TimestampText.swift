/// RFC 3339 UTC text of Unix milliseconds (`2026-01-31T12:00:00.250Z`) by integer arithmetic: an
/// `ISO8601DateFormatter` costs about 80 µs a call on Linux, which made a one-day raw history (86,400 rows) take
/// seconds.
enum TimestampText {
    static func string(_ millis: Int64) -> String {
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
        guard (0...9_999).contains(year) else { return RFC3339.formatted(millis) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        func append(_ value: Int64, digits: Int) {
            var divisor: Int64 = 1
            for _ in 1..<digits { divisor *= 10 }
            var rest = value
            while divisor > 0 {
                bytes.append(UInt8(48 + rest / divisor))
                rest %= divisor
                divisor /= 10
            }
        }
        append(year, digits: 4)
        bytes.append(45)  // -
        append(month, digits: 2)
        bytes.append(45)
        append(day, digits: 2)
        bytes.append(84)  // T
        append(secondOfDay / 3_600, digits: 2)
        bytes.append(58)  // :
        append(secondOfDay / 60 % 60, digits: 2)
        bytes.append(58)
        append(secondOfDay % 60, digits: 2)
        bytes.append(46)  // .
        append(milli, digits: 3)
        bytes.append(90)  // Z
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> (quotient: Int64, remainder: Int64) {
        let remainder = a % b
        return remainder < 0 ? (a / b - 1, remainder + b) : (a / b, remainder)
    }
}
