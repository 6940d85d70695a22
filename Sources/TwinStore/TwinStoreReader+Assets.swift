import Foundation
import GRDB
import TwinCore

extension TwinStoreReader {
    /// Every asset with a series, a property or a snapshot, sorted, with its status, last reading, number of
    /// metrics and active alerts.
    public func assetSummaries() throws -> [AssetSummary] {
        try read("list the assets") { db in
            let alerts = try db.tableExists("alert_episodes")
                ? "(SELECT count(*) FROM alert_episodes e WHERE e.asset = a.asset AND e.cleared_at IS NULL)" : "0"
            let sql = """
                WITH a (asset) AS (
                    SELECT asset FROM series UNION SELECT asset FROM properties UNION SELECT asset FROM twin_snapshots
                )
                SELECT a.asset,
                    (SELECT t.status FROM twin_snapshots t WHERE t.asset = a.asset),
                    (SELECT max(l.ts) FROM series s JOIN latest l ON l.series_id = s.id WHERE s.asset = a.asset),
                    (SELECT count(*) FROM series s WHERE s.asset = a.asset),
                    \(alerts)
                FROM a ORDER BY a.asset
                """
            return try Row.fetchAll(db, sql: sql).map { row in
                AssetSummary(asset: row[0], status: row[1], lastSeen: row[2], metricCount: row[3],
                             activeAlerts: row[4])
            }
        }
    }

    /// The stored twin of `asset`, or nil if nothing is stored about it.
    public func twin(asset: String) throws -> StoredTwin? {
        let snapshot = try read("read the twin of \(asset)") { db in
            try Row.fetchOne(db, sql: """
                SELECT ts, version, status, CAST(state AS BLOB) FROM twin_snapshots WHERE asset = ?
                """, arguments: [asset])
        }
        let latest = try latest(asset: asset)
        let properties = try properties(asset: asset)
        let alerts = try read("check for alerts") { try $0.tableExists("alert_episodes") }
            ? try self.alerts(activeOnly: true, assetGlob: Self.globEscaped(asset), limit: nil) : []
        if snapshot == nil && latest.isEmpty && properties.isEmpty { return nil }
        return StoredTwin(asset: asset, status: snapshot?[2], snapshotTimestamp: snapshot?[0], version: snapshot?[1],
                          state: (snapshot?[3] as Data?).map { [UInt8]($0) }, latest: latest, properties: properties,
                          activeAlerts: alerts.reversed())
    }

    /// A GLOB pattern matching exactly `text`: each special character in a one-character set.
    static func globEscaped(_ text: String) -> String {
        var pattern = ""
        for character in text {
            pattern += "*?[".contains(character) ? "[\(character)]" : String(character)
        }
        return pattern
    }
}
