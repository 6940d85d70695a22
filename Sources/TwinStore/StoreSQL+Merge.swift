extension StoreSQL {
    /// The worker's private copy of the rows it merges (a temp table: filling it needs no write lock on the file).
    static let createMergeSnapshot = """
        CREATE TEMP TABLE IF NOT EXISTS merge_snapshot (
            series_id INTEGER NOT NULL,
            ts INTEGER NOT NULL,
            value REAL NOT NULL,
            PRIMARY KEY (series_id, ts)
        ) WITHOUT ROWID
        """
    /// The oldest rows of `readings_recent`, at most `?`.
    static let fillMergeSnapshot = """
        INSERT INTO temp.merge_snapshot (series_id, ts, value)
        SELECT series_id, ts, value FROM (
            SELECT series_id, ts, value FROM main.readings_recent ORDER BY ts, series_id LIMIT ?
        ) ORDER BY series_id, ts
        """
    static let clearMergeSnapshot = "DELETE FROM temp.merge_snapshot"
    /// The last series of a chunk: that of the `?`-th snapshot row after series `?`, in series order.
    static let mergeChunkEnd = """
        SELECT series_id FROM temp.merge_snapshot WHERE series_id > ? ORDER BY series_id, ts LIMIT 1 OFFSET ?
        """
    /// Like ``mergeIntoMain``, for the snapshot rows of the series after `?` up to `?`.
    static let mergeChunkIntoMain = """
        INSERT OR IGNORE INTO readings_main (series_id, ts, value)
        SELECT t.series_id, t.ts, t.value FROM temp.merge_snapshot t
        WHERE t.series_id > ? AND t.series_id <= ?
            AND NOT EXISTS (SELECT 1 FROM raw_pruned k WHERE k.series_id = t.series_id AND t.ts < k.before)
        ORDER BY t.series_id, t.ts
        RETURNING series_id, ts, value
        """
    /// The time of the `?`-th row of `readings_recent` after time `?`: the end of a bounded delete.
    static let recentBoundary = "SELECT ts FROM readings_recent WHERE ts > ? ORDER BY ts LIMIT 1 OFFSET ?"
    /// Deletes the snapshot rows of times (`?`, `?`] from `readings_recent`, and no other row: a late reading that
    /// arrived after the snapshot was taken stays for the next merge.
    static let deleteMergedRecent = """
        DELETE FROM readings_recent AS r
        WHERE r.ts > ? AND r.ts <= ?
            AND EXISTS (SELECT 1 FROM temp.merge_snapshot t WHERE t.series_id = r.series_id AND t.ts = r.ts)
        """
}
