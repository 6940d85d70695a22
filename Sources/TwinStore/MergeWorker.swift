import Foundation
import GRDB

/// Merges `readings_recent` into `readings_main` and the rollups beside the writer, on its own connection to the
/// same file, in write transactions of about `chunkRows` rows, so that a commit waits for one chunk at most.
///
/// A cycle copies the oldest rows of `readings_recent` into a temp table (a read: no write lock), inserts them into
/// `readings_main` and the rollups one range of series at a time, then deletes exactly those rows from
/// `readings_recent` one range of time at a time. In between, a merged reading is in both tables, which every
/// reader already counts once (the `readings_main` row wins, as for a redelivery). A cycle cut short by a shutdown
/// or a crash leaves that state behind; the next one inserts nothing twice (`INSERT OR IGNORE`; the rollups take
/// only the rows inserted) and finishes the deletes.
///
/// While it is open, the store leaves merges (but for a safety valve, see ``TwinStore/workerBacklogFactor``) and WAL
/// checkpoints to it. Use it from one thread.
public final class MergeWorker: Sendable {
    public let store: TwinStore
    /// Rows per insert or delete transaction (a chunk ends at a series or time boundary, so it may hold a few more).
    public let chunkRows: Int
    private let database: DatabaseQueue

    /// Opens a second connection to the store's file and takes merges and checkpoints over from `store`.
    public init(store: TwinStore, chunkRows: Int = 5_000) throws {
        self.store = store
        self.chunkRows = max(1, chunkRows)
        var config = Configuration()
        config.label = "twind.merge"
        config.journalMode = .wal
        // Slower polling than the writer's, so that when both wait for the lock the writer usually gets it first.
        config.busyMode = .callback(TwinStore.busyWait(timeoutMillis: 60_000, pollMicros: 2_000))
        config.prepareDatabase { db in
            // NORMAL is enough here: a merge moves readings that are already durable, and the WAL keeps transactions
            // in order, so a power loss can only drop the newest merge transactions, leaving a consistent file.
            // An 8 MiB cache and temp tables on file: the merge reads its pages through the OS page cache instead of
            // holding them in twind's memory (peak RSS, bench); the copy of a merge cycle and its sort spill to a
            // temp file (under the systemd unit, its private /tmp).
            try db.execute(sql: """
                PRAGMA cache_size = -8192; PRAGMA temp_store = FILE; PRAGMA synchronous = NORMAL
                """)
            try db.execute(sql: StoreSQL.createMergeSnapshot)
        }
        database = try StoreError.wrapping("open the merge connection", path: store.path) {
            try DatabaseQueue(path: store.path, configuration: config)
        }
        try store.attachMergeWorker(true)
    }

    /// Runs ``merge(between:)`` if `readings_recent` holds at least the store's `mergeThreshold` rows.
    @discardableResult
    public func mergeIfNeeded(between: () throws -> Void = {}) throws -> MergeReport? {
        guard store.recentRows.load(ordering: .relaxed) >= store.configuration.mergeThreshold else { return nil }
        return try merge(between: between)
    }

