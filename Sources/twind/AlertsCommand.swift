import ArgumentParser
import Foundation
import TwinCore
import TwinStore

struct AlertsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "List and acknowledge alerts.",
        discussion: """
            Examples:
              twind alerts list --db twind.sqlite --active
              twind alerts ack 42 --db twind.sqlite
            """,
        subcommands: [AlertsList.self, AlertsAck.self])
}

struct AlertsList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Alerts, newest first.",
        discussion: "Example:\n  twind alerts list --db twind.sqlite --active --asset 'pump-*'")

    @OptionGroup var listing: AlertListing

    func run() throws { try listing.print() }
}

/// `twind query alerts`: the same listing under `query`.
struct AlertsQuery: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "Alerts, newest first.",
        discussion: "Example:\n  twind query alerts --db twind.sqlite --active --asset 'pump-*'")

    @OptionGroup var listing: AlertListing

    func run() throws { try listing.print() }
}

struct AlertListing: ParsableArguments {
    @OptionGroup var options: QueryOptions
    @Flag(name: .long, help: "Only alerts not yet cleared.")
    var active = false
    @Option(name: .long, help: "Only assets matching this glob, e.g. 'pump-*'.")
    var asset: String?
    @Option(name: .long, help: "At most this many rows.")
    var limit: Int = 100

    func validate() throws {
        if limit < 1 { throw ValidationError("--limit takes a number of rows, 1 or more") }
    }

    func print() throws {
        let reader = try options.openReader()
        var writer = RowWriter(format: options.format, columns: [
            "id", "asset", "rule", "severity", "state", "raised", "cleared", "acked", "value", "message",
        ])
        for alert in try reader.alerts(activeOnly: active, assetGlob: asset, limit: limit) {
            writer.row([.int(alert.id), .text(alert.asset), .text(alert.rule), .text(alert.severity.rawValue),
                        .text(alert.state.rawValue), .text(RFC3339.string(alert.raisedAt)),
                        .text(alert.clearedAt.map(RFC3339.string) ?? ""),
                        .text(alert.ackedAt.map(RFC3339.string) ?? ""),
                        alert.value.map(Cell.number) ?? .text(""), .text(alert.message)])
        }
        writer.finish()
    }
}

struct AlertsAck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ack",
        abstract: "Acknowledge an alert: it stays active until its condition clears, but someone is on it.",
        discussion: "Example:\n  twind alerts ack 42 --db /var/lib/twind/twind.sqlite")

    @Argument(help: "The alert id (the first column of `twind alerts list`).")
    var id: Int64
    @Option(name: .long, help: "The SQLite database file that `twind run` writes.")
    var db: String = "/var/lib/twind/twind.sqlite"

    func validate() throws {
        try requireDatabase(db)
    }

    func run() throws {
        let store = try TwinStore(path: db)
        defer { try? store.close() }
        guard let alert = try store.acknowledgeAlert(id: id, at: Int64(Date().timeIntervalSince1970 * 1_000)) else {
            throw ValidationError("there is no alert \(id): `twind alerts list --db \(db)` shows the ids")
        }
        switch alert.state {
        case .cleared:
            print("alert \(id) (\(alert.asset) \(alert.rule)) had already cleared; nothing to acknowledge")
        case .acknowledged, .raised:
            print("alert \(id) (\(alert.asset) \(alert.rule)) acknowledged")
        }
    }
}
