import Foundation

/// A point in time as a user types it: RFC 3339 (`2026-11-25T10:00:00Z`), Unix ms (`1764064800000`),
/// `now`, or relative to now (`-1h`, `-15m`, `+30s`).
public enum TimeExpression {
    /// Unix ms, or nil when `text` is none of the accepted forms.
    public static func parse(_ text: String, now: Int64) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed == "now" { return now }
        if let first = trimmed.first, first == "-" || first == "+" {
            if let millis = DurationText.milliseconds(String(trimmed.dropFirst())) {
                return first == "-" ? now - millis : now + millis
            }
        }
        if let millis = Int64(trimmed), trimmed.count >= 10 { return millis }
        return RFC3339.milliseconds(trimmed)
    }

    public static let help = "RFC 3339 (2026-11-25T10:00:00Z), Unix milliseconds, 'now', or relative like -1h, -15m, -7d"
}

/// RFC 3339 timestamps to and from Unix milliseconds.
public enum RFC3339 {
    public static func milliseconds(_ text: String) -> Int64? {
        for formatter in parsers {
            if let date = formatter.date(from: text) { return Int64((date.timeIntervalSince1970 * 1_000).rounded()) }
        }
        return nil
    }

    /// `2026-01-31T12:00:00.250Z`.
    public static func string(_ millis: Int64) -> String {
        TimestampText.string(millis)
    }

    /// The same text through Foundation's formatter, for years outside 0...9999 (and as the tests' reference).
    public static func formatted(_ millis: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(millis) / 1_000))
    }

    private static var parsers: [ISO8601DateFormatter] {
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return [plain, fractional]
    }
}
