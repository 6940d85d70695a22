import Foundation
import GRDB
import Synchronization
import TwinCore

/// The single writer of a twind database (SQLite in WAL mode, `synchronous=FULL`).
///
/// Readings are appended to the time-ordered `readings_recent` table by every ``commit(_:)`` and moved in bulk into
/// the series-ordered `readings_main` table by ``mergeRecent()``, or in short transactions by a ``MergeWorker`` on
/// its own connection, which keeps each commit to a few dirty pages. Use it from one thread at a time (the daemon's
/// ingest thread); other processes read with ``TwinStoreReader``.
///
/// ## Public views
///
/// Stable; query them with `sqlite3 -readonly twind.db`. Times are Unix milliseconds.
///
/// - `readings(asset, metric, ts, value)`: every stored reading, one row per (asset, metric, ts); the first value
///   received wins over redeliveries. `WHERE asset = ? AND metric = ? AND ts BETWEEN ? AND ?` is an index range
///   search, in `ts` order without sorting when the query asks `ORDER BY ts`.
/// - `readings_1m(asset, metric, ts, count, min, max, sum, avg, first_ts, first, last_ts, last)` and `readings_1h`
///   (same columns): per series and 1-minute / 1-hour bucket (`ts` is the bucket start), the aggregate of its
///   readings, including those not merged yet; kept after the raw readings expire (see ``RetentionPolicy``).
/// - `twin_latest(asset, metric, ts, value)`: the newest reading of each series (late readings never move it back).
/// - `twin_properties(asset, key, value, ts)`: the newest value of each string property of each asset.
/// - `quarantine(received_at, topic, reason, payload)`: undecodable messages, `payload` as a BLOB; only the newest
///   `quarantineMaxRows` are kept.
/// - `twin_snapshots(asset, ts, version, state, status)` (a table): the last saved state of each twin, `state` a BLOB
///   (the daemon's compact encoding; `twind query twin` shows it as JSON), `status` the twin's status then.
/// - `alerts(id, asset, rule, severity, state, raised_at, cleared_at, acked_at, value, message)`: one row per alert
///   episode; `state` is `raised`, `acknowledged` or `cleared`; at most one not cleared per (asset, rule); `value`
///   and `message` are those it was raised with.
/// - `alert_events(id, alert_id, ts, event, value, message)`: every transition of every alert, `event` being
///   `raised`, `acknowledged` (no value, no message) or `cleared`.
/// - `maintenance(id, asset, kind, counter, at, note)`: `kind` is `failure`, `repair`, `service` or `reset`;
///   `counter` names the usage counter an event (a reset) applies to.
public final class TwinStore: Sendable {
    public let path: String
    public let configuration: StoreConfiguration
    let database: DatabaseQueue
    let state: Mutex<WriterState>
    /// Rows in `readings_recent`: counted at open, then added to by commits and taken from by merges.
    let recentRows: Atomic<Int>

