// The parameters of each rule kind (`RuleSpec.Kind`). Durations are in milliseconds.

/// A threshold condition that must hold for `duration` or for `readings` consecutive readings before it raises.
///
/// Measured between readings: the first reading beyond the limit starts the run, a reading that is not beyond it
/// ends the run; the alert clears once a reading is past `condition.clear`.
public struct Sustained: Sendable, Equatable, Codable {
    public var condition: Threshold
    public var duration: Int64?
    public var readings: Int?

    public init(_ condition: Threshold, duration: Int64? = nil, readings: Int? = nil) {
        self.condition = condition
        self.duration = duration
        self.readings = readings
    }
}

/// The change per `per` milliseconds between the oldest and newest reading within `window`.
///
/// `above 2 per minute`: raises while the value rises faster than 2 a minute; `below -2`: while it falls faster.
/// The rate is the alert's value. At most 4,096 readings are kept: a faster series gets a shorter window.
public struct Rate: Sendable, Equatable, Codable {
    public var limit: Threshold
    /// The unit of the rate: 1000 (per second), 60000 (per minute), 3600000 (per hour).
    public var per: Int64
    public var window: Int64

    public init(_ limit: Threshold, per: Int64 = 1_000, window: Int64) {
        self.limit = limit
        self.per = per
        self.window = window
    }
}

/// An anomaly detector on one series, by one of two methods.
///
/// `ewma`: a z-score against the rule's own exponentially weighted mean and variance; raises above `z`, clears
/// below `clearZ`. `novelty` (`NoveltyDetector`): raises on a value or a size of change the series has never shown
/// since its warm-up, at most once per `rest` readings unless `escalation` times further out; clears at the next
/// ordinary reading.
public struct Anomaly: Sendable, Equatable, Codable {
    public enum Tails: String, Sendable, Equatable, Codable {
        case both, upper, lower
    }

    public enum Method: String, Sendable, Equatable, Codable {
        case ewma, novelty
    }

    public var method: Method
    /// ewma: raises when |z| exceeds this (on the chosen tail).
    public var z: Double
    /// ewma: clears when |z| falls below this; defaults to `z`.
    public var clearZ: Double
    /// ewma: weight of the newest reading in the mean and variance. novelty: of the newest change in its average.
    public var alpha: Double
    /// Readings folded in before the rule judges any (novelty: after which the bins are fixed).
    public var warmup: Int
    public var tails: Tails
    /// novelty: bins across the warm-up range.
    public var bins: Int
    /// novelty: no raise before this many readings (bins are learned meanwhile).
    public var learn: Int
    /// novelty: readings from one raise to the next.
    public var rest: Int
    /// novelty: how many times further out than the last raise a novelty must be to raise within `rest`.
    public var escalation: Double
    /// novelty: visited bins of a feature beyond which its bins double in width (0: never).
    public var maxBins: Int
    /// novelty: a novelty counts only when the reading's change is at least this many times the average change
    /// before it (0: any change).
    public var step: Double
    /// novelty: novelties of one bin in a row at most (a token bucket; 0: no limit) …
    public var burst: Int
    /// novelty: … then one per this many readings.
    public var refill: Int

    public init(z: Double = 3, clearZ: Double? = nil, alpha: Double = 0.1, warmup: Int = 30, tails: Tails = .both) {
        self.method = .ewma
        self.z = z
        self.clearZ = clearZ ?? z
        self.alpha = alpha
        self.warmup = warmup
        self.tails = tails
        (bins, learn, rest, escalation, maxBins) = (10, warmup, 100, 3, 24)
        (step, burst, refill) = (1, 2, 400)
    }

    /// The novelty method, with the defaults `scripts/nab-eval` scores.
    public static func novelty(warmup: Int = 200, learn: Int = 250, bins: Int = 10, rest: Int = 100,
                               escalation: Double = 3, alpha: Double = 0.1, maxBins: Int = 24,
                               step: Double = 1, burst: Int = 2, refill: Int = 400) -> Anomaly {
        var a = Anomaly(z: 1, alpha: alpha, warmup: warmup)
        a.method = .novelty
        (a.bins, a.learn, a.rest, a.escalation, a.maxBins) = (bins, learn, rest, escalation, maxBins)
        (a.step, a.burst, a.refill) = (step, burst, refill)
        return a
    }
}

/// A least-squares line over the readings within `window`, extrapolated to the time it crosses `limit`.
///
/// Raises when the predicted crossing is less than `horizon` away (or the fitted line is already past it), clears
/// when it is at least `clearHorizon` away or no crossing is predicted. Every prediction is also emitted as a
/// derived reading `ttlMetric` (seconds to the limit), so it lands in the twin and the history.
public struct Trend: Sendable, Equatable, Codable {
    /// Direction and limit; its `clear` level is not used.
    public var limit: Threshold
    public var window: Int64
    public var horizon: Int64
    public var clearHorizon: Int64
    /// Readings in the window before the rule predicts anything.
    public var minPoints: Int
    /// Readings kept at most; beyond it the oldest go first (the window is then shorter than `window`).
    public var maxPoints: Int
    /// Name of the derived time-to-limit metric; nil for `<metric>.ttl_s` (`<rule name>.ttl_s` on an expression).
    public var ttlMetric: String?
    /// The readings in the window must span at least this long (ms) before the rule predicts anything.
    public var minSpan: Int64
    /// Standard errors taken off the fitted slope (towards flat) before the crossing is predicted: a slope that noise
    /// could explain predicts no crossing. 0 uses the slope as fitted.
    public var slopeSigmas: Double

