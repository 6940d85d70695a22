/// What makes a valid asset id and a valid metric (or property) name.
enum NameRules {
    static let maxMetricBytes = 128
    static let maxAssetBytes = 128

    /// Why `bytes` is not a valid metric name, nil if it is. `count` is the full length, which may exceed
    /// `bytes.count` (see `NameBuffer`).
    ///
    /// A metric name is 1 to 128 bytes of UTF-8 without '/' and without C0 or C1 control characters.
    static func metricProblem(_ bytes: UnsafeRawBufferPointer, count: Int) -> String? {
        if count == 0 {
            return "empty metric name"
        }
        if count > maxMetricBytes {
            return "metric name \(DecodeFailure.quote(bytes: bytes, limit: 32)) is longer than \(maxMetricBytes) bytes"
        }
        var previous: UInt8 = 0
        for byte in bytes {
            // C1 controls U+0080...U+009F are encoded as 0xC2 0x80...0x9F.
            if byte < 0x20 || byte == 0x7F || (previous == 0xC2 && byte >= 0x80 && byte <= 0x9F) {
                return "metric name \(DecodeFailure.quote(bytes: bytes, limit: 32)) contains a control character"
            }
            if byte == UInt8(ascii: "/") {
                return "metric name \(DecodeFailure.quote(bytes: bytes, limit: 32)) contains '/'"
            }
            previous = byte
        }
        return nil
    }

    /// Whether `bytes` match `[A-Za-z0-9_.:-]{1,128}`.
    static func isValidAssetID(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard !bytes.isEmpty, bytes.count <= maxAssetBytes else { return false }
        for byte in bytes where !isAssetByte(byte) {
            return false
        }
        return true
    }

    @inline(__always)
    static func isAssetByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: ":"),
            UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    static func isAssetCharacter(_ character: Character) -> Bool {
        character.utf8.count == 1 && isAssetByte(character.utf8.first!)
    }
}
