import ArgumentParser
import TwinCore
import TwinStore

/// `--step` of `twind query history`.
enum StepChoice: String, ExpressibleByArgument, CaseIterable {
    case raw
    case minute = "1m"
    case hour = "1h"
    case auto

    /// The step to read; `auto` asks the database how many points each step would give.
    func resolve(_ reader: TwinStoreReader, asset: String, metric: String, from: Int64?, to: Int64?) throws
        -> HistoryStep {
        switch self {
        case .raw: .raw
        case .minute: .minute
        case .hour: .hour
        case .auto: try reader.automaticStep(asset: asset, metric: metric, from: from, to: to)
        }
    }
}

extension HistoryQuery {
    /// One row per bucket: its start, the number of readings and their average, minimum, maximum, first and last.
    func printRollups(_ reader: TwinStoreReader, step: HistoryStep, from: Int64?, to: Int64?) throws {
        var writer = RowWriter(format: options.format, columns: [
            "time", "ts", "count", "avg", "min", "max", "first", "last",
        ])
        try reader.history(asset: asset, metric: metric, from: from, to: to, step: step, limit: limit) { row in
            writer.row([.time(row.timestamp), .int(row.timestamp), .int(row.count), .number(row.average),
                        .number(row.min), .number(row.max), .number(row.first), .number(row.last)])
        }
        writer.finish()
    }
}
