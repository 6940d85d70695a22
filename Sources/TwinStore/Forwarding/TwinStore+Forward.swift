import Foundation
import GRDB
import TwinCore

/// The streams a forwarder keeps a cursor for, by the name stored in `forward_cursors`.
///
/// `readings` and `rollups` both consume `forward_queue` (raw readings, and their 1-minute rollups): forwarded in
/// one PostgreSQL transaction, their cursors move together. The `rollups` cursor's `forwarded` count is also the
/// token that makes the central rollups' additive upsert exactly-once (see the forwarder).
public enum ForwardStream: String, Sendable, CaseIterable, Codable {
    case alerts, maintenance, latest, readings, rollups, quarantine

    /// The streams forwarded when `forward.streams` is not set: all but `rollups`, whose central `readings_1m` is
    /// then grouped from the raw readings.
    public static let defaults: Set<ForwardStream> = [.alerts, .maintenance, .latest, .readings, .quarantine]

    /// Streams read from `forward_queue`.
    public static let queued: Set<ForwardStream> = [.readings, .rollups]
}

extension TwinStoreReader {
    /// The queued readings of whole commits after `after` (a `seq`), oldest first: chunks until `limit` readings
    /// are reached (at least one chunk, however large).
    public func queuedReadings(after: Int64 = 0, limit: Int) throws -> ForwardReadings {
        try read("read the readings to forward") { db in
            var batch = ForwardReadings()
            var chunks: [ForwardChunk] = []
            var total = 0
            let rows = try Row.fetchCursor(db.cachedStatement(
                sql: "SELECT seq, data FROM forward_queue WHERE seq > ? ORDER BY seq"), arguments: [after])
            while total < max(limit, 1), let row = try rows.next() {
                let chunk = try ForwardChunk(decoding: [UInt8](row[1] as Data))
                batch.last = row[0]
                total += chunk.count
                chunks.append(chunk)
            }
            guard total > 0 else { return batch }
            // The names of the series in the batch, looked up once each.
            var names: [Int64: (asset: String, metric: String)] = [:]
            var wanted = Set<Int64>()
            for chunk in chunks { wanted.formUnion(chunk.seriesIDs) }
            let ids = Array(wanted)
            for start in stride(from: 0, to: ids.count, by: 500) {
                let slice = Array(ids[start..<min(start + 500, ids.count)])
                let marks = Array(repeating: "?", count: slice.count).joined(separator: ",")
                for row in try Row.fetchAll(db, sql: "SELECT id, asset, metric FROM series WHERE id IN (\(marks))",
                                            arguments: StatementArguments(slice)) {
                    names[row[0]] = (row[1], row[2])
                }
            }
            batch.seriesIDs.reserveCapacity(total)
            batch.assets.reserveCapacity(total)
            batch.metrics.reserveCapacity(total)
            batch.timestamps.reserveCapacity(total)
            batch.values.reserveCapacity(total)
            for chunk in chunks {
                for index in 0..<chunk.count {
                    guard let name = names[chunk.seriesIDs[index]] else {
                        throw DatabaseError(message: "forward_queue names series \(chunk.seriesIDs[index]), which does not exist")
                    }
                    batch.assets.append(name.asset)
                    batch.metrics.append(name.metric)
                }
                batch.seriesIDs += chunk.seriesIDs
                batch.timestamps += chunk.timestamps
                batch.values += chunk.values
            }
            return batch
        }
    }

    /// Up to `limit` alert events after `after`, and the alerts they belong to as they are now.
    public func alertEvents(after: Int64, limit: Int) throws -> ForwardAlerts {
        try read("read the alert events to forward") { db in
            var batch = ForwardAlerts()
            batch.events = try Row.fetchAll(db, sql: """
                SELECT id, alert_id, ts, event, value, message FROM alert_history WHERE id > ? ORDER BY id LIMIT ?
                """, arguments: [after, limit]).map(AlertEvent.init(row:))
            batch.last = batch.events.last?.id ?? after
            let ids = Set(batch.events.map(\.alertID)).sorted()
            for chunk in stride(from: 0, to: ids.count, by: 500) {
                let slice = Array(ids[chunk..<min(chunk + 500, ids.count)])
                let marks = Array(repeating: "?", count: slice.count).joined(separator: ",")
                batch.alerts += try Row.fetchAll(db, sql: """
                    SELECT \(StoreSQL.alertColumns) FROM alerts WHERE id IN (\(marks))
                    """, arguments: StatementArguments(slice)).map(StoredAlert.init(row:))
            }
            return batch
        }
    }

    /// Up to `limit` maintenance events after `after`.
    public func maintenanceEvents(after: Int64, limit: Int) throws -> ForwardMaintenance {
        try read("read the maintenance events to forward") { db in
            var batch = ForwardMaintenance()
            batch.events = try Row.fetchAll(db, sql: """
                SELECT id, asset, kind, counter, at, note FROM maintenance_events WHERE id > ? ORDER BY id LIMIT ?
                """, arguments: [after, limit]).map(MaintenanceEvent.init(row:))
            batch.last = batch.events.last?.id ?? after
            return batch
        }
    }

