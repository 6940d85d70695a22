import Foundation

/// A validated rule, with what evaluation needs precomputed: its glob, property pairs, message pieces, series name.
struct CompiledRule: Sendable {
    let spec: RuleSpec
    /// Stable hash of the spec: state saved under one spec is restored only into an equal one.
    let fingerprint: String
    let selector: RuleSelector
    /// The series the rule reads: the metric, `@rule:<name>` for an expression, empty for an asset-wide stale rule.
    var series: String
    /// What `{metric}` shows.
    let label: String
    let message: MessageTemplate
    /// trend: the derived time-to-limit metric.
    let ttlMetric: String
    /// rul: the derived lower-bound metric.
    let lowMetric: String

    init(_ spec: RuleSpec, index: Int, issues: inout [RuleError.Issue]) {
        self.spec = spec
        let subject = RuleError.Issue.Subject.rule(index: index, name: spec.name)
        func fail(_ field: String, _ message: String) { issues.append(.init(subject, field, message)) }

        if let problem = RuleEngine.nameProblem(spec.name) { fail("name", problem) }
        if spec.selector.asset?.isEmpty == true { fail("select.asset", "the asset pattern is empty") }
        selector = RuleSelector(spec.selector)
        var isStale = false, isLife = false
        if case .stale = spec.kind { isStale = true }
        if case .remainingLife = spec.kind { isLife = true }
        switch (spec.metric, spec.expression) {
        case (.some, .some): fail("expression", "give either metric or expression, not both")
        case (_, _) where isLife && (spec.metric != nil || spec.expression != nil):
            fail(spec.metric != nil ? "metric" : "expression", "a rul rule reads the metrics its model names")
        case (nil, nil) where !isStale && !isLife:
            fail("metric", "missing; give the metric (or an expression) the rule watches")
        case (_, .some) where isStale: fail("expression", "a stale rule watches a metric or the whole asset")
        default: break
        }
        series = spec.metric ?? ""
        label = spec.metric ?? spec.expression ?? {
            if case .remainingLife(let life) = spec.kind { return life.output }
            return "*"
        }()
        ttlMetric = {
            if case .trend(let trend) = spec.kind { return trend.ttlMetric ?? "\(spec.metric ?? spec.name).ttl_s" }
            if case .remainingLife(let life) = spec.kind { return life.output }
            return ""
        }()
        if case .remainingLife(let life) = spec.kind { lowMetric = life.output + "_low" } else { lowMetric = "" }
        do {
            message = try MessageTemplate(spec.message ?? Self.defaultMessage(spec))
        } catch {
            fail("message", error.description)
            message = try! MessageTemplate("")
        }
        for (field, problem) in Self.kindProblems(spec.kind) { fail(field, problem) }
        if let interval = spec.minInterval, interval <= 0 { fail("min_interval", "must be longer than 0") }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        // A model's training summary may hold NaN; the default strategy would throw and every spec would hash alike.
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf",
                                                                      nan: "nan")
        fingerprint = Self.fnv1a((try? encoder.encode(spec)) ?? Data())
    }

    func transition(_ kind: AlertTransition.Kind, asset: String, at time: Int64, value: Double?,
                    _ values: MessageTemplate.Values = .init()) -> AlertTransition {
        var values = values
        values.value = value
        let text = message.render(asset: asset, rule: spec.name, metric: label, severity: spec.severity, values)
        return transition(kind, asset: asset, at: time, value: value, message: text)
    }

    func transition(_ kind: AlertTransition.Kind, asset: String, at time: Int64, value: Double?,
                    message: String) -> AlertTransition {
        AlertTransition(asset: asset, rule: spec.name, kind: kind, severity: spec.severity, timestamp: time,
                        value: value, message: message)
    }

    static func defaultMessage(_ spec: RuleSpec) -> String {
        switch spec.kind {
        case .threshold(let t): "{asset}: {metric} is {value}, \(t.direction.rawValue) {limit} ({rule})"
        case .sustained(let s):
            "{asset}: {metric} is {value}, \(s.condition.direction.rawValue) {limit} for a while ({rule})"
        case .rate: "{asset}: {metric} changes by {value} per unit of time, limit {limit} ({rule})"
        case .anomaly(let a) where a.method == .novelty:
            "{asset}: {metric} is {value}, unlike anything since its warm-up ({z} bins out; {rule})"
        case .anomaly: "{asset}: {metric} is {value}, z-score {z} ({rule})"
        case .trend: "{asset}: {metric} is predicted to reach {limit} in {ttl} ({rule})"
        case .flatline: "{asset}: {metric} has not changed for {age} ({limit} readings or more; {rule})"
        case .drift: "{asset}: {metric} drifted to {value}, more than {limit} from its baseline ({rule})"
        case .stale: spec.metric == nil ? "{asset}: no reading for {age} ({rule})"
            : "{asset}: no reading of {metric} for {age} ({rule})"
        case .usage: "{asset}: maintenance due, {usage} of {limit} since the last one ({rule})"
        case .remainingLife: "{asset}: predicted remaining life {ttl} ({rule})"
        }
    }

    /// Checks that the numbers of a kind make sense together, with the config's key for each.
    static func kindProblems(_ kind: RuleSpec.Kind) -> [(String, String)] {
        var problems: [(String, String)] = []
        func check(_ ok: Bool, _ field: String, _ message: String) { if !ok { problems.append((field, message)) } }
        func checkThreshold(_ t: Threshold, _ prefix: String) {
            let clearKey = "\(prefix).clear_\(t.direction == .above ? "below" : "above")"
            check(t.limit.isFinite, "\(prefix).\(t.direction.rawValue)", "expected a finite number")
            check(t.clear.isFinite, clearKey, "expected a finite number")
            let sideOK = t.direction == .above ? t.clear <= t.limit : t.clear >= t.limit
            check(sideOK, clearKey,
                  "must not be \(t.direction.rawValue) the limit \(t.limit) (it is the level to cross back over)")
        }
        switch kind {
        case .threshold(let t): checkThreshold(t, "threshold")
        case .sustained(let s):
            checkThreshold(s.condition, "for")
            check((s.duration == nil) != (s.readings == nil), "for", "give exactly one of duration and readings")
            check((s.duration ?? 1) > 0, "for.duration", "must be longer than 0")
            check((s.readings ?? 1) >= 1, "for.readings", "must be at least 1")
        case .rate(let r):
            checkThreshold(r.limit, "rate")
            check(r.per > 0, "rate.per", "must be longer than 0")
            check(r.window > 0, "rate.window", "must be longer than 0")
        case .anomaly(let a):
            check(a.z > 0 && a.z.isFinite, "anomaly.z", "must be a positive number")
            check(a.clearZ > 0 && a.clearZ <= a.z, "anomaly.clear_z", "must be positive and at most z (\(a.z))")
            check(a.alpha > 0 && a.alpha <= 1, "anomaly.alpha", "must be in (0, 1]")
            check(a.warmup >= 2, "anomaly.warmup", "must be at least 2 readings")
            if a.method == .novelty {
                check(a.bins >= 2 && a.bins <= 1_000, "anomaly.bins", "must be from 2 to 1000")
                check(a.learn >= a.warmup, "anomaly.learn", "must be at least warmup (\(a.warmup))")
                check(a.rest >= 1, "anomaly.rest", "must be at least 1 reading")
                check(a.escalation >= 1 && a.escalation.isFinite, "anomaly.escalation", "must be at least 1")
                check(a.maxBins == 0 || a.maxBins >= 2, "anomaly.max_bins", "must be 0 (never coarser) or at least 2")
                check(a.step >= 0 && a.step.isFinite, "anomaly.step", "must be 0 (any change) or a positive number")
                check(a.burst >= 0, "anomaly.burst", "must be 0 (no limit) or more")
                check(a.refill >= 1, "anomaly.refill", "must be at least 1 reading")
            }
        case .trend(let t):
            check(t.limit.limit.isFinite, "trend.\(t.limit.direction.rawValue)", "expected a finite number")
            check(t.window > 0, "trend.window", "must be longer than 0")
            check(t.horizon > 0, "trend.horizon", "must be longer than 0")
            check(t.clearHorizon >= t.horizon, "trend.clear_horizon", "must be at least the horizon")
            check(t.minPoints >= 2, "trend.min_points", "must be at least 2")
            check(t.maxPoints >= t.minPoints, "trend.max_points", "must be at least min_points (\(t.minPoints))")
            check(t.minSpan >= 0 && t.minSpan <= t.window, "trend.min_span",
                  "must be between 0 and the window (\(DurationText.format(t.window)))")
            check(t.slopeSigmas >= 0 && t.slopeSigmas.isFinite, "trend.slope_sigmas", "must be 0 or a positive number")
        case .flatline(let f):
            check(f.readings >= 2, "flatline.readings", "must be at least 2")
            check((f.duration ?? 1) > 0, "flatline.duration", "must be longer than 0")
            check(f.tolerance >= 0 && f.tolerance.isFinite, "flatline.tolerance", "must be 0 or a positive number")
        case .drift(let d):
            check(d.by != nil || d.sigmas != nil, "drift", "give by (a distance in the metric's unit) or sigmas, or both")
            check((d.by ?? 1) > 0 && (d.by ?? 1).isFinite, "drift.by", "must be a positive number")
            check((d.sigmas ?? 1) > 0 && (d.sigmas ?? 1).isFinite, "drift.sigmas", "must be a positive number")
            check(d.baseline >= 2, "drift.baseline", "must be at least 2 readings")
            check(d.alpha > 0 && d.alpha <= 1, "drift.alpha", "must be in (0, 1]")
        case .stale(let s):
            check(s.after > 0, "stale.after", "must be longer than 0")
            check(s.offlineAfter.map { $0 > s.after } ?? true, "stale.offline_after", "must be longer than after")
        case .usage(let u):
            check(u.every > 0 && u.every.isFinite, "usage.every", "must be a positive number")
            check(u.maxGap > 0, "usage.max_gap", "must be longer than 0")
            switch u.measure {
            case .runTime(let t), .cycles(let t): checkThreshold(t, "usage.when")
            case .integral(let per): check(per > 0, "usage.per", "must be longer than 0")
            }
        case .remainingLife(let life):
            check(life.horizon > 0, "rul.horizon", "must be longer than 0")
            check(life.clearHorizon >= life.horizon, "rul.clear_horizon", "must be at least the horizon")
            let cap = DurationText.format(Int64(life.model.cap * 1_000))
            check(Double(life.horizon) / 1_000 < life.model.cap, "rul.horizon",
                  "must be under the model's cap of \(cap) (its predictions stop there: every asset would alert)")
            check(Double(life.clearHorizon) / 1_000 < life.model.cap, "rul.clear_horizon",
                  "must be under the model's cap of \(cap) (its predictions stop there: the alert might never clear)")
            check(!life.output.isEmpty && RuleEngine.nameProblem(life.output) == nil, "rul.output",
                  "must be a metric name (no '/', not starting with '@')")
            for problem in life.model.problems { check(false, "rul.model", "\(life.modelPath): \(problem)") }
        }
        return problems
    }

    private static func fnv1a(_ data: Data) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}

/// A rule's selector, ready to match: the glob compiled, the properties as pairs.
struct RuleSelector: Sendable {
    let glob: AssetGlob?
    let properties: [(key: String, value: String)]

    init(_ selector: RuleSpec.Selector) {
        glob = selector.asset.map(AssetGlob.init)
        properties = selector.properties.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }
    }

    /// `globMatch` caches the glob's verdict for the asset (0 not yet known, 1 yes, -1 no).
    @inline(__always)
    func selects(_ asset: String, _ twin: Twin, _ globMatch: inout Int8) -> Bool {
        if let glob {
            if globMatch == 0 { globMatch = glob.matches(asset) ? 1 : -1 }
            if globMatch < 0 { return false }
        }
        for pair in properties where twin.properties[pair.key] != pair.value { return false }
        return true
    }
}
