/// Rollups and retention, added to a database of ``Schema2``. The public views are listed on ``TwinStore``.
///
/// Internal tables (may change): `rollup_1m` and `rollup_1h` (one row per series and bucket, folded from the rows a
/// merge moves into `readings_main`), `raw_pruned` (per series, the time before which retention deleted the raw
/// readings: a merge drops redelivered readings older than it, so they are neither stored nor counted again).
///
/// `readings_1m` and `readings_1h` combine the rollup table with an aggregate of the readings not merged yet.
enum Schema3 {
    static let sql = """
        \(RollupWidth.minute.createTableSQL)
        \(RollupWidth.hour.createTableSQL)
        CREATE TABLE raw_pruned (
            series_id INTEGER PRIMARY KEY,
            before INTEGER NOT NULL
        );
        \(RollupWidth.minute.createViewSQL)
        \(RollupWidth.hour.createViewSQL)
        """
}

extension RollupWidth {
    var createTableSQL: String {
        """
        CREATE TABLE \(table) (
            series_id INTEGER NOT NULL,
            bucket INTEGER NOT NULL,
            n INTEGER NOT NULL,
            lo REAL NOT NULL,
            hi REAL NOT NULL,
            total REAL NOT NULL,
            first_ts INTEGER NOT NULL,
            first_v REAL NOT NULL,
            last_ts INTEGER NOT NULL,
            last_v REAL NOT NULL,
            PRIMARY KEY (series_id, bucket)
        ) WITHOUT ROWID;
        """
    }

    /// The start of the bucket of `column` (floor division, also right for times before 1970).
    func bucketSQL(_ column: String) -> String {
        "(\(column) - ((\(column) % \(millis)) + \(millis)) % \(millis))"
    }

    /// The public view: rollup rows, combined with the readings of `readings_recent` that are not in
    /// `readings_main` yet (first value from the earlier part, last from the later one).
    var createViewSQL: String {
        """
        CREATE VIEW \(view) (asset, metric, ts, count, min, max, sum, avg, first_ts, first, last_ts, last) AS
            WITH pending AS (
                SELECT p.series_id, p.bucket, p.n, p.lo, p.hi, p.total, p.first_ts,
                    (SELECT f.value FROM readings_recent f WHERE f.ts = p.first_ts AND f.series_id = p.series_id)
                        AS first_v,
                    p.last_ts,
                    (SELECT l.value FROM readings_recent l WHERE l.ts = p.last_ts AND l.series_id = p.series_id)
                        AS last_v
                FROM (
                    SELECT r.series_id, \(bucketSQL("r.ts")) AS bucket, count(*) AS n, min(r.value) AS lo,
                        max(r.value) AS hi, sum(r.value) AS total, min(r.ts) AS first_ts, max(r.ts) AS last_ts
                    FROM readings_recent r
                    WHERE NOT EXISTS (SELECT 1 FROM readings_main m WHERE m.series_id = r.series_id AND m.ts = r.ts)
                    GROUP BY r.series_id, bucket
                ) p
            )
            SELECT s.asset, s.metric, g.bucket, g.n + ifnull(p.n, 0), min(g.lo, ifnull(p.lo, g.lo)),
                max(g.hi, ifnull(p.hi, g.hi)), g.total + ifnull(p.total, 0),
                (g.total + ifnull(p.total, 0)) / (g.n + ifnull(p.n, 0)),
                min(g.first_ts, ifnull(p.first_ts, g.first_ts)),
                CASE WHEN p.first_ts < g.first_ts THEN p.first_v ELSE g.first_v END,
                max(g.last_ts, ifnull(p.last_ts, g.last_ts)),
                CASE WHEN p.last_ts > g.last_ts THEN p.last_v ELSE g.last_v END
            FROM \(table) g JOIN series s ON s.id = g.series_id
            LEFT JOIN pending p ON p.series_id = g.series_id AND p.bucket = g.bucket
            UNION ALL
            SELECT s.asset, s.metric, p.bucket, p.n, p.lo, p.hi, p.total, p.total / p.n, p.first_ts, p.first_v,
                p.last_ts, p.last_v
            FROM pending p JOIN series s ON s.id = p.series_id
            WHERE NOT EXISTS (SELECT 1 FROM \(table) g WHERE g.series_id = p.series_id AND g.bucket = p.bucket);
        """
    }
}
