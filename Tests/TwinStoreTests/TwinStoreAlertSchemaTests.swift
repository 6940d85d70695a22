import Foundation
import GRDB
import Testing
import TwinCore

@testable import TwinStore

struct TwinStoreAlertSchemaTests {
    private static let publicViews: [String: [String]] = [
        "alerts": [
            "id", "asset", "rule", "severity", "state", "raised_at", "cleared_at", "acked_at", "value", "message",
        ],
        "alert_events": ["id", "alert_id", "ts", "event", "value", "message"],
        "maintenance": ["id", "asset", "kind", "counter", "at", "note"],
    ]

    private func expectPublicViews(_ store: TwinStore) throws {
        for (view, columns) in Self.publicViews {
            let type = try store.rows("SELECT type FROM sqlite_master WHERE name = ?", [view]).first?[0] as String?
            #expect(type == "view", "\(view)")
            let names = try store.rows("SELECT name FROM pragma_table_info(?)", [view]).map { $0[0] as String }
            #expect(names == columns, "\(view)")
        }
    }

    @Test func freshFileGetsBothMigrationsAndTheViews() throws {
        try withStore { store, _ in
            let applied = try store.database.read { try StoreMigrator.migrator.completedMigrations($0) }
            #expect(applied == ["v1-schema", "v2-alerts-maintenance", "v3-rollups-retention", "v4-binary-snapshots",
                            "v5-forwarding"])
            try expectPublicViews(store)
        }
    }

    @Test func version1DatabaseIsUpgradedOnOpenAndKeepsItsData() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try createVersion1Database(at: directory.databasePath)

        // An older database read by a newer reader: the alert calls explain what to do.
        let oldReader = try TwinStoreReader(path: directory.databasePath)
        let error = #expect(throws: StoreError.self) {
            try oldReader.alerts(activeOnly: false, assetGlob: nil, limit: nil)
        }
        #expect(error?.description.contains("older twind") == true, "\(String(describing: error))")
        #expect(error?.description.contains("twind run") == true)
        #expect(throws: StoreError.self) { try oldReader.maintenance(asset: nil, limit: nil) }

        let store = try TwinStore(path: directory.databasePath)
        let applied = try store.database.read { try StoreMigrator.migrator.completedMigrations($0) }
        #expect(applied == ["v1-schema", "v2-alerts-maintenance", "v3-rollups-retention", "v4-binary-snapshots",
                            "v5-forwarding"])
        try expectPublicViews(store)
        #expect(try store.latestValues() == [reading("pump-1", "temp", 1_000, 20.5)])
        try store.commit(
            IngestBatch(readings: [reading("pump-1", "temp", 2_000, 30)], alerts: [raised("pump-1", "hot", at: 2_000)])
        )
        _ = try store.recordMaintenance(MaintenanceEvent(asset: "pump-1", kind: .service, timestamp: 3_000))
        try store.close()

        // Reopened: nothing migrates twice, everything is still there.
        let reopened = try TwinStore(path: directory.databasePath)
        defer { try? reopened.close() }
        #expect(try reopened.activeAlerts().map(\.rule) == ["hot"])
        #expect(try reopened.count("readings") == 2)
        let reader = try TwinStoreReader(path: directory.databasePath)
        #expect(try reader.maintenance(asset: nil, limit: nil).map(\.kind) == [.service])
    }

    @Test func atMostOneActiveAlertPerAssetAndRule() throws {
        try withStore { store, _ in
            let insert = """
                INSERT INTO alert_episodes (asset, rule, severity, state, raised_at, cleared_at, message)
                VALUES (?, ?, 'info', ?, ?, ?, 'm')
                """
            try store.database.write { db in
                try db.execute(sql: insert, arguments: ["a", "r", "raised", 1, nil])
                // Cleared episodes of the same (asset, rule) are history, any number of them.
                try db.execute(sql: insert, arguments: ["a", "r", "cleared", 0, 1])
                try db.execute(sql: insert, arguments: ["a", "r", "cleared", 0, 1])
                // Another rule, another asset.
                try db.execute(sql: insert, arguments: ["a", "r2", "raised", 1, nil])
                try db.execute(sql: insert, arguments: ["b", "r", "raised", 1, nil])
            }
            let error = #expect(throws: DatabaseError.self) {
                try store.database.write { db in
                    try db.execute(sql: insert, arguments: ["a", "r", "raised", 2, nil])
                }
            }
            #expect(error?.resultCode == .SQLITE_CONSTRAINT)
            #expect(
                error?.message?.contains("alert_episodes.asset, alert_episodes.rule") == true,
                "\(String(describing: error))"
            )
            #expect(try store.count("alerts") == 5)
        }
    }

    @Test func stateAndTimesAreChecked() throws {
        try withStore { store, _ throws in
            let insert = """
                INSERT INTO alert_episodes (asset, rule, severity, state, raised_at, cleared_at, acked_at, message)
                VALUES ('a', 'r', ?, ?, 1, ?, ?, 'm')
                """
            let invalid: [StatementArguments] = [
                ["fatal", "raised", nil, nil],  // unknown severity
                ["info", "open", nil, nil],  // unknown state
                ["info", "cleared", nil, nil],  // cleared without cleared_at
                ["info", "raised", 5, nil],  // cleared_at on an active alert
                ["info", "acknowledged", nil, nil],  // acknowledged without acked_at
                ["info", "raised", nil, 5],  // acked_at on an unacknowledged alert
            ]
            for arguments in invalid {
                #expect(throws: DatabaseError.self, "\(arguments)") {
                    try store.database.write { try $0.execute(sql: insert, arguments: arguments) }
                }
            }
            #expect(try store.count("alert_episodes") == 0)
        }
    }

    @Test func clearingAndAcknowledgingUseTheActiveAlertIndex() throws {
        try withStore { store, _ in
            try store.commit(
                IngestBatch(alerts: (0..<50).map { raised("a\($0 % 10)", "r\($0 / 10)", at: Int64($0)) })
            )
            let clear = try store.rows("EXPLAIN QUERY PLAN " + StoreSQL.clearAlert, [1, "a1", "r1"])
                .map { $0["detail"] as String }
            #expect(
                clear.contains { $0.contains("USING INDEX alert_episodes_active (asset=? AND rule=?)") },
                "\(clear)"
            )
            let events = try store.rows("EXPLAIN QUERY PLAN " + StoreSQL.alertEvents, [1])
                .map { $0["detail"] as String }
            #expect(events.contains { $0.contains("alert_history_alert (alert_id=?)") }, "\(events)")
            #expect(!events.contains { $0.contains("TEMP B-TREE") }, "\(events)")
            let maintenance = try store.rows("EXPLAIN QUERY PLAN " + StoreSQL.maintenanceOfAsset, ["a", 10])
                .map { $0["detail"] as String }
            #expect(maintenance.contains { $0.contains("maintenance_events_asset (asset=?)") }, "\(maintenance)")
            #expect(!maintenance.contains { $0.contains("TEMP B-TREE") }, "\(maintenance)")
        }
    }
}
