/// How the fields of a delimited text line are separated.
public enum FieldDelimiter: Sendable, Hashable {
    /// One byte, e.g. `,`, `;` or a tab; two delimiters in a row make an empty field.
    case byte(UInt8)
    /// Runs of spaces and tabs; leading and trailing ones are ignored (C-MAPSS, many test-rig exports).
    case whitespace
}

/// The fields of one record of a CSV-like file, split without Foundation and without a per-field allocation.
///
/// Quotes follow RFC 4180: a field that starts with `"` runs to the next lone `"`, `""` inside it is one `"`, and
/// it may contain delimiters and line breaks. Spaces and tabs around an unquoted field are trimmed when the
/// delimiter is a byte other than a space or tab. Field contents are copied, unescaped, into one reused buffer.
public struct DelimitedRecord: Sendable {
    private var storage: [UInt8] = []
    private var ranges: [Range<Int>] = []

    public init() {}

    /// The number of fields.
    public var count: Int { ranges.count }

    /// Splits `line` (without its line break); false if a quoted field is still open at its end, in which case the
    /// caller joins the next line with a `\n` and splits the joined record again.
    public mutating func split(_ line: UnsafeRawBufferPointer, delimiter: FieldDelimiter) -> Bool {
        storage.removeAll(keepingCapacity: true)
        ranges.removeAll(keepingCapacity: true)
        let n = line.count
        var i = 0
        let separator: UInt8
        let trims: Bool
        switch delimiter {
        case .byte(let byte):
            separator = byte
            trims = byte != UInt8(ascii: " ") && byte != UInt8(ascii: "\t")
        case .whitespace:
            separator = UInt8(ascii: " ")
            trims = true
            while i < n, Self.isBlank(line[i]) { i += 1 }
            if i == n { return true }
        }
        while true {
            if trims { while i < n, Self.isBlank(line[i]) { i += 1 } }
            let start = storage.count
            if i < n, line[i] == UInt8(ascii: "\"") {
                i += 1
                var closed = false
                while i < n {
                    let byte = line[i]
                    i += 1
                    if byte == UInt8(ascii: "\"") {
                        if i < n, line[i] == UInt8(ascii: "\"") {
                            storage.append(byte)
                            i += 1
                        } else {
                            closed = true
                            break
                        }
                    } else {
                        storage.append(byte)
                    }
                }
                if !closed { return false }
                // Anything between the closing quote and the delimiter is kept, as most readers do.
                while i < n, !isSeparator(line[i], separator, delimiter) {
                    if !(trims && Self.isBlank(line[i])) { storage.append(line[i]) }
                    i += 1
                }
            } else {
                while i < n, !isSeparator(line[i], separator, delimiter) {
                    storage.append(line[i])
                    i += 1
                }
                if trims {
                    while storage.count > start, Self.isBlank(storage[storage.count - 1]) { storage.removeLast() }
                }
            }
            ranges.append(start..<storage.count)
            guard i < n else { return true }
            // At a separator.
            i += 1
            if delimiter == .whitespace {
                while i < n, Self.isBlank(line[i]) { i += 1 }
                if i == n { return true }
            }
        }
    }

    /// Calls `body` with the bytes of field `index`.
    @inline(__always)
    public func withField<R>(_ index: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let range = ranges[index]
        return try storage.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[range])) }
    }

    /// Whether field `index` is empty.
    public func isEmpty(_ index: Int) -> Bool { ranges[index].isEmpty }

    /// Field `index` as a string (invalid UTF-8 is repaired).
    public func string(_ index: Int) -> String {
        withField(index) { String(decoding: $0, as: UTF8.self) }
    }

    /// Every field as a string.
    public var strings: [String] { (0..<count).map(string) }

    @inline(__always)
    private func isSeparator(_ byte: UInt8, _ separator: UInt8, _ delimiter: FieldDelimiter) -> Bool {
        delimiter == .whitespace ? Self.isBlank(byte) : byte == separator
    }

    @inline(__always)
    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }
}
