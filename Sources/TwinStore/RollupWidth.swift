/// The bucket widths of the rollups: one table and one public view each.
enum RollupWidth: Int64, CaseIterable, Sendable {
    case minute = 60_000
    case hour = 3_600_000

    var millis: Int64 { rawValue }

    /// The internal table, keyed (series_id, bucket).
    var table: String {
        switch self {
        case .minute: "rollup_1m"
        case .hour: "rollup_1h"
        }
    }

    /// The public view, keyed (asset, metric, ts).
    var view: String {
        switch self {
        case .minute: "readings_1m"
        case .hour: "readings_1h"
        }
    }

    /// The start of the bucket holding `timestamp` (floor division).
    func bucket(_ timestamp: Int64) -> Int64 {
        let remainder = timestamp % millis
        return timestamp - (remainder < 0 ? remainder + millis : remainder)
    }
}
