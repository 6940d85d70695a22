import GRDB

/// Executes a one-row, three-value statement for many rows, `StoreSQL.rowsPerStatement` rows per execution.
///
/// A full group runs the multi-row form of the statement; ``finish()`` runs the leftover rows one by one with the
/// one-row form, so that no statement is prepared per leftover count.
struct BulkStatement {
    private let db: Database
    private let one: Statement
    private let many: Statement
    private var values: [(any DatabaseValueConvertible)?] = []
    /// Rows changed so far (`sqlite3_changes` summed over the executions).
    private(set) var changes = 0

    init(_ db: Database, one: String, many: String) throws {
        self.db = db
        self.one = try db.cachedStatement(sql: one)
        self.many = try db.cachedStatement(sql: many)
        values.reserveCapacity(3 * StoreSQL.rowsPerStatement)
    }

    mutating func append(
        _ first: some DatabaseValueConvertible,
        _ second: some DatabaseValueConvertible,
        _ third: some DatabaseValueConvertible
    ) throws {
        values.append(first)
        values.append(second)
        values.append(third)
        if values.count == 3 * StoreSQL.rowsPerStatement {
            try run(many, StatementArguments(values))
            values.removeAll(keepingCapacity: true)
        }
    }

    /// Runs the rows that do not fill a whole group.
    mutating func finish() throws {
        for start in stride(from: values.startIndex, to: values.endIndex, by: 3) {
            try run(one, StatementArguments(values[start..<(start + 3)]))
        }
        values.removeAll(keepingCapacity: true)
    }

    /// `setUncheckedArguments` + `execute()`: the statement's placeholders match by construction.
    private mutating func run(_ statement: Statement, _ arguments: StatementArguments) throws {
        statement.setUncheckedArguments(arguments)
        try statement.execute()
        changes += db.changesCount
    }
}
