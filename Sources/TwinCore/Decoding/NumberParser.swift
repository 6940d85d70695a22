/// Parses decimal numbers from UTF-8 bytes with the same result as `Double(String)`.
///
/// Numbers with at most 19 significant digits and a small decimal exponent take Clinger's exact fast path
/// (one correctly rounded multiplication or division of two exactly representable doubles); every other
/// number is handed to `Double(String)`, so results never differ from it.
enum NumberParser {
    enum Grammar {
        /// RFC 8259: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
        case json
        /// Also a leading `+`, leading zeros, and a bare `.` before or after the digits (`.5`, `5.`).
        case lenient
    }

    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// Parses the number starting at `start`; nil if no number of `grammar` starts there.
    /// `end` is the index after the number: the caller decides whether what follows is allowed.
    static func parse(
        _ bytes: UnsafeRawBufferPointer,
        from start: Int,
        grammar: Grammar
    ) -> (value: Double, end: Int)? {
        var i = start
        let n = bytes.count
        var negative = false
        if i < n, bytes[i] == UInt8(ascii: "-") {
            negative = true
            i += 1
        } else if grammar == .lenient, i < n, bytes[i] == UInt8(ascii: "+") {
            i += 1
        }

        var mantissa: UInt64 = 0
        var significantDigits = 0
        var exponent = 0
        var inexact = false

        let integerStart = i
        while i < n, isDigit(bytes[i]) {
            let d = UInt64(bytes[i] &- 48)
            if mantissa == 0 && d == 0 {
                // leading zero
            } else if significantDigits < 19 {
                mantissa = mantissa &* 10 &+ d
                significantDigits += 1
            } else {
                exponent += 1
                if d != 0 { inexact = true }
            }
            i += 1
        }
        let integerDigits = i - integerStart
        if grammar == .json {
            if integerDigits == 0 { return nil }
            if integerDigits > 1 && bytes[integerStart] == UInt8(ascii: "0") { return nil }
        }

        var fractionDigits = 0
        if i < n, bytes[i] == UInt8(ascii: ".") {
            let fractionStart = i + 1
            var j = fractionStart
            while j < n, isDigit(bytes[j]) {
                let d = UInt64(bytes[j] &- 48)
                if mantissa == 0 && d == 0 {
                    exponent -= 1
                } else if significantDigits < 19 {
                    mantissa = mantissa &* 10 &+ d
                    significantDigits += 1
                    exponent -= 1
                } else if d != 0 {
                    inexact = true
                }
                j += 1
            }
            fractionDigits = j - fractionStart
            if fractionDigits == 0 && (grammar == .json || integerDigits == 0) { return nil }
            i = j
        }
        if integerDigits == 0 && fractionDigits == 0 { return nil }

        if i < n, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            var j = i + 1
            var exponentNegative = false
            if j < n, bytes[j] == UInt8(ascii: "+") || bytes[j] == UInt8(ascii: "-") {
                exponentNegative = bytes[j] == UInt8(ascii: "-")
                j += 1
            }
            let digitsStart = j
            var value = 0
            while j < n, isDigit(bytes[j]) {
                value = min(value * 10 + Int(bytes[j] &- 48), 1_000_000)
                j += 1
            }
            // An `e` without digits ends the number before the `e`; the caller rejects what follows.
            if j > digitsStart {
                exponent += exponentNegative ? -value : value
                i = j
            }
        }

        if mantissa == 0 {
            return (negative ? -0.0 : 0.0, i)
        }
        if !inexact && mantissa <= 1 << 53 && exponent >= -22 && exponent <= 22 {
            let m = Double(mantissa)
            let magnitude = exponent < 0 ? m / powersOfTen[-exponent] : m * powersOfTen[exponent]
            return (negative ? -magnitude : magnitude, i)
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
        guard let value = Double(text) else { return nil }
        return (value, i)
    }

    /// Whether `bytes` spell NaN or infinity the way `Double(String)` accepts them: `[+-]?(nan|inf|infinity)`,
    /// in any case.
    static func isNonFiniteWord(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var word = bytes[...]
        if let first = word.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
            word = word.dropFirst()
        }
        guard word.count == 3 || word.count == 8 else { return false }
        let lowered = word.lazy.map { $0 | 0x20 }
        return lowered.elementsEqual("nan".utf8) || lowered.elementsEqual("inf".utf8)
            || lowered.elementsEqual("infinity".utf8)
    }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool {
        byte &- 48 < 10
    }
}