    /// Up to `limit` quarantined messages after `after` (without payloads).
    public func quarantineEntries(after: Int64, limit: Int) throws -> ForwardQuarantine {
        try read("read the quarantine entries to forward") { db in
            var batch = ForwardQuarantine()
            batch.entries = try Row.fetchAll(db, sql: """
                SELECT id, received_at, topic, reason FROM quarantine_entries WHERE id > ? ORDER BY id LIMIT ?
                """, arguments: [after, limit]).map {
                ForwardQuarantine.Entry(id: $0[0], receivedAt: $0[1], topic: $0[2], reason: $0[3])
            }
            batch.last = batch.entries.last?.id ?? after
            return batch
        }
    }

    /// The newest reading of every series, with its series id.
    public func latestWithSeries() throws -> [(series: Int64, reading: Reading)] {
        try read("read the latest values to forward") { db in
            try Row.fetchAll(db, sql: """
                SELECT l.series_id, s.asset, s.metric, l.ts, l.value FROM latest l JOIN series s ON s.id = l.series_id
                """).map { ($0[0], Reading(asset: $0[1], metric: $0[2], timestamp: $0[3], value: $0[4])) }
        }
    }

    /// The readings waiting in the queue, and the oldest timestamp of the oldest commit waiting (nil when none
    /// wait). Two seeks on the primary key, whatever the backlog.
    public func forwardBacklog() throws -> (pending: Int64, oldest: Int64?) {
        try read("read the forward backlog") { db in
            let row = try Row.fetchOne(db.cachedStatement(sql: StoreSQL.forwardBacklog))
            return (row?[0] ?? 0, row?[1])
        }
    }

