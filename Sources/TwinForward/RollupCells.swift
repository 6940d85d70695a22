import TwinStore

/// A batch of readings folded into 1-minute cells per central series: count, min, max and sum, as the columns of
/// `rollups_1m_data`. The cells of one batch are added to those PostgreSQL holds already.
struct RollupCells: Sendable, Equatable {
    static let widthMillis: Int64 = 60_000

    var series: [Int64] = []
    var buckets: [Int64] = []
    var counts: [Int64] = []
    var mins: [Double] = []
    var maxes: [Double] = []
    var sums: [Double] = []

    var count: Int { series.count }

    private struct Key: Hashable {
        var series: Int64
        var bucket: Int64
    }

    /// `series` holds the central series id of each reading of `batch`.
    init(series: [Int64], batch: ForwardReadings) {
        var index: [Key: Int] = [:]
        index.reserveCapacity(min(batch.count, 16_384))
        for row in 0..<batch.count {
            let key = Key(series: series[row], bucket: Self.bucket(batch.timestamps[row]))
            let value = batch.values[row]
            if let cell = index[key] {
                counts[cell] += 1
                mins[cell] = Swift.min(mins[cell], value)
                maxes[cell] = Swift.max(maxes[cell], value)
                sums[cell] += value
            } else {
                index[key] = self.series.count
                self.series.append(key.series)
                buckets.append(key.bucket)
                counts.append(1)
                mins.append(value)
                maxes.append(value)
                sums.append(value)
            }
        }
    }

    /// The start of the minute holding `timestamp` (Unix ms), floored, so times before 1970 land in their own.
    static func bucket(_ timestamp: Int64) -> Int64 {
        let remainder = timestamp % widthMillis
        return timestamp - (remainder < 0 ? remainder + widthMillis : remainder)
    }
}
