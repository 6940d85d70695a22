import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization
import TwinCore
import TwinStore

/// What the forwarder is doing, for the status line, `/metrics` and `/healthz`.
public struct ForwardStatus: Sendable, Equatable {
    public var connected = false
    /// The last failure, until the next success.
    public var lastError: String?
    /// Readings committed and not forwarded yet.
    public var pendingReadings: Int64 = 0
    /// Age of the oldest reading not forwarded yet (by its own timestamp); 0 when none wait.
    public var lagMillis: Int64 = 0
    public var forwardedRows: Int64 = 0

    /// `forward: connected, lag 0.3 s` or `forward: down (connection refused), 12,000 readings held`.
    public var description: String {
        if connected {
            return "forward: lag \(String(format: "%.1f", Double(lagMillis) / 1000)) s"
        }
        let reason = lastError.map { " (\($0))" } ?? ""
        return "forward: down\(reason), \(pendingReadings) readings held"
    }
}

/// Forwards what the SQLite file holds to a central PostgreSQL, stream by stream, each from its cursor.
///
/// A batch is read from SQLite (on a queue of its own, off the cooperative pool), written to PostgreSQL in one
/// transaction of idempotent inserts (`ON CONFLICT DO NOTHING`, or an update for rows that change: alerts, latest
/// values), and only once PostgreSQL has committed is the cursor moved in SQLite. A crash in between forwards the batch
/// again and the conflict clauses absorb it: at-least-once transport, exactly-once result. Every pass forwards alerts
/// first, then maintenance, latest values, readings and quarantine; a pass with nothing new waits `poll`.
///
/// Failures (no route, wrong password, no such database, a dropped connection) close the connection and retry after
/// a backoff with jitter, with one log line per attempt. Ingest never waits for PostgreSQL: the readings wait in
/// `forward_queue`, up to `max_backlog` rows; beyond that the oldest are deleted, counted and logged.
public final class Forwarder: Service, Sendable {
    public let settings: ForwardSettings
    public let target: PostgresTarget
    let store: TwinStore
    let reader: TwinStoreReader
    let logger: Logger
    let now: @Sendable () -> Int64
    /// True while ingest is busy: readings then wait, up to `settings.yieldMillis`.
    let ingestBusy: @Sendable () -> Bool
    let queue = BlockingQueue(label: "forward")
    let instruments = ForwardInstruments()
    private let state = Mutex(ForwardStatus())

