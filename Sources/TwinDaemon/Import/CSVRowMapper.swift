import TwinCore

/// Maps the fields of one CSV row to readings, following an ``ImportMapping`` resolved against the file's columns.
public struct CSVRowMapper: Sendable {
    public let columns: [String]
    public let assetIndex: Int?
    public let fixedAsset: String?
    public let timeIndex: Int
    /// The metric columns, in file order.
    public let metrics: [(index: Int, name: String)]
    /// Columns that are neither asset, time nor metric (without --metrics: they held text in the first row).
    public let ignored: [String]
    private let mapping: ImportMapping
    private var namer: AssetNamer

    /// Resolves the mapping; `firstRow` (the first data row) decides which columns hold numbers when the metrics
    /// are not listed.
    public init(mapping: ImportMapping, columns: [String], firstRow: DelimitedRecord?) throws(ImportError) {
        self.columns = columns
        self.mapping = mapping
        namer = AssetNamer(prefix: mapping.assetPrefix, digits: mapping.assetDigits)
        if let asset = mapping.asset {
            fixedAsset = asset
            assetIndex = nil
        } else {
            fixedAsset = nil
            guard let name = mapping.assetColumn ?? Self.guess(["asset", "asset_id", "device", "id", "unit"], in: columns)
            else {
                throw ImportError("which column is the asset? Add --asset-column NAME (the columns are "
                                  + "\(Self.list(columns))), or --asset NAME if the whole file is one asset")
            }
            assetIndex = try Self.index(of: name, in: columns, option: "--asset-column")
        }
        guard let timeName = mapping.timeColumn
            ?? Self.guess(["ts", "time", "timestamp", "datetime", "date"], in: columns)
        else {
            throw ImportError("which column is the time? Add --time-column NAME (the columns are \(Self.list(columns)))")
        }
        timeIndex = try Self.index(of: timeName, in: columns, option: "--time-column")
        if timeIndex == assetIndex {
            throw ImportError("--time-column and --asset-column name the same column '\(columns[timeIndex])'")
        }
        var metrics: [(Int, String)] = []
        var ignored: [String] = []
        if let listed = mapping.metrics {
            for name in listed {
                let index = try Self.index(of: name, in: columns, option: "--metrics")
                guard index != timeIndex, index != assetIndex else {
                    throw ImportError("--metrics lists '\(name)', which is the asset or time column")
                }
                metrics.append((index, columns[index]))
            }
            let used = Set(metrics.map(\.0) + [timeIndex] + (assetIndex.map { [$0] } ?? []))
            ignored = columns.indices.filter { !used.contains($0) }.map { columns[$0] }
        } else {
            for (index, name) in columns.enumerated() where index != timeIndex && index != assetIndex {
                var numeric = true
                if let firstRow, index < firstRow.count {
                    numeric = firstRow.withField(index) { bytes in
                        if mapping.isMissing(bytes) { return true }
                        if case .invalid = ImportValue.number(bytes) { return false }
                        return true
                    }
                }
                if numeric && !name.isEmpty { metrics.append((index, name)) } else { ignored.append(name) }
            }
        }
        for (_, name) in metrics {
            if let problem = ImportValue.metricNameProblem(name) {
                throw ImportError("column '\(name)' cannot be a metric: \(problem); rename it with --columns")
            }
        }
        self.metrics = metrics
        self.ignored = ignored
    }

    /// Appends the row's readings to `readings`, or returns why the row is refused (then nothing is appended).
    public mutating func map(_ record: DelimitedRecord, into readings: inout [Reading]) -> RowProblem? {
        guard record.count == columns.count else {
            return RowProblem(RowProblem.wrongFieldCount,
                              "\(record.count) fields where the header has \(columns.count)")
        }
        let asset: String
        if let fixedAsset {
            asset = fixedAsset
        } else {
            switch record.withField(assetIndex ?? 0, { namer.name($0) }) {
            case .success(let name): asset = name
            case .failure(let problem): return problem
            }
        }
        let time = record.withField(timeIndex) { bytes -> Result<Int64, RowProblem> in
            if bytes.isEmpty { return .failure(RowProblem(RowProblem.missingTime, "the time field is empty")) }
            return mapping.time.millis(field: bytes)
        }
        let timestamp: Int64
        switch time {
        case .success(let millis): timestamp = millis
        case .failure(let problem): return problem
        }
        let mark = readings.count
        for (index, name) in metrics {
            let problem = record.withField(index) { bytes -> RowProblem? in
                switch ImportValue.number(bytes) {
                case .finite(let value):
                    readings.append(Reading(asset: asset, metric: name, timestamp: timestamp, value: value))
                    return nil
                case .nonFinite:
                    return RowProblem(QuarantineReason.nonFinite.rawValue, "\(name) is \(quote(bytes))")
                case .invalid:
                    if mapping.isMissing(bytes) { return nil }
                    return RowProblem(RowProblem.invalidNumber, "\(name) is \(quote(bytes)), not a number")
                }
            }
            if let problem {
                readings.removeSubrange(mark...)
                return problem
            }
        }
        return nil
    }

    static func index(of name: String, in columns: [String], option: String) throws(ImportError) -> Int {
        if let index = columns.firstIndex(of: name) { return index }
        if let index = columns.firstIndex(where: { $0.lowercased() == name.lowercased() }) { return index }
        if let number = Int(name), number >= 1, number <= columns.count { return number - 1 }
        throw ImportError("\(option): no column '\(name)'; the columns are \(list(columns)) (a name, or a number "
                          + "from 1; for a file without a header line use --no-header and name them with --columns)")
    }

    private static func guess(_ names: [String], in columns: [String]) -> String? {
        names.first { name in columns.contains { $0.lowercased() == name } }
            .flatMap { name in columns.first { $0.lowercased() == name } }
    }

    public static func list(_ columns: [String]) -> String {
        let shown = columns.prefix(40).map { $0.isEmpty ? "''" : $0 }.joined(separator: ", ")
        return columns.count > 40 ? shown + ", … (\(columns.count) in all)" : shown
    }
}
