import ArgumentParser
import TwinCore
import TwinStore

struct AssetsQuery: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assets",
        abstract: "Every asset: status, last reading, number of metrics, active alerts.",
        discussion: """
            The status (online, stale, offline) is the one of the twin's latest snapshot (saved every
            ingest.snapshot_interval); `unknown` before the first one.

            Example:
              twind query assets --db twind.sqlite --format json
            """)

    @OptionGroup var options: QueryOptions

    func run() throws {
        let reader = try options.openReader()
        var writer = RowWriter(format: options.format, columns: [
            "asset", "status", "last_seen", "last_seen_ts", "metrics", "active_alerts",
        ])
        for asset in try reader.assetSummaries() {
            writer.row([
                .text(asset.asset), .text(asset.status ?? "unknown"),
                .text(asset.lastSeen.map(RFC3339.string) ?? ""), asset.lastSeen.map(Cell.int) ?? .text(""),
                .int(Int64(asset.metricCount)), .int(Int64(asset.activeAlerts)),
            ])
        }
        writer.finish()
    }
}
