/// Conversions of payload timestamps to Unix milliseconds, and the plausibility check every timestamp passes.
enum Timestamp {
    /// Epoch numbers below this are seconds, at or above it milliseconds (1e11 s is the year 5138, 1e11 ms 1973).
    static let secondsThreshold = 1e11

    /// Epoch seconds or milliseconds (see `secondsThreshold`) to milliseconds, rounded to the nearest millisecond.
    static func millis(epoch value: Double) -> Int64? {
        millis(exactly: abs(value) < secondsThreshold ? value * 1000 : value)
    }

    /// Rounds to the nearest integer; nil if not finite or outside `Int64`.
    static func millis(exactly millis: Double) -> Int64? {
        let rounded = millis.rounded()
        guard rounded.isFinite, rounded > -9.2e18, rounded < 9.2e18 else { return nil }
        return Int64(rounded)
    }

    /// Checks a timestamp against the receive time.
    static func check(_ millis: Int64, receivedAt: Int64, limits: DecodeLimits) throws(DecodeFailure) {
        if millis > receivedAt &+ limits.maxFutureSkewMillis {
            let ahead = (millis &- receivedAt) / 1000
            throw DecodeFailure(.futureTimestamp, "timestamp \(millis) is \(ahead) s after the receive time")
        }
        if millis < receivedAt &- limits.maxAgeMillis {
            let age = (receivedAt &- millis) / 1000
            throw DecodeFailure(.tooOld, "timestamp \(millis) is \(age) s before the receive time")
        }
    }

    /// Parses RFC 3339 `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; fractions below a millisecond are truncated.
    ///
    /// A space or lowercase `t` may separate date and time and `z` may stand for `Z` (RFC 3339 §5.6 note).
    /// A time without an offset is rejected: it names no instant. Second 60 (a leap second) is accepted and
    /// counts as the first second of the next minute, as POSIX time does.
    static func parseRFC3339(_ s: UnsafeRawBufferPointer) -> Int64? {
        var i = 0
        func number(_ width: Int) -> Int? {
            guard i + width <= s.count else { return nil }
            var value = 0
            for k in i..<(i + width) {
                guard NumberParser.isDigit(s[k]) else { return nil }
                value = value * 10 + Int(s[k] - 48)
            }
            i += width
            return value
        }
        func literal(_ characters: String) -> Bool {
            guard i < s.count, characters.utf8.contains(s[i]) else { return false }
            i += 1
            return true
        }
        guard let year = number(4), literal("-"), let month = number(2), literal("-"), let day = number(2),
            literal("Tt "), let hour = number(2), literal(":"), let minute = number(2), literal(":"),
            let second = number(2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month),
            hour <= 23, minute <= 59, second <= 60
        else { return nil }

        var millis = 0
        if literal(".") {
            let start = i
            while i < s.count, NumberParser.isDigit(s[i]) {
                if i - start < 3 { millis = millis * 10 + Int(s[i] - 48) }
                i += 1
            }
            let digits = i - start
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 3) { millis *= 10 }
        }

        var offsetMinutes = 0
        if !literal("Zz") {
            guard i < s.count, s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-") else { return nil }
            let sign = s[i] == UInt8(ascii: "-") ? -1 : 1
            i += 1
            guard let offsetHour = number(2), literal(":"), let offsetMinute = number(2),
                offsetHour <= 23, offsetMinute <= 59
            else { return nil }
            offsetMinutes = sign * (offsetHour * 60 + offsetMinute)
        }
        guard i == s.count else { return nil }

        let days = daysSinceEpoch(year: year, month: month, day: day)
        let seconds = ((days * 24 + hour) * 60 + minute - offsetMinutes) * 60 + second
        return Int64(seconds) * 1000 + Int64(millis)
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2:
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
            return leap ? 29 : 28
        case 4, 6, 9, 11:
            return 30
        default:
            return 31
        }
    }
}
