import TwinCore
import GRDB

extension TwinStore {
    /// Stores a maintenance event and returns its id (``MaintenanceEvent/id`` is ignored).
    public func recordMaintenance(_ event: MaintenanceEvent) throws -> Int64 {
        try withOpenDatabase("record a maintenance event of \(event.asset)") {
            try database.write { db in try insertMaintenance(event, db) }
        }
    }

    func insertMaintenance(_ event: MaintenanceEvent, _ db: Database) throws -> Int64 {
        try db.cachedStatement(sql: StoreSQL.insertMaintenance).execute(
            arguments: [event.asset, event.kind.rawValue, event.counter, event.timestamp, event.note]
        )
        return db.lastInsertedRowID
    }
}
