/// A comma-separated list of column names as typed on the command line, with ranges: `s1..s21` or `s1..21` is
/// `s1,s2,…,s21`.
public enum ColumnList {
    public static func expand(_ text: String) throws(ImportError) -> [String] {
        var names: [String] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let item = part.trimmingBlanks()
            guard !item.isEmpty else {
                throw ImportError("'\(text)' has an empty name: separate names with single commas, e.g. a,b,c")
            }
            if let range = item.range(of: "..") {
                names += try expandRange(String(item[..<range.lowerBound]), String(item[range.upperBound...]))
            } else {
                names.append(item)
            }
        }
        return names
    }

    private static func expandRange(_ first: String, _ last: String) throws(ImportError) -> [String] {
        let (prefix, from) = splitNumber(first)
        let (lastPrefix, to) = splitNumber(last)
        guard let from, let to, lastPrefix.isEmpty || lastPrefix == prefix, from <= to, to - from < 10_000 else {
            throw ImportError("'\(first)..\(last)' is not a range: write NAME1..NAME9 or NAME1..9, e.g. s1..s21")
        }
        return (from...to).map { prefix + String($0) }
    }

    /// `s21` → ("s", 21).
    private static func splitNumber(_ text: String) -> (String, Int?) {
        let digits = text.reversed().prefix(while: \.isASCIIDigit).count
        guard digits > 0 else { return (text, nil) }
        return (String(text.dropLast(digits)), Int(text.suffix(digits)))
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

extension StringProtocol {
    func trimmingBlanks() -> String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
