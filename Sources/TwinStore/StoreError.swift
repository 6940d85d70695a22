import GRDB

/// A failure of the store, with what it was doing, on which file, and (for SQLite errors) which statement.
///
/// Bound values never appear in the description: they may hold payloads.
public struct StoreError: Error, CustomStringConvertible {
    /// What the store was doing, as a verb phrase ("commit a batch").
    public var operation: String
    /// The database file.
    public var path: String
    /// What went wrong.
    public var reason: String
    /// The SQL statement that failed, if any.
    public var sql: String?
    /// The SQLite primary result code, if SQLite reported the error.
    public var sqliteCode: Int32?
    /// What to do about it, if the store knows.
    public var hint: String?

    public init(
        operation: String,
        path: String,
        reason: String,
        sql: String? = nil,
        sqliteCode: Int32? = nil,
        hint: String? = nil
    ) {
        self.operation = operation
        self.path = path
        self.reason = reason
        self.sql = sql
        self.sqliteCode = sqliteCode
        self.hint = hint
    }

    public var description: String {
        var text = "Could not \(operation) (database \(path)): \(reason)"
        if let sql {
            text += " - while executing `\(sql)`"
        }
        text += "."
        if let hint {
            text += " \(hint)"
        }
        return text
    }
}

extension StoreError {
    /// Runs `body`, turning any error it throws into a `StoreError` about `operation` on `path`.
    static func wrapping<T>(_ operation: String, path: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError {
            throw StoreError(
                operation: operation,
                path: path,
                reason:
                    "SQLite error \(error.resultCode.primaryResultCode.rawValue): \(error.message ?? "unknown error")",
                sql: error.sql,
                sqliteCode: error.resultCode.primaryResultCode.rawValue
            )
        } catch {
            throw StoreError(operation: operation, path: path, reason: "\(error)")
        }
    }
}
