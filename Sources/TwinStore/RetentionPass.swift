/// One pass of retention over a database: the series to prune in each table and up to which time, and how far the
/// pass has got. Made by ``TwinStore/planRetention(_:now:)``, advanced by ``TwinStore/pruneStep(_:maxRows:)``.
public struct RetentionPass: Sendable {
    struct Task: Sendable, Hashable {
        var tier: RetentionTier
        var seriesID: Int64
        /// Rows older than this (`ts`, or `bucket` for rollups) are deleted.
        var before: Int64
    }

    var tasks: [Task]
    var next = 0
    /// Rows deleted so far, per tier.
    public private(set) var deleted: [RetentionTier: Int] = [:]
    /// Transactions run so far.
    public private(set) var transactions = 0

    init(tasks: [Task]) {
        self.tasks = tasks
    }

    /// True when every expired row has been deleted.
    public var isFinished: Bool { next >= tasks.count }

    public var totalDeleted: Int { deleted.values.reduce(0, +) }

    mutating func record(_ tier: RetentionTier, rows: Int) {
        deleted[tier, default: 0] += rows
    }

    mutating func recordTransaction() {
        transactions += 1
    }
}
