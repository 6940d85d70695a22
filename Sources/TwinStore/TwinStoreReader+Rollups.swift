import GRDB
import TwinCore

extension TwinStoreReader {
    /// Calls `body` with the history of one series at `step`, oldest first, at most `limit` points.
    ///
    /// `.raw` gives every reading from `from` to `to` inclusive. Rollup steps give every bucket whose start lies
    /// in that range (the first bucket starts at or before `from`), merged from the rollup table and the readings
    /// not merged yet; they stream from the rollup table, and only the unmerged part of the series (bounded by the
    /// writer's merge threshold) is held in memory.
    public func history(
        asset: String,
        metric: String,
        from: Int64?,
        to: Int64?,
        step: HistoryStep,
        limit: Int?,
        _ body: (HistoryRow) throws -> Void
    ) throws {
        guard let width = step.width else {
            try history(seriesOf: asset, metric: metric, from: from, to: to, limit: limit) { timestamp, value in
                try body(HistoryRow(timestamp: timestamp, value: value))
            }
            return
        }
        var bodyError: (any Error)?
        try read("read the \(step.rawValue) history of \(asset)/\(metric)") { db in
            guard let seriesID = try Int64.fetchOne(db, sql: StoreSQL.selectSeriesID, arguments: [asset, metric])
            else { return }
            let firstBucket = from.map(width.bucket) ?? .min
            let lastBucket = to.map(width.bucket) ?? .max
            let pendingEnd = lastBucket.addingReportingOverflow(width.millis - 1)
            var pending = try pendingCells(db, seriesID: seriesID, width: width, from: firstBucket,
                                           to: pendingEnd.overflow ? .max : pendingEnd.partialValue)[...]
            var remaining = limit ?? .max
            func emit(_ row: HistoryRow) -> Bool {
                guard remaining > 0 else { return false }
                remaining -= 1
                do { try body(row) } catch {
                    bodyError = error
                    return false
                }
                return true
            }
            let rows = try Row.fetchCursor(db, sql: StoreSQL.rollupRange(width),
                                           arguments: [seriesID, firstBucket, lastBucket])
            while let row = try rows.next() {
                let bucket: Int64 = row[0]
                var cell = RollupCell(count: row[1], min: row[2], max: row[3], sum: row[4], firstTimestamp: row[5],
                                      first: row[6], lastTimestamp: row[7], last: row[8])
                while let next = pending.first, next.bucket < bucket {
                    guard emit(HistoryRow(bucket: next.bucket, next.cell)) else { return }
                    pending.removeFirst()
                }
                if let next = pending.first, next.bucket == bucket {
                    cell.combine(next.cell)
                    pending.removeFirst()
                }
                guard emit(HistoryRow(bucket: bucket, cell)) else { return }
            }
            for next in pending {
                guard emit(HistoryRow(bucket: next.bucket, next.cell)) else { return }
            }
        }
        if let bodyError { throw bodyError }
    }

    /// The step `auto` stands for: the finest whose points for this range number at most `maxPoints`.
    ///
    /// Counts the raw readings up to `maxPoints + 1` (an index range scan that stops there); an open end of the
    /// range is the series' oldest data (raw or 1-hour rollup) or its latest reading.
    public func automaticStep(asset: String, metric: String, from: Int64?, to: Int64?, maxPoints: Int = 2_000)
        throws -> HistoryStep {
        try read("choose the step of \(asset)/\(metric)") { db in
            guard let seriesID = try Int64.fetchOne(db, sql: StoreSQL.selectSeriesID, arguments: [asset, metric])
            else { return .raw }
            let readings = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM (SELECT 1 FROM readings
                    WHERE asset = ? AND metric = ? AND ts BETWEEN ? AND ? LIMIT ?)
                """, arguments: [asset, metric, from ?? .min, to ?? .max, maxPoints + 1]) ?? 0
            guard readings > maxPoints else { return .raw }
            var start = from
            if start == nil {
                let rollup = try Int64.fetchOne(db, sql: "SELECT min(bucket) FROM rollup_1h WHERE series_id = ?",
                                                arguments: [seriesID])
                let raw = try Int64.fetchOne(db, sql: """
                    SELECT ts FROM readings WHERE asset = ? AND metric = ? ORDER BY ts LIMIT 1
                    """, arguments: [asset, metric])
                start = [rollup, raw].compactMap { $0 }.min()
            }
            var end = to
            if end == nil {
                end = try Int64.fetchOne(db, sql: "SELECT ts FROM latest WHERE series_id = ?", arguments: [seriesID])
            }
            guard let start, let end, end >= start else { return .raw }
            let span = end.subtractingReportingOverflow(start)
            return HistoryStep.automatic(readings: readings, spanMillis: span.overflow ? .max : span.partialValue,
                                         maxPoints: maxPoints)
        }
    }

    /// The readings of a series not merged yet, between `from` and `to`, folded into cells in bucket order.
    private func pendingCells(_ db: Database, seriesID: Int64, width: RollupWidth, from: Int64, to: Int64) throws
        -> [(bucket: Int64, cell: RollupCell)] {
        var cells: [(bucket: Int64, cell: RollupCell)] = []
        let rows = try Row.fetchCursor(db, sql: StoreSQL.pendingOfSeries, arguments: [from, to, seriesID])
        while let row = try rows.next() {
            let timestamp: Int64 = row[0]
            let value: Double = row[1]
            let bucket = width.bucket(timestamp)
            if cells.last?.bucket == bucket {
                cells[cells.count - 1].cell.add(timestamp: timestamp, value: value)
            } else {
                cells.append((bucket, RollupCell(timestamp: timestamp, value: value)))
            }
        }
        return cells
    }
}
