/// The live state of one metric of one twin: its latest value and rolling statistics.
public struct MetricState: Sendable, Codable, Equatable {
    public var value: Double
    /// Unix ms of `value`.
    public var timestamp: Int64
    /// Readings applied, out-of-order ones included.
    public var count: Int64
    public var min: Double
    public var max: Double
    /// Exponentially weighted moving mean and variance over in-order readings.
    public var mean: Double
    public var variance: Double
    /// Change per second between the two newest in-order readings; nil until there are two.
    public var ratePerSecond: Double?

    public init(value: Double, timestamp: Int64) {
        self.value = value
        self.timestamp = timestamp
        self.count = 1
        self.min = value
        self.max = value
        self.mean = value
        self.variance = 0
        self.ratePerSecond = nil
    }

    public var standardDeviation: Double { variance.squareRoot() }

    /// Folds one reading in. Returns false when it is older than `timestamp` (it then counts toward
    /// count/min/max but moves neither the latest value nor the time-ordered statistics).
    @inline(__always)
    mutating func fold(_ newValue: Double, at time: Int64, alpha: Double) -> Bool {
        count &+= 1
        if newValue < min { min = newValue }
        if newValue > max { max = newValue }
        guard time > timestamp else { return false }
        let dt = Double(time - timestamp) / 1_000
        ratePerSecond = (newValue - value) / dt
        // West's incremental EWMA of mean and variance.
        let diff = newValue - mean
        let increment = alpha * diff
        mean += increment
        variance = (1 - alpha) * (variance + diff * increment)
        value = newValue
        timestamp = time
        return true
    }
}
