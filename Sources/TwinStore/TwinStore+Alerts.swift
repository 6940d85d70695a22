import GRDB
import TwinCore

extension TwinStore {
    /// Acknowledges the raised alert `id` at `timestamp` (Unix ms) and records an `acknowledged` event.
    ///
    /// Returns the alert as it stands afterwards, or nil if no alert has that id. Only a raised alert changes: one
    /// already acknowledged or cleared is returned unchanged, so repeating an acknowledgement is harmless. Its
    /// ``StoredAlert/state`` tells which: `.cleared` (too late, nothing acknowledged) or `.acknowledged` (with the
    /// ``StoredAlert/ackedAt`` of the first acknowledgement).
    public func acknowledgeAlert(id: Int64, at timestamp: Int64) throws -> StoredAlert? {
        try withOpenDatabase("acknowledge alert \(id)") {
            try database.write { db in
                if let changed = try acknowledge(id, at: timestamp, db) { return changed }
                return try Row.fetchOne(db, sql: StoreSQL.alertByID, arguments: [id]).map(StoredAlert.init(row:))
            }
        }
    }

    /// Acknowledges a raised alert inside `db`'s transaction; nil when it is unknown or not raised.
    func acknowledge(_ id: Int64, at timestamp: Int64, _ db: Database) throws -> StoredAlert? {
        let acknowledge = try db.cachedStatement(sql: StoreSQL.acknowledgeAlert)
        guard let row = try Row.fetchOne(acknowledge, arguments: [timestamp, id]) else { return nil }
        _ = try recordAlertEvent(id, .acknowledged, at: timestamp, value: nil, message: nil, db)
        return try StoredAlert(row: row)
    }

    /// The alerts not cleared yet, oldest first: what a rule engine restores at start.
    public func activeAlerts() throws -> [StoredAlert] {
        try withOpenDatabase("load the active alerts") {
            try database.read { db in
                try Row.fetchAll(db, sql: StoreSQL.activeAlerts).map(StoredAlert.init(row:))
            }
        }
    }

    /// Applies `transitions` in order inside the commit's transaction and adds what changed to `result`.
    func applyAlertTransitions(
        _ transitions: [AlertTransition],
        _ db: Database,
        into result: inout CommitResult
    ) throws {
        guard !transitions.isEmpty else { return }
        for transition in transitions {
            // NaN would be bound as NULL; store and report the same thing.
            let value = transition.value.flatMap { $0.isNaN ? nil : $0 }
            let alert: StoredAlert?
            let event: AlertEvent.Kind
            switch transition.kind {
            case .raised:
                alert = try raiseAlert(transition, value: value, db)
                event = .raised
            case .cleared:
                let clear = try db.cachedStatement(sql: StoreSQL.clearAlert)
                alert = try Row.fetchOne(clear, arguments: [transition.timestamp, transition.asset, transition.rule])
                    .map(StoredAlert.init(row:))
                event = .cleared
            }
            guard let alert else {
                result.alertTransitionsIgnored += 1
                continue
            }
            result.alerts.append(alert)
            let recorded = try recordAlertEvent(
                alert.id,
                event,
                at: transition.timestamp,
                value: value,
                message: transition.message,
                db
            )
            result.alertEvents.append(recorded)
        }
    }

    /// Inserts a raised alert; nil if (asset, rule) already has an active one.
    private func raiseAlert(_ transition: AlertTransition, value: Double?, _ db: Database) throws -> StoredAlert? {
        let raise = try db.cachedStatement(sql: StoreSQL.raiseAlert)
        let arguments: StatementArguments = [
            transition.asset, transition.rule, transition.severity.rawValue, transition.timestamp, value,
            transition.message,
        ]
        guard let id = try Int64.fetchOne(raise, arguments: arguments) else { return nil }
        return StoredAlert(
            id: id,
            asset: transition.asset,
            rule: transition.rule,
            severity: transition.severity,
            state: .raised,
            raisedAt: transition.timestamp,
            value: value,
            message: transition.message
        )
    }

    private func recordAlertEvent(
        _ alertID: Int64,
        _ kind: AlertEvent.Kind,
        at timestamp: Int64,
        value: Double?,
        message: String?,
        _ db: Database
    ) throws -> AlertEvent {
        try db.cachedStatement(sql: StoreSQL.insertAlertEvent).execute(
            arguments: [alertID, timestamp, kind.rawValue, value, message]
        )
        return AlertEvent(
            id: db.lastInsertedRowID,
            alertID: alertID,
            timestamp: timestamp,
            kind: kind,
            value: value,
            message: message
        )
    }
}
