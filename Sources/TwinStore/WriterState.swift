/// The (asset, metric) pair that names a series; the key of the writer's series-id cache.
struct SeriesKey: Hashable, Sendable {
    var asset: String
    var metric: String
}

/// What the single writer keeps in memory between batches. Changed only after a transaction commits.
struct WriterState: Sendable {
    /// Every row of `series`, loaded at open.
    var seriesIDs: [SeriesKey: Int64] = [:]
    /// Rows in `readings_recent` when the store opened (``TwinStore/recentRows`` counts from there).
    var recentRowsAtOpen = 0
    /// A ``MergeWorker`` merges in the background: ``TwinStore/mergeRecentIfNeeded()`` only steps in when it falls
    /// far behind, and checkpoints are left to the worker.
    var hasMergeWorker = false
    var isClosed = false
}
