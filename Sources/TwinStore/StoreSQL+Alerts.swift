extension StoreSQL {
    /// The columns of `alerts`, in the order that `StoredAlert(row:)` reads.
    static let alertColumns = "id, asset, rule, severity, state, raised_at, cleared_at, acked_at, value, message"

    /// Returns the new id, or no row if (asset, rule) already has an active alert (the partial unique index).
    static let raiseAlert = """
        INSERT INTO alert_episodes (asset, rule, severity, state, raised_at, value, message)
        VALUES (?, ?, ?, 'raised', ?, ?, ?)
        ON CONFLICT DO NOTHING RETURNING id
        """
    /// Arguments: cleared_at, asset, rule. Returns the cleared alert, or no row if none was active.
    static let clearAlert = """
        UPDATE alert_episodes SET state = 'cleared', cleared_at = ?
        WHERE asset = ? AND rule = ? AND cleared_at IS NULL
        RETURNING \(alertColumns)
        """
    /// Arguments: acked_at, id. Returns the acknowledged alert, or no row if it is unknown, cleared or acknowledged.
    static let acknowledgeAlert = """
        UPDATE alert_episodes SET state = 'acknowledged', acked_at = ? WHERE id = ? AND state = 'raised'
        RETURNING \(alertColumns)
        """
    static let insertAlertEvent =
        "INSERT INTO alert_history (alert_id, ts, event, value, message) VALUES (?, ?, ?, ?, ?)"
    static let alertByID = "SELECT \(alertColumns) FROM alerts WHERE id = ?"
    static let activeAlerts = "SELECT \(alertColumns) FROM alerts WHERE cleared_at IS NULL ORDER BY id"
    static let alertEvents =
        "SELECT id, alert_id, ts, event, value, message FROM alert_events WHERE alert_id = ? ORDER BY id"

    static let insertMaintenance =
        "INSERT INTO maintenance_events (asset, kind, counter, at, note) VALUES (?, ?, ?, ?, ?)"
    static let maintenanceColumns = "id, asset, kind, counter, at, note"
    /// Arguments: asset, limit (-1 for none). Newest first, an index range search in index order.
    static let maintenanceOfAsset = """
        SELECT \(maintenanceColumns) FROM maintenance WHERE asset = ? ORDER BY at DESC, id DESC LIMIT ?
        """
    /// Arguments: limit (-1 for none). Newest first.
    static let maintenanceOfAll = "SELECT \(maintenanceColumns) FROM maintenance ORDER BY at DESC, id DESC LIMIT ?"

    /// Alerts newest first, optionally only active ones and only of assets matching a GLOB pattern.
    ///
    /// Arguments: the pattern if `glob`, then the limit (-1 for none).
    static func alerts(activeOnly: Bool, glob: Bool) -> String {
        var conditions: [String] = []
        if activeOnly { conditions.append("cleared_at IS NULL") }
        if glob { conditions.append("asset GLOB ?") }
        let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        return "SELECT \(alertColumns) FROM alerts\(filter) ORDER BY id DESC LIMIT ?"
    }
}
