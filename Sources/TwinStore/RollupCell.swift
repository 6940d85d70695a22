/// The aggregate of the readings of one series in one bucket.
struct RollupCell: Sendable, Hashable {
    var count: Int64
    var min: Double
    var max: Double
    var sum: Double
    var firstTimestamp: Int64
    var first: Double
    var lastTimestamp: Int64
    var last: Double

    init(timestamp: Int64, value: Double) {
        count = 1
        (min, max, sum) = (value, value, value)
        (firstTimestamp, first, lastTimestamp, last) = (timestamp, value, timestamp, value)
    }

    init(count: Int64, min: Double, max: Double, sum: Double, firstTimestamp: Int64, first: Double,
         lastTimestamp: Int64, last: Double) {
        self.count = count
        (self.min, self.max, self.sum) = (min, max, sum)
        (self.firstTimestamp, self.first, self.lastTimestamp, self.last) = (firstTimestamp, first, lastTimestamp, last)
    }

    var average: Double { sum / Double(count) }

    mutating func add(timestamp: Int64, value: Double) {
        count += 1
        min = Swift.min(min, value)
        max = Swift.max(max, value)
        sum += value
        if timestamp < firstTimestamp { (firstTimestamp, first) = (timestamp, value) }
        if timestamp > lastTimestamp { (lastTimestamp, last) = (timestamp, value) }
    }

    /// Adds the readings of `other`, a disjoint set of readings of the same bucket (the rule of the rollup upsert).
    mutating func combine(_ other: RollupCell) {
        count += other.count
        min = Swift.min(min, other.min)
        max = Swift.max(max, other.max)
        sum += other.sum
        if other.firstTimestamp < firstTimestamp { (firstTimestamp, first) = (other.firstTimestamp, other.first) }
        if other.lastTimestamp > lastTimestamp { (lastTimestamp, last) = (other.lastTimestamp, other.last) }
    }
}
