import GRDB

extension TwinStore {
    /// Runs ``StoreSQL/mergeIntoMain`` and folds the rows it inserted into the rollup tables; returns their number.
    ///
    /// Only inserted rows come back from `RETURNING`, so a redelivery that the merge ignores is never counted.
    func mergeIntoMainAndRollups(_ db: Database) throws -> Int {
        var rollups = RollupAccumulator()
        let rows = try Row.fetchCursor(db, sql: StoreSQL.mergeIntoMain)
        while let row = try rows.next() {
            rollups.add(seriesID: row[0], timestamp: row[1], value: row[2])
        }
        let inserted = rollups.readings
        try rollups.write(db)
        return inserted
    }

    /// Builds the rollups of every row of `readings_main` (the migration of a database that has no rollups yet).
    ///
    /// Streams the table in key order and writes every 50,000 cells, so memory stays bounded.
    static func backfillRollups(_ db: Database) throws {
        var rollups = RollupAccumulator()
        let rows = try Row.fetchCursor(db, sql: "SELECT series_id, ts, value FROM readings_main ORDER BY series_id, ts")
        while let row = try rows.next() {
            rollups.add(seriesID: row[0], timestamp: row[1], value: row[2])
            if rollups.cellCount >= 50_000 { try rollups.write(db) }
        }
        try rollups.write(db)
    }
}