    public init(settings: ForwardSettings, store: TwinStore, logger: Logger,
                ingestBusy: @escaping @Sendable () -> Bool = { false },
                now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }) throws {
        self.ingestBusy = ingestBusy
        self.settings = settings
        self.target = try PostgresTarget(url: settings.url)
        self.store = store
        self.reader = try TwinStoreReader(path: store.path)
        self.logger = logger
        self.now = now
    }

    public var status: ForwardStatus { state.withLock { $0 } }

    public func run() async throws {
        var attempt = 0
        logger.info("forwarding", metadata: [
            "forward.target": "\(target.display)", "forward.gateway": "\(settings.gateway)",
            "forward.streams": "\(ForwardStream.allCases.filter(settings.streams.contains).map(\.rawValue))",
        ])
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            var connection: CentralConnection?
            do {
                let password = try settings.password()
                let opened = try await PostgresConnection.connect(
                    configuration: try target.configuration(password: password), id: 1, logger: quietLogger)
                let central = CentralConnection(connection: opened, logger: quietLogger,
                                                timeout: .milliseconds(settings.queryTimeoutMillis))
                connection = central
                var session = Session(connection: central)
                if settings.streams.contains(.rollups) {
                    let store = store
                    session.rollupToken = try await queue.run { try store.forwardedCount(.rollups) }
                }
                if let applied = try await CentralSchema.migrate(central) {
                    logger.notice("central schema created or migrated", metadata: [
                        "forward.schema_version": "\(applied.upperBound)", "forward.target": "\(target.display)"])
                }
                try await ensurePartitions(around: now(), &session)
                let store = store
                try await queue.run { try store.clearForwardErrors() }
                update { $0.connected = true; $0.lastError = nil }
                instruments.connected.record(1)
                if attempt > 0 { logger.notice("forwarding resumed", metadata: ["forward.target": "\(target.display)"]) }
                attempt = 0
                try await forward(&session)
                await central.closeAndWait()
                return
            } catch is CancellationError {
                connection?.close()
                return
            } catch {
                connection?.close()
                let reason = Self.describe(error)
                update { $0.connected = false; $0.lastError = reason }
                instruments.connected.record(0)
                instruments.errors.increment()
                let delay = backoff(attempt)
                attempt += 1
                let held = (try? await refreshBacklog()) ?? 0
                logger.warning("forwarding failed, retrying", metadata: [
                    "forward.target": "\(target.display)", "forward.error": "\(reason)",
                    "forward.retry_in": "\(String(format: "%.1f", Double(delay) / 1000)) s",
                    "forward.pending_readings": "\(held)",
                ])
                let (store, now) = (store, now())
                let streams = settings.streams
                _ = try? await queue.run {
                    for stream in ForwardStream.allCases where streams.contains(stream) {
                        try store.recordForwardError(stream, reason, at: now)
                    }
                }
                do {
                    try await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(delay)) }
                } catch {
                    return
                }
            }
        }
    }

    /// The connection's state across passes.
    struct Session {
        let connection: CentralConnection
        /// Days of `readings` known to have a partition.
        var partitions: Set<Int64> = []
        /// What `twin_latest` was last given, per series: only changed rows are sent again.
        var latestSent: [Int64: Int64] = [:]
        var lastLatestPass: Int64 = 0
        var lastHousekeeping: Int64 = 0
        /// The central `series.id` of each of this file's series ids, as registered (or found) this session.
        var centralSeries: [Int64: Int64] = [:]
        /// Since when readings have been held back for a busy ingest; nil while they are not.
        var yieldingSince: ContinuousClock.Instant?
        /// The rollups token: readings folded into central rollups so far (the local `rollups` cursor's count).
        var rollupToken: Int64 = 0
    }

    /// Passes until shut down; throws on the first failure.
    private func forward(_ session: inout Session) async throws {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            var moved = 0
            let streams = settings.streams
            if streams.contains(.alerts) { moved += try await forwardAlerts(session.connection) }
            if streams.contains(.maintenance) { moved += try await forwardMaintenance(session.connection) }
            if streams.contains(.latest), now() - session.lastLatestPass >= settings.latestIntervalMillis {
                session.lastLatestPass = now()
                moved += try await forwardLatest(&session)
            }
            var full = false
            if !streams.isDisjoint(with: ForwardStream.queued), !yields(&session) {
                let count = try await forwardReadings(&session)
                moved += count
                full = count >= settings.batchSize
            }
            if streams.contains(.quarantine) { moved += try await forwardQuarantine(session.connection) }
            if now() - session.lastHousekeeping >= 1_000 {
                session.lastHousekeeping = now()
                try await housekeeping(&session)
            }
            if !full && moved < settings.batchSize {
                do {
                    try await cancelWhenGracefulShutdown {
                        try await Task.sleep(for: .milliseconds(self.settings.pollMillis))
                    }
                } catch {
                    return
                }
            }
        }
    }

    /// Whether readings wait this pass: while ingest is busy, for up to `yieldMillis` in a row. Under a load that
    /// lasts longer, they go all the same, sharing the CPU with ingest.
    private func yields(_ session: inout Session) -> Bool {
        guard settings.yieldMillis > 0, ingestBusy() else {
            session.yieldingSince = nil
            return false
        }
        let since = session.yieldingSince ?? ContinuousClock.now
        session.yieldingSince = since
        return ContinuousClock.now - since < .milliseconds(settings.yieldMillis)
    }

    // MARK: Streams

    /// Batches of readings per pass, at most, before alerts and the other streams get their turn again.
    static let readingBatchesPerPass = 8

    /// Up to `readingBatchesPerPass` batches, each next one read from SQLite while PostgreSQL takes the one before.
    private func forwardReadings(_ session: inout Session) async throws -> Int {
        let (reader, limit) = (reader, settings.batchSize)
        var started = ContinuousClock.now
        var batch = try await queue.run { try reader.queuedReadings(limit: limit) }
        var forwarded = 0
        for round in 1...Self.readingBatchesPerPass {
            guard batch.count > 0 else { break }
            let read = ContinuousClock.now
            // Submitted before this batch's cursor moves, on the same serial queue, so it runs before that advance
            // and reads the queue as it is now. Run after it, it could miss rows: `seq` restarts at 1 once the
            // queue is empty, and `seq > after` would skip the new rows that the next advance then deletes.
            let after = batch.last
            let next = batch.count >= limit && round < Self.readingBatchesPerPass
                ? queue.submit { try reader.queuedReadings(after: after, limit: limit) } : nil
            try await send(batch, &session)
            let sent = ContinuousClock.now
            try await advance(queuedStreams, to: batch.last, rows: batch.count)
            if queuedStreams.contains(.rollups) { session.rollupToken += Int64(batch.count) }
            forwarded += batch.count
            logger.trace("readings forwarded", metadata: [
                "forward.rows": "\(batch.count)", "forward.read_ms": "\(Self.millis(read - started))",
                "forward.send_ms": "\(Self.millis(sent - read))",
                "forward.advance_ms": "\(Self.millis(ContinuousClock.now - sent))",
            ])
            guard let next else { break }
            started = ContinuousClock.now
            batch = try await next.value
        }
        return forwarded
    }

    static func millis(_ duration: Duration) -> String {
        String(format: "%.1f", Double(duration.components.attoseconds) / 1e15 + Double(duration.components.seconds) * 1000)
    }

    /// The streams read from `forward_queue` (readings, rollups or both): forwarded together, one transaction a
    /// batch.
    var queuedStreams: Set<ForwardStream> { settings.streams.intersection(ForwardStream.queued) }

    /// One batch of readings in one PostgreSQL transaction: the raw readings (`COPY`), their 1-minute rollups
    /// (an additive upsert, guarded by the rollups token), or both.
    private func send(_ batch: ForwardReadings, _ session: inout Session) async throws {
        var days = Set<Int64>()
        for timestamp in batch.timestamps { days.insert(CentralSchema.day(of: timestamp)) }
        let missing = days.subtracting(session.partitions)
        if !missing.isEmpty {
            try await CentralSchema.ensurePartitions(missing, session.connection)
            session.partitions.formUnion(missing)
        }
        try await registerSeries(of: batch, &session)
        let series = try batch.seriesIDs.map { local in
            guard let central = session.centralSeries[local] else {
                throw ForwardError.setup("series \(local) of this gateway has no central id")
            }
            return central
        }
        let raw = settings.streams.contains(.readings)
        let rollups = settings.streams.contains(.rollups) ? RollupCells(series: series, batch: batch) : nil
        let token = session.rollupToken
        // COPY first: PostgreSQL inserts it in multi-row batches, and a batch is new but after a crash or an outage
        // (sent, committed, cursor not yet moved). Then, and only then, the batch goes again as an INSERT with
        // ON CONFLICT DO NOTHING, which keeps the first copy; the rollups token tells whether its rollups went too.
        do {
            try await transaction(session.connection) { connection in
                if raw {
                    try await connection.copy(into: "readings_data", columns: ["series", "ts", "value"],
                                              rows: Self.copyText(series: series, batch: batch))
                }
                if let rollups { try await self.sendRollups(rollups, token: token, count: batch.count, connection) }
            }
        } catch let error as PSQLError where raw && error.serverInfo?[.sqlState] == "23505" {
            logger.debug("a batch of readings is partly in PostgreSQL already (forwarded again after a crash or an outage): inserting it with ON CONFLICT DO NOTHING")
            try await session.connection.execute("ROLLBACK")
            try await transaction(session.connection) { connection in
                try await connection.execute("""
                    INSERT INTO readings_data (series, ts, value)
                    SELECT * FROM unnest(\(series)::int8[], \(batch.timestamps)::int8[], \(batch.values)::float8[])
                    ON CONFLICT DO NOTHING
                    """)
                if let rollups { try await self.sendRollups(rollups, token: token, count: batch.count, connection) }
            }
        }
    }

    /// Adds a batch's rollups to `rollups_1m_data`, exactly once. The upsert adds (count + count, sum + sum), so a
    /// batch applied twice would count twice: the token in `forward_tokens` (readings folded so far) moves from
    /// `token` to `token + count` in the same transaction, and a batch whose move was made already (PostgreSQL
    /// committed, then the gateway crashed before its cursor moved) is skipped.
    private func sendRollups(_ cells: RollupCells, token: Int64, count: Int,
                             _ connection: CentralConnection) async throws {
        let (gateway, next) = (settings.gateway, token + Int64(count))
        let claimed = try await connection.int("""
            INSERT INTO forward_tokens AS t (gateway, stream, token) VALUES (\(gateway), 'rollups', \(next))
            ON CONFLICT (gateway, stream) DO UPDATE SET token = excluded.token WHERE t.token = \(token)
            RETURNING 1
            """)
        if claimed == nil {
            let central = try await connection.int(
                "SELECT token FROM forward_tokens WHERE gateway = \(gateway) AND stream = 'rollups'") ?? 0
            if Int64(central) == next {
                logger.debug("a batch's rollups are in PostgreSQL already (forwarded again after a crash): skipped")
                return
            }
            // Another file forwarded rollups as this gateway: a restored backup, or two gateways with one id.
            instruments.errors.increment()
            logger.error("the central rollups token of this gateway is not this file's: another database file forwarded rollups as this gateway (a restored backup, or two gateways with one forward.gateway); this batch's minutes may be counted twice in readings_1m", metadata: [
                "forward.gateway": "\(gateway)", "forward.central_token": "\(central)", "forward.file_token": "\(token)"])
            try await connection.execute(
                "UPDATE forward_tokens SET token = \(next) WHERE gateway = \(gateway) AND stream = 'rollups'")
        }
        try await connection.execute("""
            INSERT INTO rollups_1m_data AS r (series, ts, count, min, max, sum)
            SELECT * FROM unnest(\(cells.series)::int8[], \(cells.buckets)::int8[], \(cells.counts)::int8[],
                                 \(cells.mins)::float8[], \(cells.maxes)::float8[], \(cells.sums)::float8[])
            ON CONFLICT (series, ts) DO UPDATE SET count = r.count + excluded.count,
                min = least(r.min, excluded.min), max = greatest(r.max, excluded.max), sum = r.sum + excluded.sum
            """)
    }

    /// A batch's readings as COPY text: `series TAB ts TAB value NEWLINE`, values in the shortest form that reads
    /// back to the same double (Swift's `description`, which PostgreSQL's float8 input parses exactly).
    static func copyText(series: [Int64], batch: ForwardReadings) -> ByteBuffer {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(batch.count * 40)
        for index in 0..<batch.count {
            appendDecimal(series[index], to: &bytes)
            bytes.append(0x09)
            appendDecimal(batch.timestamps[index], to: &bytes)
            bytes.append(0x09)
            let value = batch.values[index]
            if value.isFinite {
                bytes.append(contentsOf: value.description.utf8)
            } else {
                bytes.append(contentsOf: (value.isNaN ? "NaN" : value < 0 ? "-Infinity" : "Infinity").utf8)
            }
            bytes.append(0x0A)
        }
        return ByteBuffer(bytes: bytes)
    }

    static func appendDecimal(_ value: Int64, to bytes: inout [UInt8]) {
        var magnitude = value.magnitude
        if value < 0 { bytes.append(0x2D) }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[count] = UInt8(truncatingIfNeeded: magnitude % 10) + 0x30
                magnitude /= 10
                count += 1
            } while magnitude > 0
            for index in stride(from: count - 1, through: 0, by: -1) { bytes.append(buffer[index]) }
        }
    }

    /// Finds or creates the central series of every series in `batch` not seen yet this session (outside the
    /// readings' transaction: a series without readings is harmless, and the next session finds it).
    private func registerSeries(of batch: ForwardReadings, _ session: inout Session) async throws {
        var locals: [Int64] = [], assets: [String] = [], metrics: [String] = []
        var seen = Set<Int64>()
        for index in batch.seriesIDs.indices where session.centralSeries[batch.seriesIDs[index]] == nil {
            guard seen.insert(batch.seriesIDs[index]).inserted else { continue }
            locals.append(batch.seriesIDs[index])
            assets.append(batch.assets[index])
            metrics.append(batch.metrics[index])
        }
        guard !locals.isEmpty else { return }
        let gateway = settings.gateway
        try await session.connection.execute("""
            INSERT INTO series (gateway, asset, metric)
            SELECT \(gateway), a, m FROM unnest(\(assets)::text[], \(metrics)::text[]) AS u (a, m)
            ON CONFLICT DO NOTHING
            """)
        let found = try await session.connection.pairs("""
            SELECT u.i, s.id FROM unnest(\(locals)::int8[], \(assets)::text[], \(metrics)::text[]) AS u (i, a, m)
            JOIN series s ON s.gateway = \(gateway) AND s.asset = u.a AND s.metric = u.m
            """)
        for (local, central) in found { session.centralSeries[local] = central }
        guard locals.allSatisfy({ session.centralSeries[$0] != nil }) else {
            throw ForwardError.setup("the central series table lacks series it was just given")
        }
    }

    private func forwardAlerts(_ connection: CentralConnection) async throws -> Int {
        let (reader, store, limit) = (reader, store, min(settings.batchSize, 1_000))
        let batch = try await queue.run {
            try reader.alertEvents(after: try store.forwardPosition(.alerts), limit: limit)
        }
        guard !batch.events.isEmpty else { return 0 }
        let gateway = settings.gateway
        try await transaction(connection) { connection in
            for alert in batch.alerts {
                try await connection.execute("""
                    INSERT INTO alerts (gateway, id, asset, rule, severity, state, raised_at, cleared_at, acked_at,
                        value, message)
                    VALUES (\(gateway), \(alert.id), \(alert.asset), \(alert.rule), \(alert.severity.rawValue),
                        \(alert.state.rawValue), \(alert.raisedAt), \(alert.clearedAt), \(alert.ackedAt),
                        \(alert.value), \(alert.message))
                    ON CONFLICT (gateway, id) DO UPDATE SET state = excluded.state,
                        cleared_at = excluded.cleared_at, acked_at = excluded.acked_at
                    """)
            }
            for event in batch.events {
                try await connection.execute("""
                    INSERT INTO alert_events (gateway, id, alert_id, ts, event, value, message)
                    VALUES (\(gateway), \(event.id), \(event.alertID), \(event.timestamp), \(event.kind.rawValue),
                        \(event.value), \(event.message))
                    ON CONFLICT DO NOTHING
                    """)
            }
        }
        try await advance(.alerts, to: batch.last, rows: batch.events.count)
        return batch.events.count
    }

    private func forwardMaintenance(_ connection: CentralConnection) async throws -> Int {
        let (reader, store, limit) = (reader, store, min(settings.batchSize, 1_000))
        let batch = try await queue.run {
            try reader.maintenanceEvents(after: try store.forwardPosition(.maintenance), limit: limit)
        }
        guard !batch.events.isEmpty else { return 0 }
        let gateway = settings.gateway
        try await transaction(connection) { connection in
            for event in batch.events {
                try await connection.execute("""
                    INSERT INTO maintenance (gateway, id, asset, kind, counter, at, note)
                    VALUES (\(gateway), \(event.id ?? 0), \(event.asset), \(event.kind.rawValue), \(event.counter),
                        \(event.timestamp), \(event.note))
                    ON CONFLICT DO NOTHING
                    """)
            }
        }
        try await advance(.maintenance, to: batch.last, rows: batch.events.count)
        return batch.events.count
    }

    private func forwardQuarantine(_ connection: CentralConnection) async throws -> Int {
        let (reader, store, limit) = (reader, store, settings.batchSize)
        let (position, batch) = try await queue.run {
            let position = try store.forwardPosition(.quarantine)
            return (position, try reader.quarantineEntries(after: position, limit: limit))
        }
        guard let first = batch.entries.first else { return 0 }
        // Ids are contiguous: a gap after the cursor is entries the local cap (`database.quarantine_max_rows`)
        // pruned before they were forwarded. (Before the first forward, what was pruned earlier is no gap.)
        let pruned = position > 0 ? Int(max(0, first.id - position - 1)) : 0
        if pruned > 0 {
            instruments.dropped.increment(by: Int64(pruned))
            logger.warning("quarantined messages were pruned locally before they were forwarded", metadata: [
                "forward.dropped": "\(pruned)", "forward.stream": "quarantine",
                "hint": "raise database.quarantine_max_rows to keep more while PostgreSQL is away",
            ])
        }
        let gateway = settings.gateway
        let ids = batch.entries.map(\.id), times = batch.entries.map(\.receivedAt)
        let topics = batch.entries.map(\.topic), reasons = batch.entries.map(\.reason)
        try await transaction(connection) { connection in
            try await connection.execute("""
                INSERT INTO quarantine (gateway, id, received_at, topic, reason)
                SELECT \(gateway), i, r, t, w FROM unnest(\(ids)::int8[], \(times)::int8[], \(topics)::text[],
                    \(reasons)::text[]) AS u (i, r, t, w)
                ON CONFLICT DO NOTHING
                """)
        }
        try await advance(.quarantine, to: batch.last, rows: batch.entries.count, dropped: pruned)
        return batch.entries.count
    }

    /// The latest value of every series that changed since the last pass (all of them after a reconnect).
    private func forwardLatest(_ session: inout Session) async throws -> Int {
        let reader = reader
        let rows = try await queue.run { try reader.latestWithSeries() }
        let changed = rows.filter { session.latestSent[$0.series] != $0.reading.timestamp }
        guard !changed.isEmpty else { return 0 }
        let gateway = settings.gateway
        for start in stride(from: 0, to: changed.count, by: settings.batchSize) {
            let slice = changed[start..<min(start + settings.batchSize, changed.count)]
            let assets = slice.map(\.reading.asset), metrics = slice.map(\.reading.metric)
            let times = slice.map(\.reading.timestamp), values = slice.map(\.reading.value)
            try await transaction(session.connection) { connection in
                try await connection.execute("""
                    INSERT INTO twin_latest (gateway, asset, metric, ts, value)
                    SELECT \(gateway), a, m, t, v FROM unnest(\(assets)::text[], \(metrics)::text[],
                        \(times)::int8[], \(values)::float8[]) AS u (a, m, t, v)
                    ON CONFLICT (gateway, asset, metric) DO UPDATE SET ts = excluded.ts, value = excluded.value
                        WHERE excluded.ts >= twin_latest.ts
                    """)
            }
            for row in slice { session.latestSent[row.series] = row.reading.timestamp }
        }
        let newest = changed.map(\.reading.timestamp).max() ?? 0
        try await advance(.latest, to: newest, rows: changed.count)
        return changed.count
    }

    // MARK: Support

    /// Once a second: partitions ahead, the backlog cap, the gauges.
    private func housekeeping(_ session: inout Session) async throws {
        try await ensurePartitions(around: now(), &session)
        _ = try await refreshBacklog()
    }

    /// Applies the backlog cap, then refreshes the pending/lag figures; returns the readings held.
    private func refreshBacklog() async throws -> Int64 {
        let (store, reader, cap, queued) = (store, reader, settings.maxBacklog, queuedStreams)
        let (dropped, backlog) = try await queue.run {
            (try store.capForwardQueue(maxRows: cap, queuedStreams: queued), try reader.forwardBacklog())
        }
        if dropped > 0 {
            instruments.dropped.increment(by: Int64(dropped))
            logger.error("forward backlog over its cap: the oldest readings were dropped from forwarding (they stay in the local database)", metadata: [
                             "forward.dropped": "\(dropped)", "forward.max_backlog": "\(cap)"])
        }
        let lag = backlog.oldest.map { max(0, now() - $0) } ?? 0
        update { $0.pendingReadings = backlog.pending; $0.lagMillis = lag }
        instruments.pending.record(backlog.pending)
        instruments.lag.record(Double(lag) / 1000)
        return backlog.pending
    }

    private func ensurePartitions(around time: Int64, _ session: inout Session) async throws {
        let today = CentralSchema.day(of: time)
        let wanted = Set((today - 1)...(today + Int64(settings.partitionsAhead)))
        let missing = wanted.subtracting(session.partitions)
        guard !missing.isEmpty else { return }
        try await CentralSchema.ensurePartitions(missing, session.connection)
        session.partitions.formUnion(missing)
    }

    private func advance(_ stream: ForwardStream, to position: Int64, rows: Int, dropped: Int = 0) async throws {
        try await advance([stream], to: position, rows: rows, dropped: dropped)
    }

    /// Moves the cursors of `streams` together, in one SQLite transaction.
    private func advance(_ streams: Set<ForwardStream>, to position: Int64, rows: Int, dropped: Int = 0) async throws {
        let (store, time) = (store, now())
        try await queue.run {
            try store.advanceForward(streams, to: position, rows: rows, dropped: dropped, at: time)
        }
        for stream in streams { instruments.rows(stream).increment(by: Int64(rows)) }
        update { $0.forwardedRows += Int64(rows) }
    }

    /// Runs `body` in a transaction that also stamps this gateway's `last_forward_at`.
    private func transaction(_ connection: CentralConnection,
                             _ body: (CentralConnection) async throws -> Void) async throws {
        // No ROLLBACK on failure: the caller abandons the connection, and the server rolls back what it held. (A
        // query on a connection the server has just dropped may never complete in postgres-nio 1.33.)
        try await connection.execute("BEGIN")
        try await body(connection)
        try await connection.execute("""
            INSERT INTO gateways (gateway, last_forward_at, rollups)
            VALUES (\(settings.gateway), now(), \(settings.streams.contains(.rollups)))
            ON CONFLICT (gateway) DO UPDATE SET last_forward_at = now(), rollups = excluded.rollups
            """)
        try await connection.execute("COMMIT")
    }

    /// Full jitter over the upper half: a delay between half and all of min × 2^attempt, capped at max.
    func backoff(_ attempt: Int) -> Int64 {
        let base = settings.minDelayMillis.multipliedReportingOverflow(by: 1 << min(attempt, 20))
        let capped = min(settings.maxDelayMillis, base.overflow ? settings.maxDelayMillis : base.partialValue)
        return capped / 2 + Int64.random(in: 0...max(0, capped - capped / 2))
    }

    private func update(_ body: (inout ForwardStatus) -> Void) {
        state.withLock { body(&$0) }
    }

    /// postgres-nio's own logging is for its developers: errors reach ours, once per attempt.
    private var quietLogger: Logger {
        var quiet = logger
        quiet.logLevel = .critical
        return quiet
    }

    /// One readable line for an error: the server's message and SQLSTATE, or the network's reason. (PSQLError's own
    /// description withholds the details on purpose.)
    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                let state = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
                return message + state
            }
            if let underlying = error.underlying { return describe(underlying) }
            if error.code == .serverClosedConnection { return "the server closed the connection" }
            if error.code == .sslUnsupported { return "the server does not offer TLS (sslmode asks for it)" }
            return "\(error.code)"
        }
        if let error = error as? PostgresTransactionError {
            if let inner = error.closureError ?? error.commitError ?? error.beginError { return describe(inner) }
        }
        if let error = error as? ForwardError { return error.description }
        if let error = error as? StoreError { return "\(error)" }
        let text = String(describing: error)
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            return "TLS: the server's certificate failed verification (check sslrootcert and the host name)"
        }
        // NIO's connection errors nest the reason (errno text) deep in a long description.
        for reason in ["Connection refused", "Connection reset by peer", "No route to host", "Network is unreachable",
                       "Connection timed out", "Name or service not known"] where text.contains(reason) {
            return reason.lowercased()
        }
        return text
    }
}
