/// One predictive-maintenance rule as declared in the config: which twins and series it watches, what it checks,
/// and how the alert it raises reads.
///
/// Message templates fill in these placeholders (an unknown one is a validation error):
/// `{asset}`, `{rule}`, `{metric}` (the series the rule watches), `{severity}`, `{value}` (the value that raised
/// or cleared it, empty for a stale asset), `{limit}` (the kind's limit, or the maintenance interval of a usage
/// rule), `{ttl}` (trend: predicted time to the limit, e.g. `1h 20m`), `{z}` (anomaly: the z-score), `{usage}`
/// (usage: the counter's value, hours for run time), `{age}` (stale: time since the last reading).
public struct RuleSpec: Sendable, Equatable, Codable {
    public var name: String
    public var selector: Selector
    /// The series the rule watches. Optional for a stale rule (then any reading of the asset counts).
    public var metric: String?
    /// Instead of `metric`: an expression over the twin's latest values (see `Expression`), evaluated whenever one
    /// of its inputs changes and seen only by this rule.
    public var expression: String?
    public var severity: Severity
    /// The alert message; nil for the kind's default.
    public var message: String?
    public var kind: Kind
    /// Re-raise suppression (ms): an episode starts at most this often; a condition that holds when the interval has
    /// passed raises then. Nil: no suppression.
    public var minInterval: Int64?

    public init(name: String, selector: Selector = Selector(), metric: String? = nil, expression: String? = nil,
                severity: Severity = .warning, message: String? = nil, kind: Kind, minInterval: Int64? = nil) {
        self.name = name
        self.minInterval = minInterval
        self.selector = selector
        self.metric = metric
        self.expression = expression
        self.severity = severity
        self.message = message
        self.kind = kind
    }

    /// Which twins a rule applies to: all of them when empty.
    public struct Selector: Sendable, Equatable, Codable {
        /// A glob over the asset id: `*` matches any run of characters, `?` one character.
        public var asset: String?
        /// Twin properties that must have exactly these values (e.g. `type: pump`).
        public var properties: [String: String]

        public init(asset: String? = nil, properties: [String: String] = [:]) {
            self.asset = asset
            self.properties = properties
        }
    }

    public enum Kind: Sendable, Equatable, Codable {
        case threshold(Threshold)
        /// Named `for` in the config: a threshold condition that must hold for a while before it raises.
        case sustained(Sustained)
        case rate(Rate)
        case anomaly(Anomaly)
        case trend(Trend)
        case flatline(Flatline)
        case drift(Drift)
        case stale(Stale)
        case usage(Usage)
        /// Named `rul` in the config.
        case remainingLife(RemainingLife)

        /// The config's name for the kind.
        public var name: String {
            switch self {
            case .threshold: "threshold"
            case .sustained: "for"
            case .rate: "rate"
            case .anomaly: "anomaly"
            case .trend: "trend"
            case .flatline: "flatline"
            case .drift: "drift"
            case .stale: "stale"
            case .usage: "usage"
            case .remainingLife: "rul"
            }
        }
    }
}

/// Which way a limit is crossed.
public enum Direction: String, Sendable, Equatable, Codable {
    /// The alert is about values above the limit.
    case above
    /// The alert is about values below the limit.
    case below
}

/// A value compared with a limit, with a separate level to cross back over before the condition ends.
///
/// `above 80, clear 75`: holds once the value is above 80, ends once it is below 75; values in between change
/// nothing, so a value hovering at the limit does not flap.
public struct Threshold: Sendable, Equatable, Codable {
    public var direction: Direction
    public var limit: Double
    /// Defaults to `limit` (no hysteresis band).
    public var clear: Double

    public init(_ direction: Direction, _ limit: Double, clear: Double? = nil) {
        self.direction = direction
        self.limit = limit
        self.clear = clear ?? limit
    }

    /// The value is beyond the limit (strictly).
    @inline(__always)
    func trips(_ value: Double) -> Bool {
        direction == .above ? value > limit : value < limit
    }

    /// The value is back beyond the clear level (strictly).
    @inline(__always)
    func clears(_ value: Double) -> Bool {
        direction == .above ? value < clear : value > clear
    }
}
