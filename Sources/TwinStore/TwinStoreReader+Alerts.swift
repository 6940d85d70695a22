import TwinCore
import GRDB

extension TwinStoreReader {
    /// Alerts newest first: all, or only active ones (raised or acknowledged), of every asset or of the assets
    /// matching `assetGlob`, at most `limit`.
    ///
    /// `assetGlob` is an SQLite GLOB pattern, case-sensitive: `*` matches any text, `?` one character, `[…]` one
    /// of a set (`pump-*`, `line?.pump-1*`).
    public func alerts(activeOnly: Bool, assetGlob: String?, limit: Int?) throws -> [StoredAlert] {
        try readAlertsSchema("read the alerts") { db in
            var arguments: StatementArguments = []
            if let assetGlob {
                arguments += [assetGlob]
            }
            arguments += [limit ?? -1]
            let sql = StoreSQL.alerts(activeOnly: activeOnly, glob: assetGlob != nil)
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map(StoredAlert.init(row:))
        }
    }

    /// The history of one alert, oldest first; empty for an unknown id.
    public func alertEvents(alertID: Int64) throws -> [AlertEvent] {
        try readAlertsSchema("read the events of alert \(alertID)") { db in
            try Row.fetchAll(db, sql: StoreSQL.alertEvents, arguments: [alertID]).map(AlertEvent.init(row:))
        }
    }

    /// Maintenance events newest first, of one asset or of all, at most `limit`.
    public func maintenance(asset: String?, limit: Int?) throws -> [MaintenanceEvent] {
        try readAlertsSchema("read the maintenance events") { db in
            let rows: [Row]
            if let asset {
                rows = try Row.fetchAll(db, sql: StoreSQL.maintenanceOfAsset, arguments: [asset, limit ?? -1])
            } else {
                rows = try Row.fetchAll(db, sql: StoreSQL.maintenanceOfAll, arguments: [limit ?? -1])
            }
            return try rows.map(MaintenanceEvent.init(row:))
        }
    }

    /// Runs `body` if the database has the alerts and maintenance views, and explains the fix if it has not.
    private func readAlertsSchema<T>(_ operation: String, _ body: (Database) throws -> T) throws -> T {
        try read(operation) { db in
            guard try db.viewExists("alerts") else {
                throw StoreError(
                    operation: operation,
                    path: path,
                    reason: "the database has no alerts yet (it was written by an older twind)",
                    hint: "Run the current `twind run` on it once to upgrade it."
                )
            }
            return try body(db)
        }
    }
}
