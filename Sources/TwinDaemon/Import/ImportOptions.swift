import TwinCore

/// Everything an import needs to know besides the input itself.
public struct ImportOptions: Sendable {
    public enum Format: String, CaseIterable, Sendable {
        case csv, jsonl
    }

    public var format: Format = .csv
    /// nil: guessed from the first line (`,`, then `;`, then a tab, else runs of spaces).
    public var delimiter: FieldDelimiter?
    /// Whether the first line names the columns.
    public var header = true
    /// Column names: for a file without a header line, or to rename the header's columns.
    public var columns: [String]?
    public var mapping = ImportMapping()
    /// Names the input in quarantine entries (`import:<source>:<line>`).
    public var source = "stdin"
    /// Stop at the first bad row instead of quarantining it.
    public var strict = false
    /// Record a `failure` maintenance event at every asset's last time (run-to-failure data sets).
    public var failureAtEnd = false
    /// Readings per transaction.
    public var batchReadings = 20_000

    public init() {}
}

/// How far an import has come.
public struct ImportProgress: Sendable {
    public var rows: Int
    public var bytesRead: Int64
    public var readingsInserted: Int
    public var rejected: Int
}

/// What an import did.
public struct ImportSummary: Sendable {
    /// Data rows (or JSONL lines) read, bad ones included; blank lines are not rows.
    public var rows = 0
    /// Readings found in the good rows.
    public var readings = 0
    /// Readings that were not stored before.
    public var inserted = 0
    /// Rows refused (each one quarantined, unless an earlier import already quarantined it).
    public var rejected = 0
    /// Rejected rows that an earlier import of the same source had already quarantined.
    public var alreadyQuarantined = 0
    public var assets = 0
    public var firstTimestamp: Int64?
    public var lastTimestamp: Int64?
    public var metrics: [String] = []
    /// Columns that were not imported.
    public var ignoredColumns: [String] = []
    public var failuresRecorded = 0
    public var seconds = 0.0

    /// Readings that were already stored (by an earlier import, live ingest, or earlier in this file).
    public var duplicates: Int { readings - inserted }
}

extension FieldDelimiter {
    /// The delimiter a first line most likely uses.
    public static func guess(_ line: UnsafeRawBufferPointer) -> FieldDelimiter {
        for candidate in [",", ";", "\t"].map({ UInt8(ascii: Unicode.Scalar($0)!) }) where line.contains(candidate) {
            return .byte(candidate)
        }
        return .whitespace
    }

    public var name: String {
        switch self {
        case .whitespace: "whitespace"
        case .byte(UInt8(ascii: "\t")): "tab"
        case .byte(let byte): "'\(Character(Unicode.Scalar(byte)))'"
        }
    }
}
