extension StoreSQL {
    /// Adds one cell (arguments: series_id, bucket, n, lo, hi, total, first_ts, first_v, last_ts, last_v) to a
    /// rollup table; a cell of the same bucket already there holds other readings, so the two combine.
    static func upsertRollup(_ width: RollupWidth) -> String {
        """
        INSERT INTO \(width.table) (series_id, bucket, n, lo, hi, total, first_ts, first_v, last_ts, last_v)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (series_id, bucket) DO UPDATE SET
            n = n + excluded.n, lo = min(lo, excluded.lo), hi = max(hi, excluded.hi), total = total + excluded.total,
            first_ts = min(first_ts, excluded.first_ts),
            first_v = CASE WHEN excluded.first_ts < first_ts THEN excluded.first_v ELSE first_v END,
            last_ts = max(last_ts, excluded.last_ts),
            last_v = CASE WHEN excluded.last_ts > last_ts THEN excluded.last_v ELSE last_v END
        """
    }

    /// Rollup rows of one series in bucket order; arguments: series_id, first bucket, last bucket.
    static func rollupRange(_ width: RollupWidth) -> String {
        """
        SELECT bucket, n, lo, hi, total, first_ts, first_v, last_ts, last_v FROM \(width.table)
        WHERE series_id = ? AND bucket BETWEEN ? AND ? ORDER BY bucket
        """
    }

    /// Readings of one series in `readings_recent` that are not in `readings_main`, in time order; arguments: from,
    /// to, series_id.
    static let pendingOfSeries = """
        SELECT r.ts, r.value FROM readings_recent r
        WHERE r.ts BETWEEN ? AND ? AND r.series_id = ?
            AND NOT EXISTS (SELECT 1 FROM readings_main m WHERE m.series_id = r.series_id AND m.ts = r.ts)
        ORDER BY r.ts
        """
}
