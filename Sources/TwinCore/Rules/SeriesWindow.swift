/// The readings of one series within a time window: a ring buffer with running sums for a least-squares line.
///
/// Times in the sums are seconds since `base`, which is moved to the oldest point whenever the sums are rebuilt
/// (when the window empties, and every `capacity` appends), so cancellation error never builds up.
struct SeriesWindow: Sendable, Equatable {
    private(set) var times: [Int64] = []
    private(set) var values: [Double] = []
    private var head = 0
    private(set) var count = 0
    private var base: Int64 = 0
    private var sumT = 0.0, sumV = 0.0, sumTT = 0.0, sumTV = 0.0, sumVV = 0.0
    private var appendsSinceRebuild = 0

    init() {}

    var isEmpty: Bool { count == 0 }
    private var capacity: Int { times.count }

    @inline(__always)
    private func slot(_ i: Int) -> Int {
        let s = head + i
        return s >= capacity ? s - capacity : s
    }

    var oldest: (time: Int64, value: Double)? {
        count == 0 ? nil : (times[head], values[head])
    }

    var newest: (time: Int64, value: Double)? {
        count == 0 ? nil : (times[slot(count - 1)], values[slot(count - 1)])
    }

    /// Adds a point at the newest end (the caller keeps times non-decreasing); drops the oldest when `maxPoints` are
    /// held already.
    mutating func append(_ time: Int64, _ value: Double, maxPoints: Int) {
        if count >= maxPoints {
            removeOldest()
        } else if count == capacity {
            grow(to: Swift.min(maxPoints, Swift.max(8, capacity * 2)))
        }
        if count == 0 {
            base = time
            (sumT, sumV, sumTT, sumTV, sumVV) = (0, 0, 0, 0, 0)
            appendsSinceRebuild = 0
        }
        let s = slot(count)
        times[s] = time
        values[s] = value
        count += 1
        let t = Double(time - base) / 1_000
        sumT += t
        sumV += value
        sumTT += t * t
        sumTV += t * value
        sumVV += value * value
        appendsSinceRebuild += 1
        if appendsSinceRebuild >= Swift.max(capacity, 64) { rebuildSums() }
    }

    /// Drops every point older than `cutoff`.
    mutating func evict(before cutoff: Int64) {
        while count > 0, times[head] < cutoff { removeOldest() }
    }

    mutating func removeAll() {
        head = 0
        count = 0
        (sumT, sumV, sumTT, sumTV, sumVV) = (0, 0, 0, 0, 0)
    }

    /// The mean of the values; nil when empty.
    var mean: Double? { count == 0 ? nil : sumV / Double(count) }

    /// The least-squares line through the points: slope per second and the line's value at the newest point's time;
    /// nil with fewer than two distinct times.
    func line() -> (slope: Double, valueAtNewest: Double)? {
        guard count >= 2, let newest else { return nil }
        let n = Double(count)
        let meanT = sumT / n
        let varianceT = sumTT - sumT * meanT
        guard varianceT > 1e-9 * Swift.max(1, sumTT) else { return nil }
        let slope = (sumTV - sumT * (sumV / n)) / varianceT
        let tNewest = Double(newest.time - base) / 1_000
        let value = sumV / n + slope * (tNewest - meanT)
        guard slope.isFinite, value.isFinite else { return nil }
        return (slope, value)
    }

    /// Milliseconds from the oldest to the newest point; 0 when empty.
    var span: Int64 {
        guard let oldest, let newest else { return 0 }
        return newest.time - oldest.time
    }

    /// The standard error of `line()`'s slope (per second), from the residuals around the line; nil with fewer than
    /// three points or no spread in time.
    func slopeStandardError() -> Double? {
        guard count >= 3 else { return nil }
        let n = Double(count)
        let ssT = sumTT - sumT * sumT / n
        guard ssT > 1e-9 * Swift.max(1, sumTT) else { return nil }
        let ssTV = sumTV - sumT * sumV / n
        let ssV = sumVV - sumV * sumV / n
        let residual = Swift.max(0, ssV - ssTV * ssTV / ssT)
        let se = (residual / (n - 2) / ssT).squareRoot()
        return se.isFinite ? se : nil
    }

    private mutating func removeOldest() {
        let t = Double(times[head] - base) / 1_000
        let v = values[head]
        sumT -= t
        sumV -= v
        sumTT -= t * t
        sumTV -= t * v
        sumVV -= v * v
        head = slot(1)
        count -= 1
        if count == 0 { removeAll() }
    }

    private mutating func grow(to newCapacity: Int) {
        var newTimes = [Int64](repeating: 0, count: newCapacity)
        var newValues = [Double](repeating: 0, count: newCapacity)
        for i in 0..<count {
            newTimes[i] = times[slot(i)]
            newValues[i] = values[slot(i)]
        }
        times = newTimes
        values = newValues
        head = 0
    }

    private mutating func rebuildSums() {
        appendsSinceRebuild = 0
        guard let oldest else { return }
        base = oldest.time
        (sumT, sumV, sumTT, sumTV, sumVV) = (0, 0, 0, 0, 0)
        for i in 0..<count {
            let t = Double(times[slot(i)] - base) / 1_000
            let v = values[slot(i)]
            sumT += t
            sumV += v
            sumTT += t * t
            sumTV += t * v
            sumVV += v * v
        }
    }
}

extension SeriesWindow {
    /// Same points in the same order (however they sit in the ring).
    static func == (a: SeriesWindow, b: SeriesWindow) -> Bool {
        a.count == b.count && (0..<a.count).allSatisfy {
            a.times[a.slot($0)] == b.times[b.slot($0)] && a.values[a.slot($0)] == b.values[b.slot($0)]
        }
    }
}

extension SeriesWindow: Codable {
    private enum CodingKeys: String, CodingKey { case times, values }

    /// Only the points, oldest first; the sums are rebuilt on decoding.
    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode((0..<count).map { times[slot($0)] }, forKey: .times)
        try container.encode((0..<count).map { values[slot($0)] }, forKey: .values)
    }

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let times = try container.decode([Int64].self, forKey: .times)
        let values = try container.decode([Double].self, forKey: .values)
        guard times.count == values.count else {
            throw DecodingError.dataCorruptedError(forKey: .values, in: container,
                                                   debugDescription: "times and values differ in length")
        }
        self.init()
        for (t, v) in zip(times, values) { append(t, v, maxPoints: Int.max) }
    }
}
