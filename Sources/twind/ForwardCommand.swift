import ArgumentParser
import Foundation
import TwinCore
import TwinStore

struct ForwardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forward",
        abstract: "Forwarding to a central PostgreSQL (the config's forward: section).",
        discussion: """
            `twind run` forwards when its config has a forward: section; this command reads the progress it keeps
            in the database file, so it works whether the daemon runs or not.

            Example:
              twind forward status --db /var/lib/twind/twind.sqlite
            """,
        subcommands: [ForwardStatusCommand.self])
}

struct ForwardStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Per stream: the cursor, what is left to forward (rows and seconds), the last error.",
        discussion: """
            Columns: stream; position (the last row forwarded: an alert-event, maintenance or quarantine id, or the
            queue position of readings); pending (rows not forwarded yet); lag (for readings: the age of the oldest
            one not forwarded, by its own timestamp); forwarded and dropped (over forward.max_backlog) since the
            file was created; when the last batch went; the last error, until a success clears it.

            Example:
              twind forward status --db /var/lib/twind/twind.sqlite --format json
            """)

    @OptionGroup var options: QueryOptions

    func run() throws {
        let reader = try options.openReader()
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let cursors = try reader.forwardCursors()
        var writer = RowWriter(format: options.format, columns: [
            "stream", "position", "pending", "lag", "forwarded", "dropped", "last_forward", "error", "error_at",
        ])
        for cursor in cursors {
            let lag = cursor.oldestPending.map { Self.lag(max(0, now - $0)) } ?? (cursor.pending == 0 ? "0s" : "")
            writer.row([.text(cursor.stream), .int(cursor.position), .int(cursor.pending), .text(lag),
                        .int(cursor.forwarded), .int(cursor.dropped),
                        .text(cursor.forwardedAt.map(RFC3339.string) ?? "never"), .text(cursor.error ?? ""),
                        .text(cursor.errorAt.map(RFC3339.string) ?? "")])
        }
        writer.finish()
    }

    /// `0.4s`, `12.5s`, `3m 05s`, `2h 10m`.
    static func lag(_ millis: Int64) -> String {
        let seconds = Double(millis) / 1000
        if seconds < 60 { return String(format: "%.1fs", seconds) }
        let whole = Int64(seconds)
        if whole < 3600 { return String(format: "%ldm %02lds", whole / 60, whole % 60) }
        return String(format: "%ldh %02ldm", whole / 3600, whole % 3600 / 60)
    }
}
