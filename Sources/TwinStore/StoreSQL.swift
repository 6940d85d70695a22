/// The statements the store runs more than once, so that tests can check the plan of the exact SQL.
enum StoreSQL {
    /// Rows per multi-row INSERT on the commit path: one statement execution per 64 rows instead of per row
    /// roughly halves the binding and stepping overhead of GRDB and SQLite.
    static let rowsPerStatement = 64

    /// `ON CONFLICT DO NOTHING` ignores redeliveries (the primary key) only; `OR IGNORE` would also silently drop
    /// a NaN value (bound as NULL) instead of failing the batch on NOT NULL.
    static func insertRecent(rows: Int) -> String {
        """
        INSERT INTO readings_recent (ts, series_id, value) VALUES \(placeholders(rows: rows, columns: 3))
        ON CONFLICT DO NOTHING
        """
    }
    /// `total` carries on from the newest row (a seek on the primary key), from 0 once the queue is empty.
    static let enqueueForward = """
        INSERT INTO forward_queue (ts, rows, total, data)
        VALUES (?1, ?2, coalesce((SELECT total FROM forward_queue ORDER BY seq DESC LIMIT 1), 0) + ?2, ?3)
        """
    /// Readings queued (the difference of the two ends' `total`s) and the oldest chunk's oldest timestamp.
    static let forwardBacklog = """
        SELECT coalesce((SELECT total FROM forward_queue ORDER BY seq DESC LIMIT 1)
                        - (SELECT total - rows FROM forward_queue ORDER BY seq LIMIT 1), 0),
               (SELECT ts FROM forward_queue ORDER BY seq LIMIT 1),
               (SELECT max(seq) FROM forward_queue)
        """
    static let insertRecentOne = insertRecent(rows: 1)
    static let insertRecentMany = insertRecent(rows: rowsPerStatement)

    static func upsertLatest(rows: Int) -> String {
        """
        INSERT INTO latest (series_id, ts, value) VALUES \(placeholders(rows: rows, columns: 3))
        ON CONFLICT (series_id) DO UPDATE SET ts = excluded.ts, value = excluded.value WHERE excluded.ts > latest.ts
        """
    }
    static let upsertLatestOne = upsertLatest(rows: 1)
    static let upsertLatestMany = upsertLatest(rows: rowsPerStatement)

    static let insertSeries = "INSERT OR IGNORE INTO series (asset, metric) VALUES (?, ?)"
    static let selectSeriesID = "SELECT id FROM series WHERE asset = ? AND metric = ?"
    static let upsertProperty = """
        INSERT INTO properties (asset, key, value, ts) VALUES (?, ?, ?, ?)
        ON CONFLICT (asset, key) DO UPDATE SET value = excluded.value, ts = excluded.ts
        WHERE excluded.ts > properties.ts
        """
    static let insertQuarantine =
        "INSERT INTO quarantine_entries (received_at, topic, reason, payload) VALUES (?, ?, ?, ?)"
    static let pruneQuarantine = "DELETE FROM quarantine_entries WHERE id <= ?"
    static let upsertSnapshot = """
        INSERT INTO twin_snapshots (asset, ts, version, state, status) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (asset) DO UPDATE SET ts = excluded.ts, version = excluded.version, state = excluded.state,
            status = excluded.status
        """
    /// Returns the rows actually inserted (not the redeliveries it ignores), for the rollups. Readings older than
    /// what retention already deleted of their series (`raw_pruned`) are dropped, so they are not counted twice.
    static let mergeIntoMain = """
        INSERT OR IGNORE INTO readings_main (series_id, ts, value)
        SELECT r.series_id, r.ts, r.value FROM readings_recent r
        WHERE NOT EXISTS (SELECT 1 FROM raw_pruned k WHERE k.series_id = r.series_id AND r.ts < k.before)
        ORDER BY r.series_id, r.ts
        RETURNING series_id, ts, value
        """
    static let clearRecent = "DELETE FROM readings_recent"

    /// History of one series in time order; arguments: asset, metric, from, to, limit (-1 for none).
    static let history = """
        SELECT ts, value FROM readings WHERE asset = ? AND metric = ? AND ts BETWEEN ? AND ? ORDER BY ts LIMIT ?
        """
    /// Merged readings of one series in time order; arguments: series_id, from, to.
    static let mainOfSeries =
        "SELECT ts, value FROM readings_main WHERE series_id = ? AND ts BETWEEN ? AND ? ORDER BY ts"
    static let latest = "SELECT asset, metric, ts, value FROM twin_latest ORDER BY asset, metric"
    static let latestOfAsset = "SELECT asset, metric, ts, value FROM twin_latest WHERE asset = ? ORDER BY metric"
    static let snapshots = "SELECT asset, ts, version, CAST(state AS BLOB), status FROM twin_snapshots ORDER BY asset"

    /// `(?, ?, ?), (?, ?, ?)` for `rows` rows of `columns` values.
    static func placeholders(rows: Int, columns: Int) -> String {
        let row = "(" + Array(repeating: "?", count: columns).joined(separator: ", ") + ")"
        return Array(repeating: row, count: rows).joined(separator: ", ")
    }
}
