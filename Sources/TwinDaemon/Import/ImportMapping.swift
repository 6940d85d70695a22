import TwinCore

/// Which fields of a row are the asset, the time and the metrics, and how to read them.
public struct ImportMapping: Sendable {
    /// The column (or JSON key) holding the asset id: a name, or a 1-based column number.
    public var assetColumn: String?
    /// The asset of every row, for a file of one asset.
    public var asset: String?
    /// Put before every asset id taken from the file (`engine-` turns `7` into `engine-7`).
    public var assetPrefix: String = ""
    /// Zero-pad asset ids that are whole numbers to this many digits (3 turns `7` into `007`).
    public var assetDigits: Int = 0
    /// The column (or JSON key) holding the time: a name or a 1-based column number.
    public var timeColumn: String?
    public var time = ImportTimeReader()
    /// The metric columns; nil: every other column that holds numbers.
    public var metrics: [String]?
    /// Texts that mean "no value" (compared case-insensitively); an empty field always does.
    public var missing: Set<String> = ["na", "n/a", "null", "none", "-"]

    public init() {}

    /// Whether `bytes` (already trimmed) stand for a missing value.
    func isMissing(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if bytes.isEmpty { return true }
        guard bytes.count <= 8 else { return false }
        return missing.contains(String(decoding: bytes, as: UTF8.self).lowercased())
    }
}

/// Builds asset ids from raw field bytes (prefix, zero padding, validation) and remembers the last one, since the
/// rows of one asset usually follow each other.
struct AssetNamer {
    let prefix: String
    let digits: Int
    private var lastRaw: [UInt8] = []
    private var lastName: String?

    init(prefix: String, digits: Int) {
        self.prefix = prefix
        self.digits = digits
    }

    mutating func name(_ bytes: UnsafeRawBufferPointer) -> Result<String, RowProblem> {
        if let lastName, bytes.elementsEqual(lastRaw) { return .success(lastName) }
        guard !bytes.isEmpty else {
            return .failure(RowProblem(RowProblem.missingAsset, "the asset field is empty"))
        }
        var text = String(decoding: bytes, as: UTF8.self)
        if digits > 0, text.utf8.allSatisfy({ $0 &- 48 < 10 }), text.utf8.count < digits {
            text = String(repeating: "0", count: digits - text.utf8.count) + text
        }
        var name = prefix + text
        let valid = name.withUTF8 { ImportValue.isValidAssetID(UnsafeRawBufferPointer($0)) }
        guard valid else {
            return .failure(RowProblem(QuarantineReason.invalidAssetID.rawValue,
                                       "asset '\(name.prefix(40))' is not an asset id: use [A-Za-z0-9_.:-], 1 to 128"))
        }
        lastRaw = Array(bytes)
        lastName = name
        return .success(name)
    }
}