    public init(_ limit: Threshold, window: Int64, horizon: Int64, clearHorizon: Int64? = nil, minPoints: Int = 10,
                maxPoints: Int = 2_048, ttlMetric: String? = nil, minSpan: Int64? = nil, slopeSigmas: Double = 3) {
        self.limit = limit
        self.window = window
        self.horizon = horizon
        self.clearHorizon = clearHorizon ?? horizon * 2
        self.minPoints = minPoints
        self.maxPoints = maxPoints
        self.ttlMetric = ttlMetric
        self.minSpan = minSpan ?? window / 4
        self.slopeSigmas = slopeSigmas
    }
}

/// A stuck sensor: the value stays within `tolerance` of where a run started for `readings` readings in a row and,
/// when given, for at least `duration` (ms). Clears at the first reading outside the tolerance.
public struct Flatline: Sendable, Equatable, Codable {
    public var readings: Int
    public var duration: Int64?
    public var tolerance: Double

    public init(readings: Int = 20, duration: Int64? = nil, tolerance: Double = 0) {
        self.readings = readings
        self.duration = duration
        self.tolerance = tolerance
    }
}

/// Slow drift away from a baseline: the series' smoothed level (an EWMA with weight `alpha`) against the mean of its
/// first `baseline` readings. Raises when the level is more than `by` away from the baseline mean (and, with
/// `sigmas`, more than that many of the baseline's standard deviations), clears once it is back within half of that.
/// A `failure` or `repair` maintenance event learns a new baseline.
public struct Drift: Sendable, Equatable, Codable {
    public var by: Double?
    public var sigmas: Double?
    public var baseline: Int
    public var alpha: Double
    public var direction: Tails

    public typealias Tails = Anomaly.Tails

    public init(by: Double? = nil, sigmas: Double? = nil, baseline: Int = 30, alpha: Double = 0.05,
                direction: Tails = .both) {
        self.by = by
        self.sigmas = sigmas
        self.baseline = baseline
        self.alpha = alpha
        self.direction = direction
    }
}

/// No reading for the asset (or, with a metric, for that series) within `after`: checked by `RuleEngine.tick`.
///
/// Marks the twin `stale`, and `offline` after `offlineAfter`; both raise and clear at a tick.
public struct Stale: Sendable, Equatable, Codable {
    public var after: Int64
    public var offlineAfter: Int64?

    public init(after: Int64, offlineAfter: Int64? = nil) {
        self.after = after
        self.offlineAfter = offlineAfter
    }
}

/// A usage counter against a maintenance interval; it raises when the counter reaches `every` and clears when
/// maintenance resets it (`RuleEngine.resetUsage`).
public struct Usage: Sendable, Equatable, Codable {
    public enum Measure: Sendable, Equatable, Codable {
        /// Hours during which the condition held (judged at each reading, until the next one).
        case runTime(Threshold)
        /// The trapezoidal integral of the value over time, in value × `per` (e.g. kW over hours: kWh).
        case integral(per: Int64)
        /// Rising edges of the condition (starts, cycles).
        case cycles(Threshold)
    }

    public var measure: Measure
    /// The maintenance interval, in hours for run time, otherwise in the counter's unit.
    public var every: Double
    /// The name maintenance events use; nil for the rule's name.
    public var counter: String?
    /// A gap between two readings longer than this adds no run time and no integral (the device was off or cut off).
    public var maxGap: Int64

    public init(_ measure: Measure, every: Double, counter: String? = nil, maxGap: Int64 = 3_600_000) {
        self.measure = measure
        self.every = every
        self.counter = counter
        self.maxGap = maxGap
    }
}

/// A fitted remaining-useful-life model (`RULModel`) evaluated at every complete sample of its metrics.
///
/// Every prediction is emitted as a derived reading `output` (seconds of remaining life) and, when the model has
/// one, `<output>_low` (its lower bound), so both land in the twin and the history. Raises when the predicted life
/// is under `horizon`, clears when it is at least `clearHorizon`. A `failure` or `repair` maintenance event starts a
/// new life (`RuleEngine.startNewLife`).
public struct RemainingLife: Sendable, Equatable, Codable {
    public var model: RULModel
    /// Where the model was loaded from (for messages).
    public var modelPath: String
    public var horizon: Int64
    public var clearHorizon: Int64
    public var output: String

    public init(model: RULModel, modelPath: String, horizon: Int64, clearHorizon: Int64? = nil,
                output: String = "rul") {
        self.model = model
        self.modelPath = modelPath
        self.horizon = horizon
        self.clearHorizon = clearHorizon ?? horizon
        self.output = output
    }
}
