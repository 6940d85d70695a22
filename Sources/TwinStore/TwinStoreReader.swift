import Foundation
import GRDB
import GRDBSQLite
import TwinCore

/// A read-only connection to a twind database, safe to use while the daemon writes (WAL readers never block it).
///
/// Each call sees one consistent snapshot of the database.
public final class TwinStoreReader: Sendable {
    public let path: String
    let database: DatabaseQueue

    /// Opens the database at `path` read-only; it must exist.
    public init(path: String) throws {
        self.path = path
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError(
                operation: "open the database for reading",
                path: path,
                reason: "the file does not exist",
                hint: "`twind run` creates it; check the path or start the daemon first."
            )
        }
        var config = Configuration()
        config.label = "twind.reader"
        config.readonly = true
        config.busyMode = .timeout(5)
        self.database = try StoreError.wrapping("open the database for reading", path: path) {
            try DatabaseQueue(path: path, configuration: config)
        }
        let isTwinDatabase = try read("open the database for reading") { db in
            try db.tableExists("series") && db.tableExists("readings_main")
        }
        guard isTwinDatabase else {
            throw StoreError(
                operation: "open the database for reading",
                path: path,
                reason: "the file is not a twind database",
                hint: "`twind run` creates one; check the path."
            )
        }
    }

    /// The newest reading of each series, of one asset or of all, sorted by asset and metric.
    public func latest(asset: String?) throws -> [Reading] {
        try read("read the latest values") { db in
            if let asset {
                return try Row.fetchAll(db, sql: StoreSQL.latestOfAsset, arguments: [asset]).map(
                    Reading.init(latestRow:)
                )
            }
            return try Row.fetchAll(db, sql: StoreSQL.latest).map(Reading.init(latestRow:))
        }
    }

    /// Calls `body` with the readings of one series in time order, from `from` to `to` inclusive, at most `limit`.
    ///
    /// Rows are streamed from an SQLite cursor: memory does not grow with the size of the result. See
    /// ``history(seriesOf:metric:from:to:limit:_:)`` for the reading-free form.
    public func history(
        asset: String,
        metric: String,
        from: Int64?,
        to: Int64?,
        limit: Int?,
        _ body: (Reading) throws -> Void
    ) throws {
        try history(seriesOf: asset, metric: metric, from: from, to: to, limit: limit) { timestamp, value in
            try body(Reading(asset: asset, metric: metric, timestamp: timestamp, value: value))
        }
    }

    /// Calls `body` with the time and value of every reading of one series, in time order, from `from` to `to`
    /// inclusive, at most `limit`: what the `readings` view holds, read without it.
    ///
    /// `readings_main` streams in its key order (series, time), stepped with the SQLite C API (no row objects); the
    /// readings not merged yet (bounded by the writer's merge threshold) are read first and merged in by time.
    public func history(
        seriesOf asset: String,
        metric: String,
        from: Int64?,
        to: Int64?,
        limit: Int?,
        _ body: (_ timestamp: Int64, _ value: Double) throws -> Void
    ) throws {
        var bodyError: (any Error)?
        try read("read the history of \(asset)/\(metric)") { db in
            guard let seriesID = try Int64.fetchOne(db, sql: StoreSQL.selectSeriesID, arguments: [asset, metric])
            else { return }
            let low = from ?? .min
            let high = to ?? .max
            var pending: [(timestamp: Int64, value: Double)] = []
            let pendingRows = try Row.fetchCursor(db, sql: StoreSQL.pendingOfSeries, arguments: [low, high, seriesID])
            while let row = try pendingRows.next() { pending.append((row[0], row[1])) }
            var next = 0
            var remaining = limit ?? .max
            func emit(_ timestamp: Int64, _ value: Double) -> Bool {
                guard remaining > 0 else { return false }
                remaining -= 1
                do { try body(timestamp, value) } catch {
                    bodyError = error
                    return false
                }
                return true
            }
            let statement = try db.makeStatement(sql: StoreSQL.mainOfSeries)
            try statement.setArguments([seriesID, low, high])
            let handle = statement.sqliteStatement
            while true {
                let code = sqlite3_step(handle)
                if code == SQLITE_DONE { break }
                guard code == SQLITE_ROW else {
                    throw DatabaseError(resultCode: ResultCode(rawValue: code), message: db.lastErrorMessage,
                                        sql: statement.sql)
                }
                let timestamp = sqlite3_column_int64(handle, 0)
                while next < pending.count, pending[next].timestamp < timestamp {
                    guard emit(pending[next].timestamp, pending[next].value) else { return }
                    next += 1
                }
                guard emit(timestamp, sqlite3_column_double(handle, 1)) else { return }
            }
            while next < pending.count {
                guard emit(pending[next].timestamp, pending[next].value) else { return }
                next += 1
            }
        }
        // The caller's own error, unwrapped: it stopped the iteration, the store did not fail.
        if let bodyError {
            throw bodyError
        }
    }

    /// The newest `limit` quarantined messages, newest first.
    public func quarantine(limit: Int) throws -> [QuarantineEntry] {
        try read("read the quarantine") { db in
            let sql = """
                SELECT received_at, topic, reason, payload FROM quarantine_entries ORDER BY id DESC LIMIT ?
                """
            return try Row.fetchAll(db, sql: sql, arguments: [limit]).map { row in
                let payload: Data = row[3]
                return QuarantineEntry(receivedAt: row[0], topic: row[1], reason: row[2], payload: [UInt8](payload))
            }
        }
    }

    /// The properties of one asset or of all, sorted by asset and key.
    public func properties(asset: String?) throws -> [PropertyUpdate] {
        try read("read the properties") { db in
            let rows: [Row]
            if let asset {
                let sql = "SELECT asset, key, value, ts FROM twin_properties WHERE asset = ? ORDER BY key"
                rows = try Row.fetchAll(db, sql: sql, arguments: [asset])
            } else {
                rows = try Row.fetchAll(
                    db,
                    sql: "SELECT asset, key, value, ts FROM twin_properties ORDER BY asset, key"
                )
            }
            return rows.map { PropertyUpdate(asset: $0[0], key: $0[1], value: $0[2], timestamp: $0[3]) }
        }
    }

    /// Row counts; `readings` counts every stored reading, which reads the whole readings table.
    public func counts() throws -> (readings: Int, series: Int, quarantined: Int, assets: Int) {
        let counts = try read("count the stored rows") { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT (SELECT count(*) FROM readings), (SELECT count(*) FROM series),
                        (SELECT count(*) FROM quarantine_entries), (SELECT count(*) FROM (\(Self.assetsSQL)))
                    """
            ).map { [$0[0], $0[1], $0[2], $0[3]] as [Int] } ?? [0, 0, 0, 0]
        }
        return (counts[0], counts[1], counts[2], counts[3])
    }

    /// Every asset with a series or a property, sorted.
    public func assets() throws -> [String] {
        try read("list the assets") { db in
            try String.fetchAll(db, sql: Self.assetsSQL + " ORDER BY 1")
        }
    }

    private static let assetsSQL = "SELECT asset FROM series UNION SELECT asset FROM properties"

    func read<T>(_ operation: String, _ body: (Database) throws -> T) throws -> T {
        try StoreError.wrapping(operation, path: path) { try database.read(body) }
    }
}
