import GRDB

extension TwinStore {
    /// While a ``MergeWorker`` is attached, the writer merges inline only once `readings_recent` holds this many
    /// times `mergeThreshold` rows: a safety valve that bounds the table if the worker falls behind or stops.
    static let workerBacklogFactor = 10

    /// Merges `readings_recent` into `readings_main` if it holds at least `mergeThreshold` rows (with a
    /// ``MergeWorker`` attached: ``workerBacklogFactor`` times as many).
    ///
    /// Call it between batches; returns nil when there was nothing to do.
    @discardableResult
    public func mergeRecentIfNeeded() throws -> MergeReport? {
        try state.withLock { state in
            guard !state.isClosed else {
                throw StoreError(operation: "merge recent readings", path: path, reason: "the store is closed")
            }
            let factor = state.hasMergeWorker ? Self.workerBacklogFactor : 1
            guard recentRows.load(ordering: .relaxed) >= configuration.mergeThreshold * factor else { return nil }
            return try merge()
        }
    }

    /// Moves every row of `readings_recent` into `readings_main` in one transaction, in series order.
    ///
    /// Rows already in `readings_main` (redeliveries of merged readings) are dropped: the first value wins. The rows
    /// inserted are added to the rollups in the same transaction.
    @discardableResult
    public func mergeRecent() throws -> MergeReport {
        try state.withLock { state in
            guard !state.isClosed else {
                throw StoreError(operation: "merge recent readings", path: path, reason: "the store is closed")
            }
            return try merge()
        }
    }

    /// Hands merging and checkpointing over to a ``MergeWorker`` (`true`) or takes them back (`false`).
    ///
    /// While attached, this connection never checkpoints the WAL (`wal_autocheckpoint = 0`): copying the pages of a
    /// merge into the database file would otherwise fall on the commit after it, on the ingest thread.
    func attachMergeWorker(_ attached: Bool) throws {
        try state.withLock { state in
            guard !state.isClosed else {
                throw StoreError(operation: "attach a merge worker", path: path, reason: "the store is closed")
            }
            try StoreError.wrapping("attach a merge worker", path: path) {
                try database.writeWithoutTransaction { db in
                    try db.execute(sql: "PRAGMA wal_autocheckpoint = \(attached ? 0 : 1_000)")
                }
            }
            state.hasMergeWorker = attached
        }
    }

    private func merge() throws -> MergeReport {
        let clock = ContinuousClock()
        let start = clock.now
        var inserted = 0
        var moved = 0
        try StoreError.wrapping("merge recent readings", path: path) {
            try database.inTransaction(.immediate) { db in
                inserted = try mergeIntoMainAndRollups(db)
                try db.execute(sql: StoreSQL.clearRecent)
                moved = db.changesCount
                return .commit
            }
        }
        recentRows.subtract(moved, ordering: .relaxed)
        let duration = clock.now - start
        return MergeReport(rowsMoved: moved, duplicatesIgnored: moved - inserted, duration: duration,
                           transactions: 1, longestTransaction: duration)
    }
}
