/// How a remaining-useful-life model turns an asset's readings into features: per metric a smoothed level, the mean
/// and the least-squares slope over a trailing window of samples, plus (optionally) the asset's age.
///
/// A *sample* is an instant at which every metric of the model has a reading (one message carrying them all, or
/// several with the same timestamp). Features are computed at each complete sample, the same way when a model is
/// fitted from history and when a `rul` rule evaluates it live, by the same code (`RULFeatureState`).
public struct RULFeatureSpec: Sendable, Equatable, Codable {
    /// The metrics the model reads, in feature order (at most 64).
    public var metrics: [String]
    /// Readings of each metric in the trailing window for its mean and slope (one per sample when every message
    /// carries every metric).
    public var window: Int
    /// Weight of the newest sample in the smoothed level (an exponentially weighted mean).
    public var alpha: Double
    /// Adds the time since the asset's first sample (or its last failure or repair), in seconds.
    public var age: Bool

    public static let maxMetrics = 64
    public static let maxWindow = 1_000

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
        if window < 2 || window > Self.maxWindow {
            problems.append(("window", "must be 2 to \(Self.maxWindow) readings"))
        }
        if !(alpha > 0 && alpha <= 1) { problems.append(("alpha", "must be in (0, 1]")) }
        return problems
    }
}

/// The running state behind `RULFeatureSpec` for one asset life: per metric a `SeriesWindow` of its newest readings
/// and a smoothed level, updated one reading at a time.
///
/// Feed every reading of the model's metrics in time order with `take`; when it returns true a sample is complete
/// and `features(into:)` gives its feature vector. A reading older than its metric's newest is ignored, and so is one
/// at or before `bornAt` (the failure or repair that started this life).
public struct RULFeatureState: Sendable, Equatable, Codable {
    private var windows: [SeriesWindow]
    private var levels: [Double]
    private var lastTimes: [Int64]
    /// The instant being assembled and which metrics have a reading at it.
    private var pendingTime: Int64 = .min
    private var pendingMask: UInt64 = 0
    /// Readings at or before this time (Unix ms) belong to an earlier life.
    public private(set) var bornAt: Int64
    /// Time of the first complete sample (Unix ms), and how many samples are complete.
    public private(set) var startTime: Int64 = .min
    public private(set) var samples = 0
    /// Time of the newest complete sample.
    public private(set) var sampleTime: Int64 = .min
    private let window: Int

    public init(_ spec: RULFeatureSpec, bornAt: Int64 = .min) {
        windows = Array(repeating: SeriesWindow(), count: spec.metrics.count)
        levels = Array(repeating: 0, count: spec.metrics.count)
        lastTimes = Array(repeating: bornAt, count: spec.metrics.count)
        window = spec.window
        self.bornAt = bornAt
    }

    /// The state was made for a spec with this many metrics and this window (a restored state may not be).
    public func fits(_ spec: RULFeatureSpec) -> Bool {
        windows.count == spec.metrics.count && window == spec.window
    }

    /// Takes the reading of metric number `metric` (its index in the spec's list). Returns true when it completes a
    /// sample: every metric now has a reading at `time`.
    @inline(__always)
    public mutating func take(metric: Int, value: Double, at time: Int64, alpha: Double) -> Bool {
        guard value.isFinite, time > lastTimes[metric] else { return false }
        lastTimes[metric] = time
        levels[metric] = windows[metric].isEmpty ? value : alpha * value + (1 - alpha) * levels[metric]
        windows[metric].append(time, value, maxPoints: window)

        if time > pendingTime {
            pendingTime = time
            pendingMask = 0
        } else if time < pendingTime {
            return false
        }
        pendingMask |= 1 << UInt64(metric)
        let full: UInt64 = windows.count == 64 ? ~0 : (1 << UInt64(windows.count)) - 1
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
        for m in windows.indices {
            out[m * 3] = levels[m]
            out[m * 3 + 1] = windows[m].mean ?? levels[m]
            out[m * 3 + 2] = windows[m].line()?.slope ?? 0
        }
        if spec.age { out[n - 1] = Double(sampleTime - startTime) / 1_000 }
    }
}
