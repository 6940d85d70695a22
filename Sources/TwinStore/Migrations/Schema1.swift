/// The first schema of a twind database. The public views are listed on ``TwinStore``; keep them stable.
///
/// Internal tables (may change): `series`, `readings_recent` (time-ordered, appended by every batch),
/// `readings_main` (series-ordered, filled in bulk by merges), `latest`, `properties`, `quarantine_entries`.
enum Schema1 {
    static let sql = """
        CREATE TABLE series (
            id INTEGER PRIMARY KEY,
            asset TEXT NOT NULL,
            metric TEXT NOT NULL,
            UNIQUE (asset, metric)
        );
        CREATE TABLE readings_recent (
            ts INTEGER NOT NULL,
            series_id INTEGER NOT NULL,
            value REAL NOT NULL,
            PRIMARY KEY (ts, series_id)
        ) WITHOUT ROWID;
        CREATE TABLE readings_main (
            series_id INTEGER NOT NULL,
            ts INTEGER NOT NULL,
            value REAL NOT NULL,
            PRIMARY KEY (series_id, ts)
        ) WITHOUT ROWID;
        CREATE TABLE latest (
            series_id INTEGER PRIMARY KEY,
            ts INTEGER NOT NULL,
            value REAL NOT NULL
        );
        CREATE TABLE properties (
            asset TEXT NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            ts INTEGER NOT NULL,
            PRIMARY KEY (asset, key)
        ) WITHOUT ROWID;
        CREATE TABLE quarantine_entries (
            id INTEGER PRIMARY KEY,
            received_at INTEGER NOT NULL,
            topic TEXT NOT NULL,
            reason TEXT NOT NULL,
            payload BLOB NOT NULL
        );
        CREATE TABLE twin_snapshots (
            asset TEXT PRIMARY KEY,
            ts INTEGER NOT NULL,
            version INTEGER NOT NULL,
            state TEXT NOT NULL
        );

        CREATE VIEW readings (asset, metric, ts, value) AS
            SELECT s.asset, s.metric, m.ts, m.value
            FROM readings_main m JOIN series s ON s.id = m.series_id
            UNION ALL
            SELECT s.asset, s.metric, r.ts, r.value
            FROM readings_recent r JOIN series s ON s.id = r.series_id
            WHERE NOT EXISTS (SELECT 1 FROM readings_main m2 WHERE m2.series_id = r.series_id AND m2.ts = r.ts);
        CREATE VIEW twin_latest (asset, metric, ts, value) AS
            SELECT s.asset, s.metric, l.ts, l.value FROM latest l JOIN series s ON s.id = l.series_id;
        CREATE VIEW twin_properties (asset, key, value, ts) AS
            SELECT asset, key, value, ts FROM properties;
        CREATE VIEW quarantine (received_at, topic, reason, payload) AS
            SELECT received_at, topic, reason, payload FROM quarantine_entries;
        """
}
