/// A strict RFC 8259 tokenizer over UTF-8 bytes that have already been validated.
///
/// Syntax errors throw `invalidJSON`; nesting deeper than `maxDepth` throws `invalidPayload`.
struct JSONReader {
    static let maxDepth = 32

    let bytes: UnsafeRawBufferPointer
    private(set) var position = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// The next non-whitespace byte without consuming it; nil at the end.
    mutating func peek() -> UInt8? {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D:
                position += 1
            default:
                return bytes[position]
            }
        }
        return nil
    }

    /// Consumes `byte` if it is next.
    mutating func consume(_ byte: UInt8) -> Bool {
        guard peek() == byte else { return false }
        position += 1
        return true
    }

    mutating func expect(_ byte: UInt8) throws(DecodeFailure) {
        guard consume(byte) else { throw syntaxError("expected '\(Character(Unicode.Scalar(byte)))'") }
    }

    /// Throws unless only whitespace is left.
    mutating func expectEnd() throws(DecodeFailure) {
        guard peek() == nil else { throw syntaxError("unexpected text after the JSON value") }
    }

    func syntaxError(_ problem: String) -> DecodeFailure {
        if position >= bytes.count {
            return DecodeFailure(.invalidJSON, "\(problem) at the end of the payload")
        }
        return DecodeFailure(.invalidJSON, "\(problem) at byte \(position)")
    }

    /// Reads a string; the next non-whitespace byte must be its opening quote.
    mutating func readString() throws(DecodeFailure) -> JSONString {
        try expect(UInt8(ascii: "\""))
        let start = position
        var hasEscapes = false
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<position])
                position += 1
                return hasEscapes ? .decoded(try unescape(raw, at: start)) : .raw(raw)
            }
            if byte == UInt8(ascii: "\\") {
                hasEscapes = true
                position += 2
                continue
            }
            if byte < 0x20 {
                throw syntaxError("control character in a string")
            }
            position += 1
        }
        throw syntaxError("unterminated string")
    }

    /// Reads a number; non-finite results (`1e999`) are returned as such.
    mutating func readNumber() throws(DecodeFailure) -> Double {
        _ = peek()
        guard let (value, end) = NumberParser.parse(bytes, from: position, grammar: .json) else {
            throw syntaxError("invalid number")
        }
        position = end
        return value
    }

    /// Reads `true`, `false` or `null`; nil stands for `null`.
    mutating func readLiteral() throws(DecodeFailure) -> Bool? {
        _ = peek()
        if hasPrefix("true") {
            position += 4
            return true
        }
        if hasPrefix("false") {
            position += 5
            return false
        }
        if hasPrefix("null") {
            position += 4
            return nil
        }
        throw syntaxError("invalid literal")
    }

    private func hasPrefix(_ word: StaticString) -> Bool {
        guard bytes.count - position >= word.utf8CodeUnitCount else { return false }
        for k in 0..<word.utf8CodeUnitCount where bytes[position + k] != word.utf8Start[k] {
            return false
        }
        return true
    }

    /// Reads and discards one value of any kind, checking its syntax.
    mutating func skipValue(depth: Int) throws(DecodeFailure) {
        switch peek() {
        case UInt8(ascii: "{"):
            guard depth < Self.maxDepth else { throw Self.tooDeep() }
            position += 1
            if consume(UInt8(ascii: "}")) { return }
            repeat {
                _ = try readString()
                try expect(UInt8(ascii: ":"))
                try skipValue(depth: depth + 1)
            } while consume(UInt8(ascii: ","))
            try expect(UInt8(ascii: "}"))
        case UInt8(ascii: "["):
            guard depth < Self.maxDepth else { throw Self.tooDeep() }
            position += 1
            if consume(UInt8(ascii: "]")) { return }
            repeat {
                try skipValue(depth: depth + 1)
            } while consume(UInt8(ascii: ","))
            try expect(UInt8(ascii: "]"))
        case UInt8(ascii: "\""):
            _ = try readString()
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            _ = try readLiteral()
        case .some:
            _ = try readNumber()
        case nil:
            throw syntaxError("expected a value")
        }
    }

    static func tooDeep() -> DecodeFailure {
        DecodeFailure(.invalidPayload, "JSON nested deeper than \(maxDepth) levels")
    }

    /// Decodes the escapes of a string body that starts at byte `offset`.
    private func unescape(_ raw: UnsafeRawBufferPointer, at offset: Int) throws(DecodeFailure) -> [UInt8] {
        func fail(_ problem: String, _ index: Int) -> DecodeFailure {
            DecodeFailure(.invalidJSON, "\(problem) at byte \(offset + index)")
        }
        func hex4(_ index: Int) throws(DecodeFailure) -> UInt32 {
            guard index + 4 <= raw.count else { throw fail("truncated \\u escape", index) }
            var value: UInt32 = 0
            for k in index..<(index + 4) {
                let byte = raw[k]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw fail("invalid \\u escape", index)
                }
                value = value << 4 | UInt32(digit)
            }
            return value
        }
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = 0
        while i < raw.count {
            let byte = raw[i]
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                i += 1
                continue
            }
            guard i + 1 < raw.count else { throw fail("unterminated escape", i) }
            i += 2
            switch raw[i - 1] {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(raw[i - 1])
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4(i)
                i += 4
                if scalar >= 0xDC00 && scalar <= 0xDFFF {
                    throw fail("unpaired low surrogate", i - 6)
                }
                if scalar >= 0xD800 && scalar <= 0xDBFF {
                    guard i + 2 <= raw.count, raw[i] == UInt8(ascii: "\\"), raw[i + 1] == UInt8(ascii: "u") else {
                        throw fail("unpaired high surrogate", i - 6)
                    }
                    let low = try hex4(i + 2)
                    guard low >= 0xDC00 && low <= 0xDFFF else { throw fail("unpaired high surrogate", i - 6) }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                }
                UTF8.encode(Unicode.Scalar(scalar)!) { out.append($0) }
            default:
                throw fail("invalid escape", i - 2)
            }
        }
        return out
    }
}

/// A JSON string: the payload's own bytes when it has no escapes, decoded bytes otherwise.
enum JSONString {
    case raw(UnsafeRawBufferPointer)
    case decoded([UInt8])

    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws(DecodeFailure) -> R) throws(DecodeFailure) -> R {
        switch self {
        case .raw(let bytes):
            return try body(bytes)
        case .decoded(let bytes):
            let result = bytes.withUnsafeBytes { buffer in
                Result { () throws(DecodeFailure) -> R in try body(buffer) }
            }
            return try result.get()
        }
    }

    func makeString() -> String {
        switch self {
        case .raw(let bytes):
            return String(decoding: bytes, as: UTF8.self)
        case .decoded(let bytes):
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    func equals(_ word: StaticString) -> Bool {
        switch self {
        case .raw(let bytes):
            return Self.equal(bytes, word)
        case .decoded(let bytes):
            return bytes.withUnsafeBytes { Self.equal($0, word) }
        }
    }

    var last: UInt8? {
        switch self {
        case .raw(let bytes):
            return bytes.last
        case .decoded(let bytes):
            return bytes.last
        }
    }

    private static func equal(_ bytes: UnsafeRawBufferPointer, _ word: StaticString) -> Bool {
        guard bytes.count == word.utf8CodeUnitCount else { return false }
        for k in 0..<bytes.count where bytes[k] != word.utf8Start[k] {
            return false
        }
        return true
    }
}
