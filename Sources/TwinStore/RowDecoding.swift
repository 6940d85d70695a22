import GRDB
import TwinCore

/// A stored text that is not one of the values its column allows (a file edited by hand, or a newer twind).
struct UnexpectedColumnValue: Error, CustomStringConvertible {
    var column: String
    var value: String
    var expected: [String]

    var description: String {
        "column \(column) holds '\(value)', expected one of \(expected.joined(separator: ", "))"
    }
}

extension Row {
    /// The enum case named by the text in column `index`.
    func decode<T: RawRepresentable & CaseIterable>(_ index: Int, column: String) throws -> T
    where T.RawValue == String {
        let text: String = self[index]
        guard let value = T(rawValue: text) else {
            throw UnexpectedColumnValue(column: column, value: text, expected: T.allCases.map(\.rawValue))
        }
        return value
    }
}

extension StoredAlert {
    /// An alert from a row of ``StoreSQL/alertColumns``.
    init(row: Row) throws {
        self.init(
            id: row[0],
            asset: row[1],
            rule: row[2],
            severity: try row.decode(3, column: "severity"),
            state: try row.decode(4, column: "state"),
            raisedAt: row[5],
            clearedAt: row[6],
            ackedAt: row[7],
            value: row[8],
            message: row[9]
        )
    }
}

extension AlertEvent {
    /// An event from a row of `id, alert_id, ts, event, value, message`.
    init(row: Row) throws {
        self.init(
            id: row[0],
            alertID: row[1],
            timestamp: row[2],
            kind: try row.decode(3, column: "event"),
            value: row[4],
            message: row[5]
        )
    }
}

extension MaintenanceEvent {
    /// An event from a row of ``StoreSQL/maintenanceColumns``.
    init(row: Row) throws {
        self.init(
            id: row[0],
            asset: row[1],
            kind: try row.decode(2, column: "kind"),
            counter: row[3],
            timestamp: row[4],
            note: row[5]
        )
    }
}
