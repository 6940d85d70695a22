import Foundation
import Logging
import PostgresNIO

/// The central database's schema, created and migrated by whichever gateway connects first (under an advisory
/// lock, so gateways starting together do not race). Same names as the SQLite views, each with a `gateway` column:
///
/// - `readings(gateway, asset, metric, ts, value)`: a view joining `readings_data(series, ts, value)` to
///   `series(id, gateway, asset, metric)`. `readings_data` is partitioned by day on `ts` (Unix ms), partitions
///   `readings_data_pYYYYMMDD` created ahead by twind; its primary key (series, ts) is the index of every
///   per-series time-range query. A row of 24 bytes with a 16-byte key, instead of the names in every row and
///   every index entry: PostgreSQL inserted 250,000 rows in 0.79 s instead of 1.64 s (psql, one machine).
/// - `readings_1m(gateway, asset, metric, ts, count, min, max, sum, avg)`: a view over `rollups_1m_data(series,
///   ts, count, min, max, sum)` (partitioned like `readings_data`) for the gateways that forward rollups
///   (`gateways.rollups`), and grouping the readings join for the others (so a filter on a series reaches the
///   index). `forward_tokens(gateway, stream, token)` makes the rollups' additive upsert exactly-once.
/// - `twin_latest(gateway, asset, metric, ts, value)`, `alerts(gateway, id, …)`, `alert_events(gateway, id, …)`,
///   `maintenance(gateway, id, …)`, `quarantine(gateway, id, received_at, topic, reason)`: tables, with the
///   SQLite file's ids.
/// - `gateways(gateway, last_forward_at, rollups)`: who forwards, when it last did, and whether rollups.
enum CentralSchema {
    static let version = 2
    static let lockKey: Int64 = 0x7477_696E_6466_7764  // "twindfwd"

    static let migrations: [String] = [
        """
        CREATE TABLE series (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            gateway text NOT NULL, asset text NOT NULL, metric text NOT NULL,
            UNIQUE (gateway, asset, metric)
        );
        CREATE TABLE readings_data (
            series bigint NOT NULL, ts bigint NOT NULL, value double precision NOT NULL,
            PRIMARY KEY (series, ts)
        ) PARTITION BY RANGE (ts);
        CREATE VIEW readings (gateway, asset, metric, ts, value) AS
            SELECT s.gateway, s.asset, s.metric, d.ts, d.value FROM readings_data d JOIN series s ON s.id = d.series;
        CREATE TABLE twin_latest (
            gateway text NOT NULL, asset text NOT NULL, metric text NOT NULL,
            ts bigint NOT NULL, value double precision NOT NULL,
            PRIMARY KEY (gateway, asset, metric)
        );
        CREATE TABLE alerts (
            gateway text NOT NULL, id bigint NOT NULL, asset text NOT NULL, rule text NOT NULL,
            severity text NOT NULL, state text NOT NULL, raised_at bigint NOT NULL, cleared_at bigint,
            acked_at bigint, value double precision, message text NOT NULL,
            PRIMARY KEY (gateway, id)
        );
        CREATE INDEX alerts_asset ON alerts (gateway, asset, raised_at);
        CREATE TABLE alert_events (
            gateway text NOT NULL, id bigint NOT NULL, alert_id bigint NOT NULL, ts bigint NOT NULL,
            event text NOT NULL, value double precision, message text,
            PRIMARY KEY (gateway, id)
        );
        CREATE TABLE maintenance (
            gateway text NOT NULL, id bigint NOT NULL, asset text NOT NULL, kind text NOT NULL, counter text,
            at bigint NOT NULL, note text,
            PRIMARY KEY (gateway, id)
        );
        CREATE TABLE quarantine (
            gateway text NOT NULL, id bigint NOT NULL, received_at bigint NOT NULL, topic text NOT NULL,
            reason text NOT NULL,
            PRIMARY KEY (gateway, id)
        );
        CREATE TABLE gateways (gateway text PRIMARY KEY, last_forward_at timestamptz NOT NULL);
        CREATE VIEW readings_1m (gateway, asset, metric, ts, count, min, max, sum, avg) AS
            SELECT s.gateway, s.asset, s.metric, d.ts - d.ts % 60000, count(*), min(d.value), max(d.value),
                   sum(d.value), avg(d.value)
            FROM readings_data d JOIN series s ON s.id = d.series
            GROUP BY s.gateway, s.asset, s.metric, d.ts - d.ts % 60000;
        """,
        // 2: forwarded 1-minute rollups (the `rollups` stream). `readings_1m` reads them for the gateways that
        // forward them (`gateways.rollups`), and groups the raw readings for the others.
        """
        CREATE TABLE rollups_1m_data (
            series bigint NOT NULL, ts bigint NOT NULL, count bigint NOT NULL,
            min double precision NOT NULL, max double precision NOT NULL, sum double precision NOT NULL,
            PRIMARY KEY (series, ts)
        ) PARTITION BY RANGE (ts);
        CREATE TABLE forward_tokens (
            gateway text NOT NULL, stream text NOT NULL, token bigint NOT NULL,
            PRIMARY KEY (gateway, stream)
        );
        ALTER TABLE gateways ADD COLUMN rollups boolean NOT NULL DEFAULT false;
        CREATE OR REPLACE VIEW readings_1m (gateway, asset, metric, ts, count, min, max, sum, avg) AS
            SELECT s.gateway, s.asset, s.metric, r.ts, r.count, r.min, r.max, r.sum, r.sum / r.count
            FROM rollups_1m_data r JOIN series s ON s.id = r.series
            UNION ALL
            SELECT s.gateway, s.asset, s.metric, d.ts - d.ts % 60000, count(*), min(d.value), max(d.value),
                   sum(d.value), avg(d.value)
            FROM readings_data d JOIN series s ON s.id = d.series
            WHERE NOT EXISTS (SELECT 1 FROM gateways g WHERE g.gateway = s.gateway AND g.rollups)
            GROUP BY s.gateway, s.asset, s.metric, d.ts - d.ts % 60000;
        """,
    ]

