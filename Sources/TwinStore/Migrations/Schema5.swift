/// Forwarding to a central PostgreSQL (`forward:` in the config).
///
/// - `forward_queue`: the readings committed but not yet forwarded, one row (a ``ForwardChunk``: `rows` readings,
///   the oldest timestamp `ts`, the encoded `data`, and `total`, the readings queued through this row since the
///   queue was last empty, so that the backlog is the difference of its two ends) per commit, in commit order (`seq`), written in the batch's own
///   transaction while forwarding of readings is on, and deleted in the transaction that records their forwarding.
///   No AUTOINCREMENT (it costs every commit a `sqlite_sequence` update): `seq` may start again from 1 once the
///   queue is empty, which is safe, as a forwarded batch is always deleted by the `seq` of its own last chunk.
///   `readings_recent` is keyed by time, and a late reading sorts before readings committed earlier, so history has
///   no commit order of its own to follow; this table is that order.
/// - `forward_cursors`: per stream, the last row forwarded (an id of `alert_history`, `maintenance_events`,
///   `quarantine_entries`, or the `seq` of the queue), rows forwarded and dropped (over the cap), the time of the last
///   success and the last error.
enum Schema5 {
    static let sql = """
        CREATE TABLE forward_queue (
            seq INTEGER PRIMARY KEY,
            ts INTEGER NOT NULL,
            rows INTEGER NOT NULL,
            total INTEGER NOT NULL,
            data BLOB NOT NULL
        );
        CREATE TABLE forward_cursors (
            stream TEXT PRIMARY KEY,
            position INTEGER NOT NULL DEFAULT 0,
            forwarded INTEGER NOT NULL DEFAULT 0,
            dropped INTEGER NOT NULL DEFAULT 0,
            forwarded_at INTEGER,
            error TEXT,
            error_at INTEGER
        );
        """
}
