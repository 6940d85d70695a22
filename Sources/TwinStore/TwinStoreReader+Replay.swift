import GRDB
import TwinCore

extension TwinStoreReader {
    /// Every reading of `asset` (all metrics) between `from` and `to`, oldest first, streamed: what a replay feeds
    /// through the rules. Readings of one instant come in metric order.
    public func readings(asset: String, from: Int64?, to: Int64?, _ body: (Reading) throws -> Void) throws {
        var bodyError: (any Error)?
        try read("read the readings of \(asset)") { db in
            let rows = try Row.fetchCursor(db, sql: """
                SELECT metric, ts, value FROM readings WHERE asset = ? AND ts BETWEEN ? AND ? ORDER BY ts, metric
                """, arguments: [asset, from ?? .min, to ?? .max])
            while let row = try rows.next() {
                do {
                    try body(Reading(asset: asset, metric: row[0], timestamp: row[1], value: row[2]))
                } catch {
                    bodyError = error
                    return
                }
            }
        }
        if let bodyError { throw bodyError }
    }
}
