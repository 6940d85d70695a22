/// The resolution of a history query: every reading, or 1-minute or 1-hour rollups.
public enum HistoryStep: String, Sendable, Hashable, CaseIterable {
    case raw
    case minute = "1m"
    case hour = "1h"

    var width: RollupWidth? {
        switch self {
        case .raw: nil
        case .minute: .minute
        case .hour: .hour
        }
    }

    /// The finest step that returns at most `maxPoints` points: raw if there are at most that many readings,
    /// else minutes if the span holds at most that many minutes, else hours (the coarsest there is).
    public static func automatic(readings: Int, spanMillis: Int64, maxPoints: Int = 2_000) -> HistoryStep {
        if readings <= maxPoints { return .raw }
        return spanMillis / RollupWidth.minute.millis + 1 <= Int64(maxPoints) ? .minute : .hour
    }
}

/// One point of a history: a reading (`count` 1, every value the reading's), or the rollup of a bucket.
public struct HistoryRow: Sendable, Hashable {
    /// The reading's time, or the start of the bucket; Unix milliseconds.
    public var timestamp: Int64
    public var count: Int64
    public var min: Double
    public var max: Double
    public var sum: Double
    public var firstTimestamp: Int64
    public var first: Double
    public var lastTimestamp: Int64
    public var last: Double

    public var average: Double { sum / Double(count) }

    public init(timestamp: Int64, count: Int64, min: Double, max: Double, sum: Double, firstTimestamp: Int64,
                first: Double, lastTimestamp: Int64, last: Double) {
        self.timestamp = timestamp
        self.count = count
        self.min = min
        self.max = max
        self.sum = sum
        self.firstTimestamp = firstTimestamp
        self.first = first
        self.lastTimestamp = lastTimestamp
        self.last = last
    }

    /// A raw reading as a point.
    public init(timestamp: Int64, value: Double) {
        self.init(timestamp: timestamp, count: 1, min: value, max: value, sum: value, firstTimestamp: timestamp,
                  first: value, lastTimestamp: timestamp, last: value)
    }

    init(bucket: Int64, _ cell: RollupCell) {
        self.init(timestamp: bucket, count: cell.count, min: cell.min, max: cell.max, sum: cell.sum,
                  firstTimestamp: cell.firstTimestamp, first: cell.first, lastTimestamp: cell.lastTimestamp,
                  last: cell.last)
    }
}
