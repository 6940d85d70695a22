import Foundation
import GRDB

extension TwinStoreReader {
    /// Runs `PRAGMA integrity_check` (reads the whole file) and measures every table and index, in one snapshot.
    public func check() throws -> DatabaseReport {
        try read("check the database") { db in
            let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check")
            let storage = try StorageStatistics(db: db)
            var sizes: [String: (pages: Int, bytes: Int)] = [:]
            var hasSizes = true
            do {
                for row in try Row.fetchAll(db, sql: "SELECT name, count(*), sum(pgsize) FROM dbstat GROUP BY name") {
                    sizes[row[0]] = (row[1], row[2])
                }
            } catch {
                hasSizes = false
            }
            var objects: [DatabaseReport.Object] = []
            let schema = try Row.fetchAll(db, sql: """
                SELECT name, type FROM sqlite_schema WHERE type IN ('table', 'index') AND sql IS NOT NULL
                    AND name NOT LIKE 'sqlite_stat%' ORDER BY name
                """)
            // Automatic indexes (primary keys, UNIQUE) have no SQL; dbstat still lists them.
            let automatic = try String.fetchAll(db, sql: """
                SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NULL ORDER BY name
                """)
            for row in schema {
                let name: String = row[0]
                let kind: String = row[1]
                let rows = kind == "table"
                    ? try Int.fetchOne(db, sql: "SELECT count(*) FROM \(name.quotedDatabaseIdentifier)") : nil
                objects.append(.init(name: name, kind: kind, rows: rows, pages: sizes[name]?.pages,
                                     bytes: sizes[name]?.bytes))
            }
            for name in automatic {
                objects.append(.init(name: name, kind: "index", rows: nil, pages: sizes[name]?.pages,
                                     bytes: sizes[name]?.bytes))
            }
            if let schemaSize = sizes["sqlite_schema"] ?? sizes["sqlite_master"] {
                objects.append(.init(name: "sqlite_schema", kind: "table", rows: nil, pages: schemaSize.pages,
                                     bytes: schemaSize.bytes))
            }
            objects.sort { ($0.bytes ?? 0, $1.name) > ($1.bytes ?? 0, $0.name) }
            return DatabaseReport(integrity: integrity, storage: storage, objects: objects, hasSizes: hasSizes)
        }
    }

    /// Copies the database into a new file at `destination` with SQLite's online backup API: one consistent
    /// snapshot, taken while the daemon keeps writing (WAL readers do not block it). The copy keeps WAL mode.
    public func backup(to destination: String) throws {
        guard !FileManager.default.fileExists(atPath: destination) else {
            throw StoreError(operation: "back up the database", path: path,
                             reason: "\(destination) already exists",
                             hint: "Choose a new file name, or remove the old backup first.")
        }
        try StoreError.wrapping("back up the database to \(destination)", path: path) {
            let target = try DatabaseQueue(path: destination)
            do {
                // pagesPerStep -1 (GRDB's default): one step, so the copy is one snapshot of the source.
                try database.backup(to: target)
                try target.close()
            } catch {
                try? target.close()
                try? FileManager.default.removeItem(atPath: destination)
                throw error
            }
        }
    }
}
