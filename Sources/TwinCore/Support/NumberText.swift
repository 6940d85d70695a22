/// Numbers as text appended straight to a byte buffer, for output that writes hundreds of thousands of values
/// (`twind query history`): no `String` per value.
public enum NumberText {
    /// Decimal digits of `value`, as `String(value)` writes them.
    public static func append(_ value: Int64, to bytes: inout [UInt8]) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        appendDigits(value.magnitude, width: 1, to: &bytes)
    }

    /// The shortest text that reads back as `value`, as Swift's `description` writes it, except that whole numbers
    /// below 10^15 in magnitude are written without ".0" (`-0.0` as `0`).
    ///
    /// Values of at most 15 significant digits from 0.0001 up (sensor readings) take an integer path; the rest
    /// (17-digit values, exponents, NaN and infinities) go through string interpolation.
    public static func appendShortest(_ value: Double, to bytes: inout [UInt8]) {
        let magnitude = value.magnitude
        if magnitude < 1e15 {
            if value == value.rounded(.towardZero) {
                append(Int64(value), to: &bytes)
                return
            }
            if magnitude >= 1e-4, let (scaled, decimals) = shortestDecimal(magnitude) {
                if value < 0 { bytes.append(UInt8(ascii: "-")) }
                let power = power(of: decimals)
                appendDigits(scaled / power, width: 1, to: &bytes)
                bytes.append(UInt8(ascii: "."))
                appendDigits(scaled % power, width: decimals, to: &bytes)
                return
            }
        }
        bytes.append(contentsOf: "\(value)".utf8)  // as the output wrote it before (NaN payloads included)
    }

    /// The fewest `decimals` (1...15) and the integer `scaled` such that `scaled / 10^decimals`, a decimal of at
    /// most 15 significant digits, reads back as `magnitude`; nil when there is none.
    ///
    /// Two decimals of at most 15 significant digits lie further apart than neighbouring Doubles, so at most one
    /// reads back as `magnitude`: the one Swift's shortest-digits algorithm writes. `scaled` and `10^decimals` are
    /// exact Doubles, so their quotient is correctly rounded, and equals `magnitude` exactly when parsing the text
    /// of the decimal gives `magnitude`.
    static func shortestDecimal(_ magnitude: Double) -> (scaled: UInt64, decimals: Int)? {
        var power = 1.0
        for decimals in 1...15 {
            power *= 10  // exact up to 10^22
            let scaled = (magnitude * power).rounded()
            if scaled >= 1e15 { return nil }
            if scaled / power == magnitude { return (UInt64(scaled), decimals) }
        }
        return nil
    }

    /// Digits of `value`, left-padded with zeros to `width` (at most 20).
    @inline(__always)
    static func appendDigits(_ value: UInt64, width: Int, to bytes: inout [UInt8]) {
        var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &scratch) { digits in
            var start = digits.count
            var rest = value
            repeat {
                start -= 1
                digits[start] = UInt8(truncatingIfNeeded: rest % 10) &+ UInt8(ascii: "0")
                rest /= 10
            } while rest > 0
            while digits.count - start < width {
                start -= 1
                digits[start] = UInt8(ascii: "0")
            }
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: digits[start...]))
        }
    }

    private static func power(of ten: Int) -> UInt64 {
        var result: UInt64 = 1
        for _ in 0..<ten { result &*= 10 }
        return result
    }
}
