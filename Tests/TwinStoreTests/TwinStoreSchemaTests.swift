import Foundation
import GRDB
import Testing
import TwinCore

@testable import TwinStore

struct TwinStoreSchemaTests {
    @Test func migratesAFreshFileAndReopensIt() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try TwinStore(path: directory.databasePath)
        let applied = try store.database.read { try StoreMigrator.migrator.completedMigrations($0) }
        #expect(applied == ["v1-schema", "v2-alerts-maintenance", "v3-rollups-retention", "v4-binary-snapshots",
                            "v5-forwarding"])
        let objects = try store.rows("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name")
            .map { $0[0] as String }
        for name in [
            "readings", "readings_main", "readings_recent", "series", "latest", "twin_latest", "quarantine",
            "twin_properties", "twin_snapshots",
        ] {
            #expect(objects.contains(name), "missing \(name)")
        }
        try store.commit(IngestBatch(readings: [reading("pump-1", "temp", 1_000, 20.5)]))
        try store.close()

        let reopened = try TwinStore(path: directory.databasePath)
        defer { try? reopened.close() }
        #expect(try reopened.latestValues() == [reading("pump-1", "temp", 1_000, 20.5)])
        // The series cache is loaded at open: the same series keeps its id.
        try reopened.commit(IngestBatch(readings: [reading("pump-1", "temp", 2_000, 21)]))
        #expect(try reopened.count("series") == 1)
    }

    /// JSON snapshots of an older twind keep their bytes; their status moves into the new column.
    @Test func binarySnapshotMigrationFillsTheStatusOfJSONSnapshots() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let queue = try DatabaseQueue(path: directory.databasePath)
        try StoreMigrator.migrator.migrate(queue, upTo: "v3-rollups-retention")
        let document = #"{"twin":{"asset":"p1","status":"stale","version":7},"rules":null}"#
        try queue.write { db in
            try db.execute(sql: "INSERT INTO twin_snapshots VALUES ('p1', 1, 7, ?)", arguments: [document])
            try db.execute(sql: "INSERT INTO twin_snapshots VALUES ('p2', 1, 2, ?)",
                           arguments: [#"{"asset":"p2","status":"offline","version":2}"#])
            try db.execute(sql: "INSERT INTO twin_snapshots VALUES ('p3', 1, 2, 'not json')")
        }
        try queue.close()
        let store = try TwinStore(path: directory.databasePath)
        defer { try? store.close() }
        let rows = try store.rows("SELECT asset, status FROM twin_snapshots ORDER BY asset")
        #expect(rows.map { $0[1] as String? } == ["stale", "offline", nil])
        #expect(try store.loadSnapshots().first?.state == Array(document.utf8))
    }

    @Test func writerUsesWALAndFullSync() throws {
        try withStore { store, _ in
            let mode = try store.database.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
            let synchronous = try store.database.read { try Int.fetchOne($0, sql: "PRAGMA synchronous") }
            #expect(mode == "wal")
            #expect(synchronous == 2)
        }
    }

    @Test func missingParentDirectoryIsNamed() throws {
        let path = "/nonexistent-twind-dir/sub/twin.db"
        let error = #expect(throws: StoreError.self) { try TwinStore(path: path) }
        #expect(error?.description.contains("/nonexistent-twind-dir/sub") == true)
    }

    /// `SELECT ts, value FROM readings WHERE asset=? AND metric=? AND ts BETWEEN ? AND ?` must search both tables.
    @Test(arguments: [
        "SELECT ts, value FROM readings WHERE asset = ? AND metric = ? AND ts BETWEEN ? AND ?",
        StoreSQL.history,
    ])
    func historyQueryIsAnIndexRangeScan(sql: String) throws {
        try withStore { store, _ in
            try store.commit(IngestBatch(readings: (0..<100).map { reading("a\($0 % 10)", "m", Int64($0), 1) }))
            try store.mergeRecent()
            try store.commit(IngestBatch(readings: (100..<150).map { reading("a\($0 % 10)", "m", Int64($0), 1) }))
            let arguments: StatementArguments =
                sql == StoreSQL.history ? ["a1", "m", 0, 200, -1] : ["a1", "m", 0, 200]
            let plan = try store.rows("EXPLAIN QUERY PLAN " + sql, arguments).map { $0["detail"] as String }
            let text = plan.joined(separator: "\n")
            #expect(
                plan.contains { $0.hasPrefix("SEARCH m USING PRIMARY KEY (series_id=? AND ts>? AND ts<?)") },
                "\(text)"
            )
            #expect(plan.contains { $0.hasPrefix("SEARCH r USING PRIMARY KEY (ts>? AND ts<?)") }, "\(text)")
            #expect(plan.contains { $0.contains("USING COVERING INDEX sqlite_autoindex_series_1") }, "\(text)")
            #expect(!plan.contains { $0.hasPrefix("SCAN") }, "\(text)")
            #expect(!plan.contains { $0.contains("TEMP B-TREE") }, "\(text)")
        }
    }
}
