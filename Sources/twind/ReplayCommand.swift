import ArgumentParser
import Foundation
import TwinCore
import TwinDaemon
import TwinStore

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Run stored history through a config's rules and print the alerts they would have raised.",
        discussion: """
            A risk-free test of a rule change: the history is read from the database (read-only) and run through \
            a private engine with the rules of --config; nothing is written. With --diff, the alerts are compared \
            with those actually recorded, and a table of alerts per asset per day for each rule, recorded \
            (before) and replayed (after), shows the noise a rule change brings before you ship it.

            Example:
              twind replay --db twind.sqlite --config new-rules.yaml \\
                  --from -7d --asset 'pump-*' --diff
            """)

    @Option(name: .long, help: "The SQLite database file that `twind run` writes.")
    var db: String = "/var/lib/twind/twind.sqlite"
    @Option(name: .long, help: "The config whose rules and derived metrics to replay.")
    var config: String
    @Option(name: .long, parsing: .unconditional, help: "Start of the history (inclusive), e.g. -7d.")
    var from: String?
    @Option(name: .long, parsing: .unconditional, help: "End of the history (inclusive).")
    var to: String?
    @Option(name: .long, help: "Only assets matching this glob, e.g. 'pump-*'.")
    var asset: String = "*"
    @Flag(name: .long, help: "Show only the differences from the alerts actually recorded.")
    var diff = false
    @Option(name: .long, help: "Output format: table, csv, json or jsonl.")
    var format: OutputFormat = .table

    func validate() throws {
        try requireDatabase(db)
        let now = Int64(Date().timeIntervalSince1970 * 1_000)
        for (name, value) in [("--from", from), ("--to", to)] {
            if let value, TimeExpression.parse(value, now: now) == nil {
                throw ValidationError("\(name) '\(value)' is not a time: use \(TimeExpression.help)")
            }
        }
    }

    func run() throws {
        let settings: TwinConfiguration
        do {
            settings = try TwinConfiguration.load(path: config)
        } catch let error as ConfigError {
            printError(error.description)
            throw ExitCode(78)
        }
        let now = Int64(Date().timeIntervalSince1970 * 1_000)
        let start = from.flatMap { TimeExpression.parse($0, now: now) }
        let end = to.flatMap { TimeExpression.parse($0, now: now) }
        let reader = try TwinStoreReader(path: db)
        let clock = ContinuousClock.now
        let replay = try Replay.run(reader: reader, rules: RuleEngine(rules: settings.rules,
                                                                      metrics: settings.derivedMetrics),
                                    assetGlob: asset, from: start, to: end)
        let seconds = max((ContinuousClock.now - clock) / .seconds(1), 1e-6)
        var writer = RowWriter(format: format, columns: ["change", "asset", "rule", "severity", "event", "time",
                                                         "value", "message"])
        let rows = diff ? try Replay.diff(replay.transitions, recorded: reader, assetGlob: asset, from: start, to: end)
            : replay.transitions.map { ("would", $0) }
        for (change, t) in rows {
            writer.row([.text(change), .text(t.asset), .text(t.rule), .text(t.severity.rawValue),
                        .text(t.kind.rawValue), .text(RFC3339.string(t.timestamp)),
                        t.value.map(Cell.number) ?? .text(""), .text(t.message)])
        }
        writer.finish()
        if diff {
            let volume = try Replay.volume(replay, recorded: reader, assetGlob: asset, from: start, to: end)
            printError(Self.volumeTable(volume, assets: replay.assets))
        }
        printError("replay: \(replay.readings) readings of \(replay.assets) assets in "
                   + "\(String(format: "%.2f", seconds)) s (\(Int(Double(replay.readings) / seconds)) readings/s), "
                   + "\(replay.transitions.count) alert changes")
    }

    /// Alerts per asset per day, per rule, before and after: on stderr, beside the summary line.
    static func volumeTable(_ volume: [Replay.Volume], assets: Int) -> String {
        func rate(_ x: Double) -> String { x == 0 ? "0" : (x >= 10 ? String(format: "%.0f", x) : String(format: "%.2f", x)) }
        var rows = [["rule", "raised before", "raised after", "per asset-day before", "per asset-day after"]]
        for v in volume {
            rows.append([v.rule, "\(v.before)", "\(v.after)", rate(v.beforePerAssetDay), rate(v.afterPerAssetDay)])
        }
        let widths = rows[0].indices.map { i in rows.map { $0[i].count }.max()! }
        var lines = ["alert volume over \(assets) asset\(assets == 1 ? "" : "s") (before: recorded; after: this config):"]
        for row in rows {
            lines.append("  " + row.enumerated().map { i, cell in
                i == 0 ? cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[i] - cell.count) + cell
            }.joined(separator: "  "))
        }
        if volume.isEmpty { lines.append("  (no alerts on either side)") }
        return lines.joined(separator: "\n")
    }
}
