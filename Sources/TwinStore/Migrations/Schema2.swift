/// Alerts and maintenance, added to a database of ``Schema1``. The public views are listed on ``TwinStore``.
///
/// Internal tables (may change): `alert_episodes` (one row per alert, from raised to cleared), `alert_history`
/// (every transition of an alert), `maintenance_events`.
enum Schema2 {
    static let sql = """
        CREATE TABLE alert_episodes (
            id INTEGER PRIMARY KEY,
            asset TEXT NOT NULL,
            rule TEXT NOT NULL,
            severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
            state TEXT NOT NULL CHECK (state IN ('raised', 'acknowledged', 'cleared')),
            raised_at INTEGER NOT NULL,
            cleared_at INTEGER,
            acked_at INTEGER,
            value REAL,
            message TEXT NOT NULL,
            CHECK ((state = 'cleared') = (cleared_at IS NOT NULL)),
            CHECK (state <> 'acknowledged' OR acked_at IS NOT NULL),
            CHECK (state <> 'raised' OR acked_at IS NULL)
        );
        -- At most one active (not cleared) alert per asset and rule; also the index of every lookup of it.
        CREATE UNIQUE INDEX alert_episodes_active ON alert_episodes (asset, rule) WHERE cleared_at IS NULL;
        CREATE INDEX alert_episodes_asset ON alert_episodes (asset, raised_at);
        CREATE TABLE alert_history (
            id INTEGER PRIMARY KEY,
            alert_id INTEGER NOT NULL REFERENCES alert_episodes (id),
            ts INTEGER NOT NULL,
            event TEXT NOT NULL CHECK (event IN ('raised', 'acknowledged', 'cleared')),
            value REAL,
            message TEXT
        );
        CREATE INDEX alert_history_alert ON alert_history (alert_id);
        CREATE TABLE maintenance_events (
            id INTEGER PRIMARY KEY,
            asset TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('failure', 'repair', 'service', 'reset')),
            counter TEXT,
            at INTEGER NOT NULL,
            note TEXT
        );
        CREATE INDEX maintenance_events_asset ON maintenance_events (asset, at);

        CREATE VIEW alerts (id, asset, rule, severity, state, raised_at, cleared_at, acked_at, value, message) AS
            SELECT id, asset, rule, severity, state, raised_at, cleared_at, acked_at, value, message
            FROM alert_episodes;
        CREATE VIEW alert_events (id, alert_id, ts, event, value, message) AS
            SELECT id, alert_id, ts, event, value, message FROM alert_history;
        CREATE VIEW maintenance (id, asset, kind, counter, at, note) AS
            SELECT id, asset, kind, counter, at, note FROM maintenance_events;
        """
}
