/// What the rules remember about one asset, saved with the twin snapshot so a restart resumes every episode, timer,
/// window and counter where it was.
public struct RuleState: Sendable, Codable, Equatable {
    public struct Entry: Sendable, Codable, Equatable {
        /// Identifies the rule's spec: state is restored only into a rule with the same spec.
        public var fingerprint: String
        var slot: RuleSlot
    }

    /// By rule name.
    public var rules: [String: Entry]

    /// Names of the rules with an active alert, sorted.
    public var activeRules: [String] {
        rules.filter { $0.value.slot.active }.map(\.key).sorted()
    }

    /// A usage rule's counter (hours for run time); nil for an unknown rule.
    public func usage(of rule: String) -> Double? {
        rules[rule]?.slot.usage
    }
}

/// One rule's memory for one asset. One flat struct for every kind, so updating it never copies or allocates.
struct RuleSlot: Sendable, Codable, Equatable {
    /// An alert is raised and not yet cleared.
    var active = false
    /// Time and value of the newest reading the rule took in; `Int64.min` before the first.
    var lastTime: Int64 = .min
    var lastValue = 0.0
    /// `for`: start time and length of the current run of readings beyond the limit.
    var runStart: Int64 = 0
    var runCount = 0
    /// anomaly: the rule's EWMA of the series, and how many readings it folded in. drift: the baseline's mean and
    /// (while it is learned, the sum of squared deviations, then) variance.
    var mean = 0.0
    var variance = 0.0
    var seen = 0
    /// usage: the counter, and whether the condition held at the last reading.
    var usage = 0.0
    var held = false
    /// stale: the asset is past `offline_after`.
    var offline = false
    /// rate and trend: the readings within the window.
    var window = SeriesWindow()
    /// rul: the model's feature windows.
    var life: RULFeatureState?
    /// Time of the last raise, for `min_interval`.
    var lastRaise: Int64?
    /// drift: the smoothed level; flatline: the value the current run started at.
    var level: Double?
    /// anomaly, novelty method: the detector.
    var novelty: NoveltyDetector?
}