    /// Opens or creates the database at `path` and migrates it. The parent directory must exist.
    public init(path: String, configuration: StoreConfiguration = .init()) throws {
        self.path = path
        self.configuration = configuration
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw StoreError(
                operation: "open the database",
                path: path,
                reason: "the directory \(directory) does not exist",
                hint: "Create it first, or choose another database path."
            )
        }
        var config = Configuration()
        config.label = "twind.store"
        config.journalMode = .wal
        // A merge worker holds the write lock for one short transaction at a time: poll for it every 0.5 ms rather
        // than SQLite's backoff, which sleeps up to 100 ms at once.
        config.busyMode = .callback(Self.busyWait(timeoutMillis: configuration.busyTimeoutMillis, pollMicros: 500))
        config.prepareDatabase { db in
            // 8 MiB: the writer appends to the tail of `readings_recent` and updates `latest`; merges (and their
            // scattered leaf pages) are the merge worker's, which has the larger cache. In-memory temp for sorting.
            try db.execute(sql: "PRAGMA cache_size = -8192; PRAGMA temp_store = MEMORY")
        }
        self.database = try StoreError.wrapping("open the database", path: path) {
            try DatabaseQueue(path: path, configuration: config)
        }
        let initial = try StoreError.wrapping("prepare the database", path: path) { [database] in
            // After GRDB's WAL setup, which chooses NORMAL: an acknowledged reading must survive a power loss.
            try database.writeWithoutTransaction { try $0.execute(sql: "PRAGMA synchronous = FULL") }
            try Self.enableIncrementalVacuumIfEmpty(database)
            try StoreMigrator.migrate(database)
            return try database.read { db in
                var state = WriterState()
                state.recentRowsAtOpen = try Int.fetchOne(db, sql: "SELECT count(*) FROM readings_recent") ?? 0
                let rows = try Row.fetchCursor(db, sql: "SELECT id, asset, metric FROM series")
                while let row = try rows.next() {
                    state.seriesIDs[SeriesKey(asset: row[1], metric: row[2])] = row[0]
                }
                return state
            }
        }
        self.recentRows = Atomic(initial.recentRowsAtOpen)
        self.state = Mutex(initial)
    }

    /// The saved state of every twin, sorted by asset.
    public func loadSnapshots() throws -> [TwinSnapshot] {
        try read("load twin snapshots") { db in
            try Row.fetchAll(db, sql: StoreSQL.snapshots).map { row in
                let state: Data = row[3]
                return TwinSnapshot(asset: row[0], timestamp: row[1], version: row[2], state: [UInt8](state),
                                    status: row[4])
            }
        }
    }

    /// Whether a reading with this series and time is stored already (whatever its value): a redelivered message
    /// the twins must not count again. Two primary-key lookups.
    public func contains(asset: String, metric: String, timestamp: Int64) throws -> Bool {
        try read("look up a stored reading") { db in
            try Bool.fetchOne(db, sql: """
                SELECT EXISTS (SELECT 1 FROM series s WHERE s.asset = ? AND s.metric = ? AND (
                    EXISTS (SELECT 1 FROM readings_main m WHERE m.series_id = s.id AND m.ts = ?)
                    OR EXISTS (SELECT 1 FROM readings_recent r WHERE r.ts = ? AND r.series_id = s.id)))
                """, arguments: [asset, metric, timestamp, timestamp]) ?? false
        }
    }

    /// All rows of `twin_latest`, sorted by asset and metric (used to restore the twins at start).
    public func latestValues() throws -> [Reading] {
        try read("load the latest values") { db in
            try Row.fetchAll(db, sql: StoreSQL.latest).map(Reading.init(latestRow:))
        }
    }

    /// Moves the whole WAL into the database file and truncates it (`wal_checkpoint(TRUNCATE)`), e.g. at shutdown.
    public func checkpoint() throws {
        try withOpenDatabase("checkpoint the WAL") {
            try database.writeWithoutTransaction { _ = try $0.checkpoint(.truncate) }
        }
    }

    /// Closes the connection; later calls throw.
    public func close() throws {
        try state.withLock { state in
            guard !state.isClosed else { return }
            try StoreError.wrapping("close the database", path: path) { try database.close() }
            state.isClosed = true
        }
    }

    /// A busy handler that retries every `pollMicros` until `timeoutMillis` have passed.
    static func busyWait(timeoutMillis: Int, pollMicros: UInt32) -> Database.BusyCallback {
        let tries = max(1, timeoutMillis * 1_000 / Int(pollMicros))
        return { numberOfTries in
            guard numberOfTries < tries else { return false }
            usleep(pollMicros)
            return true
        }
    }

    private func read<T: Sendable>(_ operation: String, _ body: (Database) throws -> T) throws -> T {
        try withOpenDatabase(operation) { try database.read(body) }
    }

    /// Runs `body` under the writer lock unless the store is closed, wrapping its errors.
    func withOpenDatabase<T: Sendable>(_ operation: String, _ body: () throws -> T) throws -> T {
        try state.withLock { state in
            guard !state.isClosed else {
                throw StoreError(operation: operation, path: path, reason: "the store is closed")
            }
            return try StoreError.wrapping(operation, path: path, body)
        }
    }
}

extension Reading {
    /// A reading from a row of `asset, metric, ts, value`.
    init(latestRow row: Row) {
        self.init(asset: row[0], metric: row[1], timestamp: row[2], value: row[3])
    }
}
