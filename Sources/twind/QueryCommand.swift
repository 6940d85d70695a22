import ArgumentParser
import Foundation
import TwinCore
import TwinStore

struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Read the twin database (read-only; safe while the daemon writes).",
        discussion: """
            Examples:
              twind query latest --db twind.sqlite
              twind query history --db twind.sqlite \\
                  --asset pump-0001 --metric temp --from -1h --format csv
              twind query quarantine --db twind.sqlite --limit 20
            """,
        subcommands: [LatestQuery.self, HistoryQuery.self, AssetsQuery.self, TwinQuery.self, QuarantineQuery.self,
                      AlertsQuery.self])
}

struct QueryOptions: ParsableArguments {
    @Option(name: .long, help: "The SQLite database file that `twind run` writes.")
    var db: String = "/var/lib/twind/twind.sqlite"

    @Option(name: .long, help: "Output format: table, csv, json or jsonl.")
    var format: OutputFormat = .table

    func validate() throws {
        try requireDatabase(db)
    }

    func openReader() throws -> TwinStoreReader {
        try TwinStoreReader(path: db)
    }
}

struct LatestQuery: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latest",
        abstract: "The latest value of every metric of every twin (or of one asset).",
        discussion: "Example:\n  twind query latest --db twind.sqlite --asset pump-0001")

    @OptionGroup var options: QueryOptions
    @Option(name: .long, help: "Only this asset.")
    var asset: String?

    func run() throws {
        let reader = try options.openReader()
        var writer = RowWriter(format: options.format, columns: ["asset", "metric", "time", "ts", "value"])
        for reading in try reader.latest(asset: asset) {
            writer.row([.text(reading.asset), .text(reading.metric), .text(RFC3339.string(reading.timestamp)),
                        .int(reading.timestamp), .number(reading.value)])
        }
        writer.finish()
    }
}

struct HistoryQuery: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "The stored readings of one metric of one asset, oldest first.",
        discussion: """
            --from and --to take \(TimeExpression.help). With --step 1m or 1h each row is a bucket (its start
            time) with the count, average, minimum, maximum, first and last value of its readings.

            Examples:
              twind query history --db twind.sqlite \\
                  --asset pump-0001 --metric temp --from -1h --to now
              twind query history --db twind.sqlite --asset pump-0001 --metric temp --from -7d --step auto
            """)

    @OptionGroup var options: QueryOptions
    @Option(name: .long, help: "The asset id, e.g. pump-0001.")
    var asset: String
    @Option(name: .long, help: "The metric, e.g. temp.")
    var metric: String
    // `.unconditional` so that relative times like `-1h` are taken as values, not as flags.
    @Option(name: .long, parsing: .unconditional, help: "Start of the range (inclusive), e.g. -1h.")
    var from: String?
    @Option(name: .long, parsing: .unconditional, help: "End of the range (inclusive), e.g. now.")
    var to: String?
    @Option(name: .long, help: "At most this many rows.")
    var limit: Int?
    @Option(name: .long, help: "raw, 1m or 1h (rollups per bucket), or auto (at most ~2,000 points).")
    var step: StepChoice = .raw

    func validate() throws {
        let now = Int64(Date().timeIntervalSince1970 * 1_000)
        for (name, value) in [("--from", from), ("--to", to)] {
            if let value, TimeExpression.parse(value, now: now) == nil {
                throw ValidationError("\(name) '\(value)' is not a time: use \(TimeExpression.help)")
            }
        }
        if let limit, limit < 1 { throw ValidationError("--limit takes a number of rows, 1 or more") }
    }

    func run() throws {
        let now = Int64(Date().timeIntervalSince1970 * 1_000)
        let start = from.flatMap { TimeExpression.parse($0, now: now) }
        let end = to.flatMap { TimeExpression.parse($0, now: now) }
        let reader = try options.openReader()
        let chosen = try step.resolve(reader, asset: asset, metric: metric, from: start, to: end)
        if chosen != .raw {
            try printRollups(reader, step: chosen, from: start, to: end)
            return
        }
        var writer = RowWriter(format: options.format, columns: ["time", "ts", "value"])
        try reader.history(seriesOf: asset, metric: metric, from: start, to: end, limit: limit) { timestamp, value in
            writer.startRow()
            writer.cell(.time(timestamp))
            writer.cell(.int(timestamp))
            writer.cell(.number(value))
            writer.endRow()
        }
        writer.finish()
    }
}

struct QuarantineQuery: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quarantine",
        abstract: "Messages that could not be decoded, newest first, with the reason.",
        discussion: "Example:\n  twind query quarantine --db twind.sqlite --limit 20")

    @OptionGroup var options: QueryOptions
    @Option(name: .long, help: "At most this many rows.")
    var limit: Int = 100

    func validate() throws {
        if limit < 1 { throw ValidationError("--limit takes a number of rows, 1 or more") }
    }

    func run() throws {
        let reader = try options.openReader()
        var writer = RowWriter(format: options.format, columns: ["time", "topic", "reason", "payload"])
        for entry in try reader.quarantine(limit: limit) {
            let head = entry.payload.prefix(200)
            let payload = String(validating: head, as: UTF8.self)
                ?? "hex:" + head.map { String($0, radix: 16).leftPadded(2) }.joined()
            writer.row([.text(RFC3339.string(entry.receivedAt)), .text(entry.topic), .text(entry.reason),
                        .text(payload)])
        }
        writer.finish()
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
