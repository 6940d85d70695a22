/// Why an import cannot start or was stopped; `description` says what to do about it.
public struct ImportError: Error, CustomStringConvertible, Sendable {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// Why one row was refused: `reason` goes into the quarantine table, `detail` to the user.
public struct RowProblem: Error, Sendable, Equatable {
    public var reason: String
    public var detail: String

    public init(_ reason: String, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }

    static let wrongFieldCount = "wrong_field_count"
    static let invalidNumber = "invalid_number"
    static let missingAsset = "missing_asset"
    static let missingTime = "missing_time"
    static let unterminatedQuote = "unterminated_quote"
}