    /// Every stream's cursor, what is left to forward, and its last error.
    public func forwardCursors() throws -> [ForwardCursor] {
        try read("read the forward cursors") { db in
            guard try db.tableExists("forward_cursors") else { return [] }
            var saved: [String: Row] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT stream, position, forwarded, dropped, forwarded_at, error, error_at FROM forward_cursors
                """) {
                saved[row[0]] = row
            }
            // `rollups` is not forwarded by default: shown once it has a cursor.
            return try ForwardStream.allCases.filter { $0 != .rollups || saved[$0.rawValue] != nil }.map { stream in
                let row = saved[stream.rawValue]
                let position: Int64 = row?[1] ?? 0
                var cursor = ForwardCursor(stream: stream.rawValue, position: position, newest: position, pending: 0,
                                           forwarded: row?[2] ?? 0, dropped: row?[3] ?? 0, forwardedAt: row?[4],
                                           oldestPending: nil, error: row?[5], errorAt: row?[6])
                func newest(_ sql: String) throws -> Int64 { try Int64.fetchOne(db, sql: sql) ?? position }
                switch stream {
                case .alerts: cursor.newest = try newest("SELECT max(id) FROM alert_history")
                case .maintenance: cursor.newest = try newest("SELECT max(id) FROM maintenance_events")
                case .quarantine: cursor.newest = try newest("SELECT max(id) FROM quarantine_entries")
                case .latest: break
                case .readings, .rollups:
                    let row = try Row.fetchOne(db.cachedStatement(sql: StoreSQL.forwardBacklog))
                    cursor.pending = row?[0] ?? 0
                    cursor.newest = row?[2] ?? position
                    cursor.oldestPending = row?[1]
                    return cursor
                }
                cursor.pending = max(0, cursor.newest - position)
                return cursor
            }
        }
    }
}

extension TwinStore {
    /// Records that `stream` is forwarded through `position` (`rows` more of it, and `dropped` rows found gone
    /// before they could be forwarded).
    public func advanceForward(_ stream: ForwardStream, to position: Int64, rows: Int, dropped: Int = 0,
                               at time: Int64) throws {
        try advanceForward([stream], to: position, rows: rows, dropped: dropped, at: time)
    }

    /// Records that `streams` are forwarded through `position`, in one transaction; for the queued streams
    /// (readings, rollups), also takes the forwarded rows out of `forward_queue` in it.
    public func advanceForward(_ streams: Set<ForwardStream>, to position: Int64, rows: Int, dropped: Int = 0,
                               at time: Int64) throws {
        try withOpenDatabase("record forwarding progress") {
            try database.inTransaction(.immediate) { db in
                if !streams.isDisjoint(with: ForwardStream.queued) {
                    try db.execute(sql: "DELETE FROM forward_queue WHERE seq <= ?", arguments: [position])
                }
                for stream in streams.sorted(by: { $0.rawValue < $1.rawValue }) {
                    try db.execute(sql: """
                        INSERT INTO forward_cursors (stream, position, forwarded, dropped, forwarded_at)
                        VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT (stream) DO UPDATE SET position = excluded.position,
                            forwarded = forwarded + excluded.forwarded, dropped = dropped + excluded.dropped,
                            forwarded_at = excluded.forwarded_at, error = NULL, error_at = NULL
                        """, arguments: [stream.rawValue, position, rows, dropped, time])
                }
                return .commit
            }
        }
    }

    /// The rows forwarded so far on `stream` (its cursor's `forwarded`; 0 before anything was).
    public func forwardedCount(_ stream: ForwardStream) throws -> Int64 {
        try withOpenDatabase("read a forward count") {
            try database.read { db in
                try Int64.fetchOne(db, sql: "SELECT forwarded FROM forward_cursors WHERE stream = ?",
                                   arguments: [stream.rawValue]) ?? 0
            }
        }
    }

    /// Records the last error of `stream` (shown by `twind forward status`).
    public func recordForwardError(_ stream: ForwardStream, _ message: String, at time: Int64) throws {
        try withOpenDatabase("record a forwarding error") {
            try database.write { db in
                try db.execute(sql: """
                    INSERT INTO forward_cursors (stream, error, error_at) VALUES (?, ?, ?)
                    ON CONFLICT (stream) DO UPDATE SET error = excluded.error, error_at = excluded.error_at
                    """, arguments: [stream.rawValue, message, time])
            }
        }
    }

    /// Clears the last error of every stream: the connection is back (streams with nothing to forward would
    /// otherwise show the outage's error until their next row).
    public func clearForwardErrors() throws {
        try withOpenDatabase("clear the forwarding errors") {
            try database.write { db in
                try db.execute(sql: "UPDATE forward_cursors SET error = NULL, error_at = NULL WHERE error IS NOT NULL")
            }
        }
    }

    /// The cursor of `stream` (0 before anything was forwarded).
    public func forwardPosition(_ stream: ForwardStream) throws -> Int64 {
        try withOpenDatabase("read a forward cursor") {
            try database.read { db in
                try Int64.fetchOne(db, sql: "SELECT position FROM forward_cursors WHERE stream = ?",
                                   arguments: [stream.rawValue]) ?? 0
            }
        }
    }

    /// Deletes the oldest queued readings beyond `maxRows` and counts them as dropped; returns how many. Whole
    /// chunks go first; the chunk on the boundary is rewritten without its oldest readings, so exactly the surplus
    /// is dropped. Under the cap (the usual case) it only reads the two ends of the queue, without the write lock;
    /// over it, it reads the chunks it deletes (their `rows`) and decodes only the boundary one.
    /// `queuedStreams` are the queue's consumers (readings, rollups or both), each counting the drop.
    public func capForwardQueue(maxRows: Int,
                                queuedStreams: Set<ForwardStream> = [.readings]) throws -> Int {
        try withOpenDatabase("cap the forward queue") {
            let backlog = try database.read { db in
                try Int.fetchOne(db.cachedStatement(sql: StoreSQL.forwardBacklog)) ?? 0
            }
            guard backlog > max(maxRows, 0) else { return 0 }
            var dropped = 0
            try database.inTransaction(.immediate) { db in
                let total = try Int.fetchOne(db.cachedStatement(sql: StoreSQL.forwardBacklog)) ?? 0
                var excess = total - max(maxRows, 0)
                guard excess > 0 else { return .commit }
                var lastDeleted: Int64 = 0
                var boundary: (seq: Int64, drop: Int)?
                let oldest = try Row.fetchCursor(db, sql: "SELECT seq, rows FROM forward_queue ORDER BY seq")
                while excess > 0, let row = try oldest.next() {
                    let (seq, rows): (Int64, Int) = (row[0], row[1])
                    if rows <= excess {
                        lastDeleted = seq
                        excess -= rows
                        dropped += rows
                    } else {
                        boundary = (seq, excess)
                        dropped += excess
                        excess = 0
                    }
                }
                if lastDeleted > 0 {
                    try db.execute(sql: "DELETE FROM forward_queue WHERE seq <= ?", arguments: [lastDeleted])
                }
                if let boundary {
                    let data = try Data.fetchOne(db, sql: "SELECT data FROM forward_queue WHERE seq = ?",
                                                 arguments: [boundary.seq]) ?? Data()
                    let kept = try ForwardChunk(decoding: [UInt8](data)).dropping(first: boundary.drop)
                    // `total` stays: it counts through this row, and the backlog is measured from `total - rows`.
                    try db.execute(sql: "UPDATE forward_queue SET ts = ?, rows = ?, data = ? WHERE seq = ?",
                                   arguments: [kept.oldest ?? 0, kept.count, Data(kept.encoded()), boundary.seq])
                }
                for stream in queuedStreams.sorted(by: { $0.rawValue < $1.rawValue }) {
                    try db.execute(sql: """
                        INSERT INTO forward_cursors (stream, position, dropped) VALUES (?, ?, ?)
                        ON CONFLICT (stream) DO UPDATE SET dropped = dropped + excluded.dropped,
                            position = max(position, excluded.position)
                        """, arguments: [stream.rawValue, lastDeleted, dropped])
                }
                return .commit
            }
            return dropped
        }
    }
}
