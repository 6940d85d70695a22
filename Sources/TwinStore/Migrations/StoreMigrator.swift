import GRDB

/// The schema history of a twind database. Append new migrations; never edit a shipped one.
enum StoreMigrator {
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-schema") { db in
            try db.execute(sql: Schema1.sql)
        }
        migrator.registerMigration("v2-alerts-maintenance") { db in
            try db.execute(sql: Schema2.sql)
        }
        migrator.registerMigration("v3-rollups-retention") { db in
            try db.execute(sql: Schema3.sql)
            try TwinStore.backfillRollups(db)
        }
        migrator.registerMigration("v4-binary-snapshots") { db in
            try db.execute(sql: Schema4.sql)
        }
        migrator.registerMigration("v5-forwarding") { db in
            try db.execute(sql: Schema5.sql)
        }
        return migrator
    }()

    /// Brings the schema up to date, refusing a file written by a newer twind.
    static func migrate(_ writer: some DatabaseWriter) throws {
        let superseded = try writer.read { try migrator.hasBeenSuperseded($0) }
        if superseded {
            throw DatabaseError(message: "the schema was written by a newer twind (unknown migrations applied)")
        }
        try migrator.migrate(writer)
    }
}
