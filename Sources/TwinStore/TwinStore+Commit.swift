import Foundation
import GRDB
import TwinCore

extension TwinStore {
    /// Writes everything in `batch` in one transaction: all of it is stored, or none of it.
    ///
    /// Readings are idempotent on (asset, metric, timestamp): a redelivered reading is ignored. Latest values and
    /// properties only move forward in time. A NaN reading value violates `NOT NULL` and fails the whole batch (the
    /// decoder quarantines non-finite values before they get here).
    ///
    /// Alert transitions are applied in order after the readings: `raised` opens an alert unless (asset, rule)
    /// already has an active one, `cleared` closes the active one if there is one; each change also records an
    /// event. Transitions that change nothing are ignored and counted, so a redelivered batch or a restarted rule
    /// engine never duplicates an alert. A batch without alert transitions runs no alert statement.
    @discardableResult
    public func commit(_ batch: IngestBatch) throws -> CommitResult {
        guard !batch.isEmpty else { return CommitResult() }
        return try state.withLock { state in
            guard !state.isClosed else {
                throw StoreError(operation: "commit a batch", path: path, reason: "the store is closed")
            }
            var newSeries: [SeriesKey: Int64] = [:]
            var result = CommitResult()
            try StoreError.wrapping("commit a batch", path: path) {
                try database.inTransaction(.immediate) { db in
                    result.readingsInserted = try insertReadings(
                        batch.readings,
                        db,
                        known: state.seriesIDs,
                        new: &newSeries
                    )
                    try upsertProperties(batch.properties, db)
                    try insertQuarantine(batch.quarantine, db)
                    try upsertSnapshots(batch.snapshots, db)
                    try applyAlertTransitions(batch.alerts, db, into: &result)
                    for event in batch.maintenance { _ = try insertMaintenance(event, db) }
                    for (id, at) in batch.acknowledgements {
                        if let alert = try acknowledge(id, at: at, db) { result.acknowledged.append(alert) }
                    }
                    return .commit
                }
            }
            // Only now: a rolled-back transaction must not leave ids of series that do not exist in the cache.
            state.seriesIDs.merge(newSeries) { old, _ in old }
            recentRows.add(result.readingsInserted, ordering: .relaxed)
            return result
        }
    }

    /// Appends the readings to `readings_recent` and moves `latest` forward; returns the rows actually inserted.
    private func insertReadings(
        _ readings: [Reading],
        _ db: Database,
        known: [SeriesKey: Int64],
        new: inout [SeriesKey: Int64]
    ) throws -> Int {
        guard !readings.isEmpty else { return 0 }
        var insert = try BulkStatement(db, one: StoreSQL.insertRecentOne, many: StoreSQL.insertRecentMany)
        let queueing = configuration.queueForForwarding
        var chunk = ForwardChunk()
        if queueing {
            chunk.seriesIDs.reserveCapacity(readings.count)
            chunk.timestamps.reserveCapacity(readings.count)
            chunk.values.reserveCapacity(readings.count)
        }
        var newest: [Int64: (timestamp: Int64, value: Double)] = [:]
        newest.reserveCapacity(min(readings.count, 8_192))
        for reading in readings {
            let key = SeriesKey(asset: reading.asset, metric: reading.metric)
            let seriesID: Int64
            if let id = known[key] ?? new[key] {
                seriesID = id
            } else {
                seriesID = try insertSeries(key, db)
                new[key] = seriesID
            }
            try insert.append(reading.timestamp, seriesID, reading.value)
            if queueing { chunk.append(series: seriesID, timestamp: reading.timestamp, value: reading.value) }
            // Strictly newer only: among equal timestamps the first value wins, as in `readings`.
            if let current = newest[seriesID], current.timestamp >= reading.timestamp { continue }
            newest[seriesID] = (reading.timestamp, reading.value)
        }
        try insert.finish()
        if let oldest = chunk.oldest {
            try db.cachedStatement(sql: StoreSQL.enqueueForward)
                .execute(arguments: [oldest, chunk.count, Data(chunk.encoded())])  // ?1 ts, ?2 rows, ?3 data
        }
        var upsert = try BulkStatement(db, one: StoreSQL.upsertLatestOne, many: StoreSQL.upsertLatestMany)
        for (seriesID, reading) in newest {
            try upsert.append(seriesID, reading.timestamp, reading.value)
        }
        try upsert.finish()
        return insert.changes
    }

    private func insertSeries(_ key: SeriesKey, _ db: Database) throws -> Int64 {
        try db.cachedStatement(sql: StoreSQL.insertSeries).execute(arguments: [key.asset, key.metric])
        let select = try db.cachedStatement(sql: StoreSQL.selectSeriesID)
        guard let id = try Int64.fetchOne(select, arguments: [key.asset, key.metric]) else {
            throw DatabaseError(message: "series \(key.asset)/\(key.metric) vanished after insertion")
        }
        return id
    }

    private func upsertProperties(_ properties: [PropertyUpdate], _ db: Database) throws {
        guard !properties.isEmpty else { return }
        let upsert = try db.cachedStatement(sql: StoreSQL.upsertProperty)
        for property in properties {
            try upsert.execute(arguments: [property.asset, property.key, property.value, property.timestamp])
        }
    }

    /// Inserts the entries, then deletes the oldest beyond `quarantineMaxRows`.
    ///
    /// Ids are `max(id) + 1` and only the oldest rows are ever deleted, so the ids are contiguous and
    /// `id <= last - max` selects exactly the surplus with one index seek.
    private func insertQuarantine(_ entries: [QuarantineEntry], _ db: Database) throws {
        guard !entries.isEmpty else { return }
        let insert = try db.cachedStatement(sql: StoreSQL.insertQuarantine)
        for entry in entries {
            try insert.execute(arguments: [entry.receivedAt, entry.topic, entry.reason, Data(entry.payload)])
        }
        let cutoff = db.lastInsertedRowID - Int64(max(configuration.quarantineMaxRows, 0))
        if cutoff > 0 {
            try db.cachedStatement(sql: StoreSQL.pruneQuarantine).execute(arguments: [cutoff])
        }
    }

    private func upsertSnapshots(_ snapshots: [TwinSnapshot], _ db: Database) throws {
        guard !snapshots.isEmpty else { return }
        let upsert = try db.cachedStatement(sql: StoreSQL.upsertSnapshot)
        for snapshot in snapshots {
            try upsert.execute(arguments: [snapshot.asset, snapshot.timestamp, snapshot.version, Data(snapshot.state),
                                           snapshot.status])
        }
    }
}
