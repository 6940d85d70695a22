import ArgumentParser
import Foundation
import TwinStore

struct DBCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Check, back up or compact the database file.",
        discussion: """
            Examples:
              twind db check --db twind.sqlite
              twind db backup --db twind.sqlite /backups/twind-$(date +%F).sqlite
            """,
        subcommands: [DBCheck.self, DBBackup.self, DBCompact.self])
}

struct DBCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Run SQLite's integrity check and list every table and index with its rows and size.",
        discussion: """
            Read-only and safe while the daemon writes; reads the whole file, so it takes a while on a large one.
            Exits 1 if the integrity check finds a problem.
            """)

    @OptionGroup var options: QueryOptions

    func run() throws {
        let report = try options.openReader().check()
        if options.format == .table {
            let storage = report.storage
            var out = BufferedOutput()
            out.write("""
                integrity:    \(report.integrity.joined(separator: "\n              "))
                file:         \(byteText(storage.fileBytes)) (\(storage.pageCount) pages of \(storage.pageSize) bytes)
                free pages:   \(storage.freelistCount) (\(byteText(storage.freelistCount * storage.pageSize)))
                auto_vacuum:  \(storage.autoVacuum)\(report.hasSizes ? "" : "\nsizes:        unknown (SQLite has no dbstat)")


                """)
            out.flush()
        } else if !report.isIntact {
            printError("integrity check failed: " + report.integrity.joined(separator: "; "))
        }
        var writer = RowWriter(format: options.format, columns: ["name", "kind", "rows", "pages", "bytes", "size"])
        for object in report.objects {
            writer.row([
                .text(object.name), .text(object.kind), object.rows.map { .int(Int64($0)) } ?? .text(""),
                object.pages.map { .int(Int64($0)) } ?? .text(""), object.bytes.map { .int(Int64($0)) } ?? .text(""),
                .text(object.bytes.map(byteText) ?? ""),
            ])
        }
        writer.finish()
        if !report.isIntact { throw ExitCode(1) }
    }
}

struct DBBackup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the database into a new file with SQLite's online backup API, while the daemon runs.",
        discussion: """
            The copy is one consistent snapshot: every batch the daemon committed before the copy started, none it
            committed after. The daemon keeps writing meanwhile.

            Example:
              twind db backup --db /var/lib/twind/twind.sqlite /backups/twind.sqlite
            """)

    @Option(name: .long, help: "The SQLite database file that `twind run` writes.")
    var db: String = "/var/lib/twind/twind.sqlite"
    @Argument(help: "The new file to write; it must not exist.")
    var output: String

    func validate() throws {
        try requireDatabase(db)
        guard !FileManager.default.fileExists(atPath: output) else {
            throw ValidationError("\(output) already exists: give the backup a new file name")
        }
    }

    func run() throws {
        let clock = ContinuousClock()
        let start = clock.now
        try TwinStoreReader(path: db).backup(to: output)
        let size = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? 0
        print("backed up \(db) to \(output): \(byteText(size)) in \(clock.now - start)")
    }
}

struct DBCompact: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Rewrite the file without free pages and switch it to incremental auto-vacuum (daemon stopped).",
        discussion: """
            Files created by twind since rollups and retention were added use incremental auto-vacuum: retention
            gives freed pages back by itself. Older files reuse freed pages but never shrink; run this once on them,
            with the daemon stopped and as much free disk space as the file takes.
            """)

    @Option(name: .long, help: "The SQLite database file that `twind run` writes.")
    var db: String = "/var/lib/twind/twind.sqlite"

    func run() throws {
        let store = try TwinStore(path: db)
        defer { try? store.close() }
        let before = try store.storageStatistics()
        try store.compact()
        try store.checkpoint()
        let after = try store.storageStatistics()
        print("compacted \(db): \(byteText(before.fileBytes)) -> \(byteText(after.fileBytes)), "
              + "auto_vacuum \(after.autoVacuum)")
    }
}

/// `1.5 MiB`.
func byteText(_ bytes: Int) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1_024, unit < units.count - 1 {
        value /= 1_024
        unit += 1
    }
    return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
}