    /// Merges the oldest rows of `readings_recent` (at most four times `mergeThreshold`) in chunks.
    ///
    /// `between` runs after every transaction but the last; to stop the cycle there, throw from it (the error is
    /// rethrown as is, and the file stays consistent).
    @discardableResult
    public func merge(between: () throws -> Void = {}) throws -> MergeReport {
        let clock = ContinuousClock()
        let start = clock.now
        var cycle = Cycle()
        try database.writeWithoutTransaction { db in
            defer { try? db.execute(sql: StoreSQL.clearMergeSnapshot) }
            try wrapping("copy recent readings for a merge") {
                try db.inTransaction(.deferred) {
                    try db.execute(sql: StoreSQL.fillMergeSnapshot,
                                   arguments: [max(store.configuration.mergeThreshold, 1) * 4])
                    return .commit
                }
            }
            guard let newest = try wrapping("copy recent readings for a merge", {
                try Int64.fetchOne(db, sql: "SELECT max(ts) FROM temp.merge_snapshot")
            }) else { return }
            var first = true
            var after = Int64.min
            while let last = try wrapping("plan a merge chunk", { try chunkEnd(db, after: after) }) {
                if !first { try between() }
                first = false
                var inserted = 0
                try cycle.timed(clock) {
                    try wrapping("merge recent readings") {
                        try db.inTransaction(.immediate) {
                            inserted = try mergeChunk(db, after: after, through: last)
                            return .commit
                        }
                    }
                }
                cycle.inserted += inserted
                after = last
            }
            var deletedThrough = Int64.min
            while deletedThrough < newest {
                try between()
                let boundary = try wrapping("plan a merge chunk") {
                    min(newest, try Int64.fetchOne(db, sql: StoreSQL.recentBoundary,
                                                   arguments: [deletedThrough, chunkRows - 1]) ?? newest)
                }
                var deleted = 0
                try cycle.timed(clock) {
                    try wrapping("delete merged readings") {
                        try db.inTransaction(.immediate) {
                            try db.execute(sql: StoreSQL.deleteMergedRecent, arguments: [deletedThrough, boundary])
                            deleted = db.changesCount
                            return .commit
                        }
                    }
                }
                cycle.moved += deleted
                store.recentRows.subtract(deleted, ordering: .relaxed)
                deletedThrough = boundary
            }
        }
        return MergeReport(rowsMoved: cycle.moved, duplicatesIgnored: max(0, cycle.moved - cycle.inserted),
                           duration: clock.now - start, transactions: cycle.transactions,
                           longestTransaction: cycle.longest)
    }

    /// Copies as much of the WAL into the database file as no reader needs (`wal_checkpoint(PASSIVE)`); this never
    /// blocks the writer.
    public func checkpoint() throws {
        try wrapping("checkpoint the WAL") {
            try database.writeWithoutTransaction { _ = try $0.checkpoint(.passive) }
        }
    }

    /// Hands merges and checkpoints back to the store and closes the connection.
    public func close() throws {
        try wrapping("close the merge connection") { try database.close() }
        try store.attachMergeWorker(false)
    }

    /// The last series of the chunk after series `after`, or nil when the snapshot holds no later series.
    private func chunkEnd(_ db: Database, after: Int64) throws -> Int64? {
        try Int64.fetchOne(db, sql: StoreSQL.mergeChunkEnd, arguments: [after, chunkRows - 1])
            ?? Int64.fetchOne(db, sql: "SELECT max(series_id) FROM temp.merge_snapshot WHERE series_id > ?",
                              arguments: [after])
    }

    /// Inserts the snapshot rows of series (`after`, `last`] into `readings_main` and the rollups; returns how many
    /// were new.
    private func mergeChunk(_ db: Database, after: Int64, through last: Int64) throws -> Int {
        var rollups = RollupAccumulator()
        let rows = try Row.fetchCursor(db.cachedStatement(sql: StoreSQL.mergeChunkIntoMain), arguments: [after, last])
        while let row = try rows.next() {
            rollups.add(seriesID: row[0], timestamp: row[1], value: row[2])
        }
        let inserted = rollups.readings
        try rollups.write(db)
        return inserted
    }

    private func wrapping<T>(_ operation: String, _ body: () throws -> T) throws -> T {
        try StoreError.wrapping(operation, path: store.path, body)
    }
}

/// The tally of one merge cycle.
private struct Cycle {
    var inserted = 0
    var moved = 0
    var transactions = 0
    var longest = Duration.zero

    /// Runs one transaction, counting it and its duration.
    mutating func timed(_ clock: ContinuousClock, _ transaction: () throws -> Void) rethrows {
        let start = clock.now
        try transaction()
        transactions += 1
        longest = max(longest, clock.now - start)
    }
}