    /// Brings the schema up to date; refuses a database migrated by a newer twind. Returns the versions applied.
    @discardableResult
    static func migrate(_ connection: CentralConnection) async throws -> ClosedRange<Int>? {
        // On an error the caller abandons the connection; the server rolls the transaction back.
        try await connection.execute("BEGIN")
        do {
            try await connection.execute("SELECT pg_advisory_xact_lock(\(lockKey))")
            try await connection.execute("CREATE TABLE IF NOT EXISTS twind_schema (version integer NOT NULL)")
            let current = try await connection.int("SELECT max(version) FROM twind_schema") ?? 0
            if current > migrations.count {
                throw ForwardError.setup("the central schema is version \(current), newer than this twind's "
                                         + "\(migrations.count): upgrade twind")
            }
            for index in current..<migrations.count {
                for statement in migrations[index].components(separatedBy: ";\n") where
                    !statement.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    try await connection.execute(PostgresQuery(unsafeSQL: statement))
                }
                try await connection.execute("INSERT INTO twind_schema (version) VALUES (\(index + 1))")
            }
            try await connection.execute("COMMIT")
            return current < migrations.count ? (current + 1)...migrations.count : nil
        }
    }

    static let dayMillis: Int64 = 86_400_000

    /// The tables partitioned by day.
    static let partitioned = ["readings_data", "rollups_1m_data"]

    /// Creates the daily partitions of `readings_data` and `rollups_1m_data` for `days` (days since 1970) that do
    /// not exist yet.
    static func ensurePartitions(_ days: Set<Int64>, _ connection: CentralConnection) async throws {
        for day in days.sorted() {
            try await connection.execute("BEGIN")
            try await connection.execute("SELECT pg_advisory_xact_lock(\(lockKey))")
            for table in partitioned {
                let sql = "CREATE TABLE IF NOT EXISTS \(partitionName(day, of: table)) PARTITION OF \(table) "
                    + "FOR VALUES FROM (\(day * dayMillis)) TO (\((day + 1) * dayMillis))"
                try await connection.execute(PostgresQuery(unsafeSQL: sql))
            }
            try await connection.execute("COMMIT")
        }
    }

    /// `readings_data_p20261204` for the day holding that date (UTC).
    static func partitionName(_ day: Int64, of table: String = "readings_data") -> String {
        let date = Date(timeIntervalSince1970: TimeInterval(day * 86_400))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        let year = c.year ?? 1970
        let prefix = table + (year < 0 ? "_m" : "_p")
        return prefix + String(format: "%04d%02d%02d", abs(year), c.month ?? 1, c.day ?? 1)
    }

    /// The day (since 1970, UTC) of a Unix-ms time; floor division, so times before 1970 land on their own day.
    static func day(of millis: Int64) -> Int64 {
        millis >= 0 ? millis / dayMillis : -((-millis - 1) / dayMillis) - 1
    }
}
