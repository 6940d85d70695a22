extension StoreSQL {
    /// The time of the `offset`-th oldest expired row of a series: the last row a bounded delete may take.
    /// Arguments: series_id, before, offset.
    static func retentionBoundary(_ tier: RetentionTier) -> String {
        """
        SELECT \(tier.timeColumn) FROM \(tier.table) WHERE series_id = ? AND \(tier.timeColumn) < ?
        ORDER BY \(tier.timeColumn) LIMIT 1 OFFSET ?
        """
    }

    /// Arguments: series_id, last time deleted (inclusive).
    static func retentionDeleteThrough(_ tier: RetentionTier) -> String {
        "DELETE FROM \(tier.table) WHERE series_id = ? AND \(tier.timeColumn) <= ?"
    }

    /// Arguments: series_id, before (exclusive).
    static func retentionDeleteBefore(_ tier: RetentionTier) -> String {
        "DELETE FROM \(tier.table) WHERE series_id = ? AND \(tier.timeColumn) < ?"
    }

    /// Arguments: series_id, before.
    static let markRawPruned = """
        INSERT INTO raw_pruned (series_id, before) VALUES (?, ?)
        ON CONFLICT (series_id) DO UPDATE SET before = max(before, excluded.before)
        """
}
