import GRDB

extension TwinStore {
    /// Merges `readings_recent` into `readings_main` if it holds at least `mergeThreshold` rows.
    ///
    /// Call it between batches; returns nil when there was nothing to do.
    @discardableResult
    public func mergeRecentIfNeeded() throws -> MergeReport? {
        try state.withLock { state in
            guard !state.isClosed else {
                throw StoreError(operation: "merge recent readings", path: path, reason: "the store is closed")
            }
            guard state.recentRows >= configuration.mergeThreshold else { return nil }
            return try merge(&state)
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
            return try merge(&state)
        }
    }

    private func merge(_ state: inout WriterState) throws -> MergeReport {
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
        state.recentRows = 0
        return MergeReport(rowsMoved: moved, duplicatesIgnored: moved - inserted, duration: clock.now - start)
    }
}
