import GRDB
import GRDBSQLite

/// Executes a one-row statement of three values (two integers and a real) for many rows,
/// `StoreSQL.rowsPerStatement` rows per execution.
///
/// A full group runs the multi-row form of the statement; ``finish()`` runs the leftover rows one by one with the
/// one-row form, so that no statement is prepared per leftover count.
///
/// Values are bound with `sqlite3_bind_int64` / `sqlite3_bind_double` straight into the prepared statements: going
/// through `StatementArguments` boxed every value in an existential and was two thirds of the insert path's time
/// (perf, issue #6). Each statement is left reset after use, as GRDB's statement cache expects.
struct BulkStatement {
    private let db: Database
    private let one: Statement
    private let many: Statement
    /// Rows bound into `many` so far, not executed yet.
    private var pending: [(Int64, Int64, Double)] = []
    /// Rows changed so far (`sqlite3_changes` summed over the executions).
    private(set) var changes = 0

    init(_ db: Database, one: String, many: String) throws {
        self.db = db
        self.one = try db.cachedStatement(sql: one)
        self.many = try db.cachedStatement(sql: many)
        pending.reserveCapacity(StoreSQL.rowsPerStatement)
    }

    mutating func append(_ first: Int64, _ second: Int64, _ third: Double) throws {
        pending.append((first, second, third))
        if pending.count == StoreSQL.rowsPerStatement {
            try run(many, pending[...])
            pending.removeAll(keepingCapacity: true)
        }
    }

    /// Runs the rows that do not fill a whole group.
    mutating func finish() throws {
        for index in pending.indices {
            try run(one, pending[index...index])
        }
        pending.removeAll(keepingCapacity: true)
    }

    private mutating func run(_ statement: Statement, _ rows: ArraySlice<(Int64, Int64, Double)>) throws {
        let handle = statement.sqliteStatement
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        var index: CInt = 1
        for (first, second, third) in rows {
            sqlite3_bind_int64(handle, index, first)
            sqlite3_bind_int64(handle, index + 1, second)
            sqlite3_bind_double(handle, index + 2, third)
            index += 3
        }
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: db.lastErrorMessage,
                                sql: statement.sql)
        }
        changes += db.changesCount
    }
}
