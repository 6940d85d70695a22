import Foundation
import TwinCore
import TwinStore

/// Streams rows from a ``LineReader`` into a ``TwinStore`` in batches, quarantining bad rows.
///
/// Readings are idempotent on (asset, metric, time) and a bad row is quarantined only once per source and line,
/// so importing the same file again adds nothing.
public final class Importer {
    /// The most lines one quoted field may span.
    static let maxRecordLines = 100
    private let store: TwinStore
    private let options: ImportOptions
    /// Called after every committed batch.
    public var onProgress: ((ImportProgress) -> Void)?
    /// Called with the line number of every bad row (before `--strict` stops the import).
    public var onBadRow: ((Int, RowProblem) -> Void)?

    private var summary = ImportSummary()
    private var readings: [Reading] = []
    private var quarantine: [QuarantineEntry] = []
    private var knownQuarantine: Set<QuarantineKey> = []
    private var assets: Set<String> = []
    private var lastAsset = ""
    private var lastTimes: [String: Int64] = [:]
    private var csv: CSVRowMapper?
    private var jsonl: JSONLRowMapper?
    private var columns: [String]?
    private var record = DelimitedRecord()
    private var openRecord: (bytes: [UInt8], line: Int)?
    private var delimiter: FieldDelimiter?
    /// Called once the columns are mapped, before the first row is stored.
    public var onMapping: ((CSVRowMapper, FieldDelimiter) -> Void)?

    public init(store: TwinStore, options: ImportOptions) throws {
        self.store = store
        self.options = options
        delimiter = options.delimiter
        readings.reserveCapacity(options.batchReadings + 1_000)
        if options.format == .jsonl { jsonl = try JSONLRowMapper(mapping: options.mapping) }
        let reader = try TwinStoreReader(path: store.path)
        let prefix = "import:\(options.source):"
        for entry in try reader.quarantine(limit: 100_000) where entry.topic.hasPrefix(prefix) {
            knownQuarantine.insert(QuarantineKey(topic: entry.topic, reason: entry.reason, payload: entry.payload))
        }
    }

