import Foundation
import GRDB
import Synchronization
import TwinCore

@testable import TwinStore

func raised(
    _ asset: String,
    _ rule: String,
    at timestamp: Int64,
    value: Double? = 1,
    severity: Severity = .warning,
    message: String? = nil
) -> AlertTransition {
    AlertTransition(
        asset: asset,
        rule: rule,
        kind: .raised,
        severity: severity,
        timestamp: timestamp,
        value: value,
        message: message ?? "\(rule) on \(asset)"
    )
}

func cleared(_ asset: String, _ rule: String, at timestamp: Int64, value: Double? = 0) -> AlertTransition {
    AlertTransition(
        asset: asset,
        rule: rule,
        kind: .cleared,
        severity: .warning,
        timestamp: timestamp,
        value: value,
        message: "\(rule) on \(asset) cleared"
    )
}

/// Records the SQL of every statement the store's connection runs while tracing is on.
final class StatementLog: Sendable {
    private let statements = Mutex<[String]>([])

    init(tracing store: TwinStore) {
        store.database.writeWithoutTransaction { db in
            db.trace { event in
                self.statements.withLock { $0.append("\(event)") }
            }
        }
    }

    var all: [String] { statements.withLock { $0 } }

    func removeAll() { statements.withLock { $0.removeAll() } }
}

extension TwinStore {
    /// Every row of `alert_events` as events, in id order.
    func allAlertEvents() throws -> [AlertEvent] {
        try rows("SELECT id, alert_id, ts, event, value, message FROM alert_events ORDER BY id").map(
            AlertEvent.init(row:)
        )
    }

    func allAlerts() throws -> [StoredAlert] {
        try rows("SELECT \(StoreSQL.alertColumns) FROM alerts ORDER BY id").map(StoredAlert.init(row:))
    }
}

/// A database at `path` with only the first schema, as an older twind left it, holding one reading.
func createVersion1Database(at path: String) throws {
    let queue = try DatabaseQueue(path: path)
    try StoreMigrator.migrator.migrate(queue, upTo: "v1-schema")
    try queue.write { db in
        try db.execute(sql: "INSERT INTO series (id, asset, metric) VALUES (1, 'pump-1', 'temp')")
        try db.execute(sql: "INSERT INTO readings_recent (ts, series_id, value) VALUES (1000, 1, 20.5)")
        try db.execute(sql: "INSERT INTO latest (series_id, ts, value) VALUES (1, 1000, 20.5)")
    }
    try queue.close()
}
