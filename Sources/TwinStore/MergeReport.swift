/// What one merge of `readings_recent` into `readings_main` did.
public struct MergeReport: Sendable, Hashable {
    /// Rows taken out of `readings_recent`.
    public var rowsMoved: Int
    /// Of those, rows whose (series, timestamp) was already in `readings_main` (redeliveries); the first value won.
    public var duplicatesIgnored: Int
    public var duration: Duration

    public init(rowsMoved: Int, duplicatesIgnored: Int, duration: Duration) {
        self.rowsMoved = rowsMoved
        self.duplicatesIgnored = duplicatesIgnored
        self.duration = duration
    }
}