    public func run(_ input: LineReader) throws -> ImportSummary {
        let started = ContinuousClock.now
        try input.forEachLine { line, number in
            var line = line
            if number == 1, line.starts(with: [0xEF, 0xBB, 0xBF]) {
                line = UnsafeRawBufferPointer(rebasing: line[3...])   // the byte order mark spreadsheets write
            }
            if let open = openRecord {
                let joined = open.bytes + [UInt8(ascii: "\n")] + Array(line)
                if number - open.line >= Self.maxRecordLines {
                    // A stray quote: refuse the lines it swallowed as one row rather than read on to the end.
                    openRecord = nil
                    summary.rows += 1
                    try joined.withUnsafeBytes { bytes in
                        try reject(bytes, line: open.line, RowProblem(
                            RowProblem.unterminatedQuote,
                            "a quoted field is not closed within \(Self.maxRecordLines) lines (lines \(open.line)-\(number))"))
                    }
                    return
                }
                openRecord = (joined, open.line)
                try joined.withUnsafeBytes { try take($0, line: open.line, reader: input) }
            } else if !line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) {
                try take(line, line: number, reader: input)
            }
        }
        if let open = openRecord {
            summary.rows += 1
            try open.bytes.withUnsafeBytes { bytes in
                try reject(bytes, line: open.line, RowProblem(RowProblem.unterminatedQuote,
                                                                "a quoted field is not closed before the end of the input"))
            }
        }
        try flush(input)
        try recordFailures()
        // Readings already in the series-ordered table are only found to be duplicates when merged: merge the rest
        // now, so the counts are exact. (Rows another writer left unmerged count here too; they are rare.)
        summary.inserted -= try store.mergeRecent().duplicatesIgnored
        try store.checkpoint()
        summary.assets = assets.count
        summary.seconds = (ContinuousClock.now - started).seconds
        if let csv {
            summary.metrics = csv.metrics.map(\.name)
            summary.ignoredColumns = csv.ignored
        }
        return summary
    }

    /// Handles one complete or partial record starting at `line`.
    private func take(_ bytes: UnsafeRawBufferPointer, line: Int, reader: LineReader) throws {
        let mark = readings.count
        let problem: RowProblem?
        if options.format == .jsonl {
            summary.rows += 1
            problem = jsonl!.map(bytes, into: &readings)
        } else {
            if delimiter == nil { delimiter = FieldDelimiter.guess(bytes) }
            guard record.split(bytes, delimiter: delimiter!) else {
                if openRecord == nil { openRecord = (Array(bytes), line) }
                return
            }
            openRecord = nil
            if columns == nil {
                if try startColumns() { return }
            }
            summary.rows += 1
            if csv == nil {
                csv = try CSVRowMapper(mapping: options.mapping, columns: columns ?? [], firstRow: record)
                onMapping?(csv!, delimiter!)
            }
            problem = csv!.map(record, into: &readings)
        }
        if let problem {
            try reject(bytes, line: line, problem)
        } else if readings.count > mark {
            note(readings[mark])
            summary.readings += readings.count - mark
        }
        if readings.count >= options.batchReadings || quarantine.count >= 1_000 {
            try flush(reader)
        }
    }

    /// Takes the column names from the header line just split, or from the options; true if the record was the
    /// header.
    private func startColumns() throws -> Bool {
        if options.header {
            let names = record.strings
            if let given = options.columns, given.count != names.count {
                throw ImportError("--columns names \(given.count) columns but the header has \(names.count): "
                                  + CSVRowMapper.list(names))
            }
            columns = options.columns ?? names
            return true
        }
        columns = options.columns ?? (1...max(record.count, 1)).map { "col\($0)" }
        return false
    }

    private func note(_ reading: Reading) {
        if reading.asset != lastAsset {
            assets.insert(reading.asset)
            lastAsset = reading.asset
        }
        summary.firstTimestamp = min(summary.firstTimestamp ?? .max, reading.timestamp)
        summary.lastTimestamp = max(summary.lastTimestamp ?? .min, reading.timestamp)
        if options.failureAtEnd {
            lastTimes[reading.asset] = max(lastTimes[reading.asset] ?? .min, reading.timestamp)
        }
    }

    private func reject(_ bytes: UnsafeRawBufferPointer, line: Int, _ problem: RowProblem) throws {
        summary.rejected += 1
        onBadRow?(line, problem)
        if options.strict {
            throw ImportError("line \(line): \(problem.detail) (\(problem.reason)). --strict stops at the first bad "
                              + "row: the rows before it that were committed stay, and importing again after the "
                              + "fix stores each reading once.")
        }
        let key = QuarantineKey(topic: "import:\(options.source):\(line)", reason: problem.reason,
                                payload: Array(bytes.prefix(65_536)))
        guard knownQuarantine.insert(key).inserted else {
            summary.alreadyQuarantined += 1
            return
        }
        let now = Int64(Date().timeIntervalSince1970 * 1_000)
        quarantine.append(QuarantineEntry(receivedAt: now, topic: key.topic, reason: key.reason, payload: key.payload))
    }

    private func flush(_ reader: LineReader) throws {
        guard !readings.isEmpty || !quarantine.isEmpty else { return }
        let result = try store.commit(IngestBatch(readings: readings, quarantine: quarantine))
        summary.inserted += result.readingsInserted
        readings.removeAll(keepingCapacity: true)
        quarantine.removeAll(keepingCapacity: true)
        if let merge = try store.mergeRecentIfNeeded() { summary.inserted -= merge.duplicatesIgnored }
        onProgress?(ImportProgress(rows: summary.rows, bytesRead: reader.bytesConsumed,
                                   readingsInserted: summary.inserted, rejected: summary.rejected))
    }

    /// A `failure` at each asset's last time, unless one is already recorded there.
    private func recordFailures() throws {
        guard options.failureAtEnd, !lastTimes.isEmpty else { return }
        let reader = try TwinStoreReader(path: store.path)
        var batch = IngestBatch()
        for (asset, last) in lastTimes.sorted(by: { $0.key < $1.key }) {
            let recorded = try reader.maintenance(asset: asset, limit: nil)
            if recorded.contains(where: { $0.kind == .failure && $0.timestamp == last }) { continue }
            batch.maintenance.append(MaintenanceEvent(asset: asset, kind: .failure, timestamp: last,
                                                      note: "end of run in \(options.source)"))
        }
        summary.failuresRecorded = batch.maintenance.count
        try store.commit(batch)
    }
}

private struct QuarantineKey: Hashable {
    var topic: String
    var reason: String
    var payload: [UInt8]
}

extension Duration {
    fileprivate var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
