/// How a remaining-useful-life model turns an asset's readings into features: per metric a smoothed level, the mean
/// and the least-squares slope over a trailing window of samples, plus (optionally) the asset's age.
///
/// A *sample* is an instant at which every metric of the model has a reading (one message carrying them all, or
/// several with the same timestamp). Features are computed at each complete sample, the same way when a model is
/// fitted from history and when a `rul` rule evaluates it live, by the same code (`RULFeatureState`).
public struct RULFeatureSpec: Sendable, Equatable, Codable {
    /// The metrics the model reads, in feature order (at most 64).
    public var metrics: [String]
    /// Samples in the trailing window for the mean and slope.
    public var window: Int
    /// Weight of the newest sample in the smoothed level (an exponentially weighted mean).
    public var alpha: Double
    /// Adds the time since the asset's first sample (or its last failure or repair), in seconds.
    public var age: Bool

    public static let maxMetrics = 64

    public init(metrics: [String], window: Int = 30, alpha: Double = 0.2, age: Bool = true) {
        self.metrics = metrics
        self.window = window
        self.alpha = alpha
        self.age = age
    }

    /// The features in order: `<metric>.level`, `<metric>.mean`, `<metric>.slope` for each metric, then `age_s`.
    public var featureNames: [String] {
        metrics.flatMap { ["\($0).level", "\($0).mean", "\($0).slope"] } + (age ? ["age_s"] : [])
    }

    public var featureCount: Int { metrics.count * 3 + (age ? 1 : 0) }

    /// Problems with the spec, as (field, message) pairs; empty when it is usable.
    public var problems: [(field: String, message: String)] {
        var problems: [(String, String)] = []
        if metrics.isEmpty { problems.append(("metrics", "give at least one metric")) }
        if metrics.count > Self.maxMetrics { problems.append(("metrics", "at most \(Self.maxMetrics) metrics")) }
        if Set(metrics).count != metrics.count { problems.append(("metrics", "a metric is listed twice")) }
        if window < 2 { problems.append(("window", "must be at least 2 samples")) }
        if !(alpha > 0 && alpha <= 1) { problems.append(("alpha", "must be in (0, 1]")) }
        return problems
    }
}

/// The running state behind `RULFeatureSpec` for one asset: a ring buffer per metric, updated one reading at a time.
///
/// Feed every reading of the model's metrics in time order with `take`; when it returns true a sample is complete
/// and `features(into:)` gives its feature vector. A reading older than its metric's newest is ignored.
public struct RULFeatureState: Sendable, Equatable, Codable {
    /// Per metric, the newest `window` values (ring buffers laid end to end) and their times (Unix ms).
    private var values: [Double]
    private var times: [Int64]
    /// Per metric: how many values are held (≤ window), the ring's next write position, the smoothed level.
    private var counts: [Int]
    private var heads: [Int]
    private var levels: [Double]
    private var lastTimes: [Int64]
    /// The instant being assembled and which metrics have a reading at it.
    private var pendingTime: Int64 = .min
    private var pendingMask: UInt64 = 0
    /// Time of the first complete sample (Unix ms), and how many samples are complete.
    public private(set) var startTime: Int64 = .min
    public private(set) var samples = 0
    /// Time of the newest complete sample.
    public private(set) var sampleTime: Int64 = .min

    public init(metricCount: Int, window: Int) {
        values = Array(repeating: 0, count: metricCount * window)
        times = Array(repeating: 0, count: metricCount * window)
        counts = Array(repeating: 0, count: metricCount)
        heads = Array(repeating: 0, count: metricCount)
        levels = Array(repeating: 0, count: metricCount)
        lastTimes = Array(repeating: .min, count: metricCount)
    }

    public init(_ spec: RULFeatureSpec) {
        self.init(metricCount: spec.metrics.count, window: spec.window)
    }

    private var metricCount: Int { counts.count }
    private var window: Int { metricCount == 0 ? 0 : values.count / metricCount }

    /// Takes the reading of metric number `metric` (its index in the spec's list). Returns true when it completes a
    /// sample: every metric now has a reading at `time`.
    @inline(__always)
    public mutating func take(metric: Int, value: Double, at time: Int64, alpha: Double) -> Bool {
        guard value.isFinite, time > lastTimes[metric] else { return false }
        lastTimes[metric] = time
        let w = window
        let base = metric * w
        values[base + heads[metric]] = value
        times[base + heads[metric]] = time
        heads[metric] = heads[metric] + 1 == w ? 0 : heads[metric] + 1
        levels[metric] = counts[metric] == 0 ? value : alpha * value + (1 - alpha) * levels[metric]
        if counts[metric] < w { counts[metric] += 1 }

        if time > pendingTime {
            pendingTime = time
            pendingMask = 0
        } else if time < pendingTime {
            return false
        }
        pendingMask |= 1 << UInt64(metric)
        let full: UInt64 = metricCount == 64 ? ~0 : (1 << UInt64(metricCount)) - 1
        guard pendingMask == full else { return false }
        pendingMask = 0
        if startTime == .min { startTime = time }
        samples += 1
        sampleTime = time
        return true
    }

    /// The features of the newest complete sample, in `RULFeatureSpec.featureNames` order (the buffer is resized).
    public func features(_ spec: RULFeatureSpec, into out: inout [Double]) {
        let n = spec.featureCount
        if out.count != n { out = Array(repeating: 0, count: n) }
        let w = window
        for m in 0..<metricCount {
            let count = counts[m]
            let base = m * w
            // Oldest first: the ring starts at head when full, at 0 otherwise.
            let start = count == w ? heads[m] : 0
            let newestTime = times[base + (heads[m] + w - 1) % w]
            var sumT = 0.0, sumV = 0.0, sumTT = 0.0, sumTV = 0.0
            var i = start
            for _ in 0..<count {
                let t = Double(times[base + i] - newestTime) / 1_000
                let v = values[base + i]
                sumT += t
                sumV += v
                sumTT += t * t
                sumTV += t * v
                i = i + 1 == w ? 0 : i + 1
            }
            let c = Double(count)
            let mean = sumV / c
            let denominator = c * sumTT - sumT * sumT
            let slope = count >= 2 && denominator > 0 ? (c * sumTV - sumT * sumV) / denominator : 0
            out[m * 3] = levels[m]
            out[m * 3 + 1] = mean
            out[m * 3 + 2] = slope
        }
        if spec.age { out[n - 1] = Double(sampleTime - startTime) / 1_000 }
    }
}
