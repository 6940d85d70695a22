/// The (asset, metric) pair that names a series; the key of the writer's series-id cache.
struct SeriesKey: Hashable, Sendable {
    var asset: String
    var metric: String
}

/// What the single writer keeps in memory between batches. Changed only after a transaction commits.
struct WriterState: Sendable {
    /// Every row of `series`, loaded at open.
    var seriesIDs: [SeriesKey: Int64] = [:]
    /// Rows in `readings_recent`, counted at open and kept up to date by commits and merges.
    var recentRows = 0
    var isClosed = false
}
