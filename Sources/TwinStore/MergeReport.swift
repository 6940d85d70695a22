/// What one merge of `readings_recent` into `readings_main` did.
public struct MergeReport: Sendable, Hashable {
    /// Rows taken out of `readings_recent`.
    public var rowsMoved: Int
    /// Of those, rows whose (series, timestamp) was already in `readings_main` (redeliveries); the first value won.
    public var duplicatesIgnored: Int
    public var duration: Duration
    /// Write transactions the merge took (one inline; one per chunk for a ``MergeWorker``).
    public var transactions: Int
    /// The longest of them: the most a commit waited for the merge.
    public var longestTransaction: Duration

    public init(rowsMoved: Int, duplicatesIgnored: Int, duration: Duration, transactions: Int = 1,
                longestTransaction: Duration? = nil) {
        self.rowsMoved = rowsMoved
        self.duplicatesIgnored = duplicatesIgnored
        self.duration = duration
        self.transactions = transactions
        self.longestTransaction = longestTransaction ?? duration
    }
}
