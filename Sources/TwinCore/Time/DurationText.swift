/// Durations written the way people write them in configs and on the command line: `250ms`, `30s`, `5m`, `1h`, `30d`, `1w`.
public enum DurationText {
    /// Milliseconds in `text`, or nil when it is not a number followed by one of ms, s, m, h, d, w.
    public static func milliseconds(_ text: String) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Double)] = [("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000),
                                         ("w", 604_800_000)]
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            let number = trimmed.dropLast(suffix.count)
            // "5ms" also ends in "s": only accept when what is left is a plain number.
            guard let value = Double(number), value.isFinite, value >= 0 else { continue }
            let millis = value * factor
            guard millis < Double(Int64.max) else { return nil }
            return Int64(millis.rounded())
        }
        return nil
    }

    /// The shortest exact text for `millis`: 300000 -> "5m".
    public static func format(_ millis: Int64) -> String {
        for (suffix, factor) in [("w", 604_800_000), ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000)]
        where millis != 0 && millis % Int64(factor) == 0 {
            return "\(millis / Int64(factor))\(suffix)"
        }
        return "\(millis)ms"
    }
}
