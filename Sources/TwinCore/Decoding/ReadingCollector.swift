/// Accumulates one message's readings and properties.
struct ReadingCollector {
    let receivedAt: Int64
    let limits: DecodeLimits
    private(set) var readings: [Reading] = []
    private(set) var properties: [PropertyUpdate] = []

    init(receivedAt: Int64, limits: DecodeLimits) {
        self.receivedAt = receivedAt
        self.limits = limits
    }

    /// Adds a reading; the caller checks the timestamp (`Timestamp.check`).
    mutating func addReading(asset: String, metric: String, value: Double, timestamp: Int64) throws(DecodeFailure) {
        guard value.isFinite else {
            throw DecodeFailure(.nonFinite, "metric \(DecodeFailure.quote(metric)) is \(value)")
        }
        if readings.isEmpty {
            readings.reserveCapacity(8)
        }
        readings.append(Reading(asset: asset, metric: metric, timestamp: timestamp, value: value))
    }

    mutating func addProperty(asset: String, key: String, value: String, timestamp: Int64) {
        properties.append(PropertyUpdate(asset: asset, key: key, value: value, timestamp: timestamp))
    }

    /// Where the next reading and property will go; see `restamp(_:since:)`.
    var mark: (readings: Int, properties: Int) {
        (readings.count, properties.count)
    }

    /// Checks `timestamp` and gives it to everything collected since `mark`.
    mutating func restamp(
        _ timestamp: Int64,
        since mark: (readings: Int, properties: Int) = (0, 0)
    ) throws(DecodeFailure) {
        try Timestamp.check(timestamp, receivedAt: receivedAt, limits: limits)
        for index in mark.readings..<readings.count {
            readings[index].timestamp = timestamp
        }
        for index in mark.properties..<properties.count {
            properties[index].timestamp = timestamp
        }
    }

    /// The decoded message; `noNumericField` when it held neither a number nor a string.
    ///
    /// A message with properties but no numbers decodes to properties alone: a status-only message is valid.
    func result() -> DecodeResult {
        if readings.isEmpty && properties.isEmpty {
            return .quarantined(.noNumericField, detail: "the payload holds no numeric or string field")
        }
        return .decoded(readings: readings, properties: properties)
    }
}
