/// What evaluating a rule needs, with nothing reference-counted in it: the hot path copies no strings or arrays.
struct RuleCheck: Sendable {
    enum Kind: Sendable {
        case threshold(Threshold)
        case sustained(Threshold, duration: Int64?, readings: Int?)
        case rate(Threshold, per: Int64, window: Int64)
        case anomaly(Anomaly)
        /// Horizons in seconds.
        case trend(Threshold, window: Int64, horizon: Double, clearHorizon: Double, minPoints: Int, maxPoints: Int,
                   minSpan: Int64, slopeSigmas: Double)
        case flatline(Flatline)
        case drift(Drift)
        case usage(Usage.Measure, every: Double, maxGap: Int64)
        case stale
        /// Horizons in seconds and the level's smoothing weight; the model itself is in `RuleEngine.models`.
        case remainingLife(horizon: Double, clearHorizon: Double, alpha: Double)
    }

    /// What one value did to the rule's episode.
    enum Event {
        case none
        case raised(Double, MessageTemplate.Values)
        case cleared(Double, MessageTemplate.Values)
        /// The open episode ends and another starts at the same reading (a novelty while the last one is open).
        case reraised(Double, MessageTemplate.Values)
    }

    let kind: Kind
    /// The rule has an asset glob or properties to check.
    let hasSelector: Bool
    /// Re-raise suppression (ms), or 0.
    let minInterval: Int64

    init(_ spec: RuleSpec) {
        hasSelector = spec.selector.asset != nil || !spec.selector.properties.isEmpty
        minInterval = spec.minInterval ?? 0
        switch spec.kind {
        case .threshold(let t): kind = .threshold(t)
        case .sustained(let s): kind = .sustained(s.condition, duration: s.duration, readings: s.readings)
        case .rate(let r): kind = .rate(r.limit, per: r.per, window: r.window)
        case .anomaly(let a): kind = .anomaly(a)
        case .trend(let t):
            kind = .trend(t.limit, window: t.window, horizon: Double(t.horizon) / 1_000,
                          clearHorizon: Double(t.clearHorizon) / 1_000, minPoints: t.minPoints, maxPoints: t.maxPoints,
                          minSpan: t.minSpan, slopeSigmas: t.slopeSigmas)
        case .flatline(let f): kind = .flatline(f)
        case .drift(let d): kind = .drift(d)
        case .usage(let u): kind = .usage(u.measure, every: u.every, maxGap: u.maxGap)
        case .stale: kind = .stale
        case .remainingLife(let life):
            kind = .remainingLife(horizon: Double(life.horizon) / 1_000, clearHorizon: Double(life.clearHorizon) / 1_000,
                                  alpha: life.model.features.alpha)
        }
    }

    /// Takes one value of the rule's series into its slot. Returns whether an episode started or ended, and for a
    /// trend rule the predicted seconds to the limit. Allocates nothing.
    @inline(__always)
    func step(_ s: inout RuleSlot, _ value: Double, at time: Int64) -> (event: Event, ttl: Double?) {
        // A reading older than the newest one taken in (the clock went back, or it arrived late) changes nothing.
        guard value.isFinite, time >= s.lastTime else { return (.none, nil) }
        let first = s.lastTime == .min
        let (previousTime, previousValue) = (s.lastTime, s.lastValue)
        s.lastTime = time
        s.lastValue = value
        var event = Event.none
        var ttlOut: Double?

        switch kind {
        case .threshold(let t):
            if !s.active, t.trips(value) {
                event = raise(&s, value, .init(limit: t.limit), at: time)
            } else if s.active, t.clears(value) {
                event = clear(&s, value, .init(limit: t.limit))
            }

        case .sustained(let condition, let duration, let readings):
            if condition.trips(value) {
                if s.runCount == 0 { s.runStart = time }
                s.runCount += 1
                let long = duration.map { time - s.runStart >= $0 } ?? false
                let many = readings.map { s.runCount >= $0 } ?? false
                if !s.active, long || many { event = raise(&s, value, .init(limit: condition.limit), at: time) }
            } else {
                s.runCount = 0
                if s.active, condition.clears(value) {
                    event = clear(&s, value, .init(limit: condition.limit))
                }
            }

        case .rate(let limit, let per, let window):
            s.window.evict(before: time - window)
            s.window.append(time, value, maxPoints: 4_096)
            guard let oldest = s.window.oldest, time > oldest.time else { break }
            let rate = (value - oldest.value) / Double(time - oldest.time) * Double(per)
            if !s.active, limit.trips(rate) {
                event = raise(&s, rate, .init(limit: limit.limit), at: time)
            } else if s.active, limit.clears(rate) {
                event = clear(&s, rate, .init(limit: limit.limit))
            }

        case .anomaly(let rule) where rule.method == .novelty:
            if s.novelty == nil { s.novelty = NoveltyDetector() }
            let magnitude = s.novelty!.update(value, rule)
            if s.novelty!.admits(magnitude, rule) {
                // While the last novelty's alert is still open (novel readings in a row), one that may raise ends it
                // and starts the next episode.
                let wasActive = s.active
                s.active = false
                event = raise(&s, value, .init(z: Double(magnitude)), at: time)
                if case .raised(let v, let values) = event {
                    s.novelty!.raised(magnitude, rule)
                    if wasActive { event = .reraised(v, values) }
                } else {
                    s.active = wasActive
                }
            } else if s.active, magnitude == 0 {
                event = clear(&s, value, .init(z: 0))
            }

        case .anomaly(let rule):
            if s.seen >= rule.warmup {
                let sd = s.variance.squareRoot()
                // A series that never varied: any change is infinitely unusual.
                let flat: Double = value == s.mean ? 0 : (value > s.mean ? .infinity : -.infinity)
                let z = sd > 0 ? (value - s.mean) / sd : flat
                let score = rule.tails == .both ? abs(z) : (rule.tails == .upper ? z : -z)
                if !s.active, score > rule.z {
                    event = raise(&s, value, .init(z: z), at: time)
                } else if s.active, score < rule.clearZ {
                    event = clear(&s, value, .init(z: z))
                }
            }
            if s.seen == 0 {
                s.mean = value
                s.variance = 0
            } else {
                let diff = value - s.mean
                let increment = rule.alpha * diff
                s.mean += increment
                s.variance = (1 - rule.alpha) * (s.variance + diff * increment)
            }
            s.seen += 1

        case .trend(let limit, let window, let horizon, let clearHorizon, let minPoints, let maxPoints, let minSpan,
                    let slopeSigmas):
            s.window.evict(before: time - window)
            s.window.append(time, value, maxPoints: maxPoints)
            guard s.window.count >= minPoints, s.window.span >= minSpan, let line = s.window.line() else { break }
            let ttl = Self.secondsToLimit(limit, line)
            ttlOut = ttl
            let values = MessageTemplate.Values(limit: limit.limit, ttlSeconds: ttl)
            if !s.active {
                // Judged on the slope less `slopeSigmas` standard errors: a slope the noise could explain raises
                // nothing.
                var cautious = line
                if slopeSigmas > 0 {
                    guard let se = s.window.slopeStandardError() else { break }
                    let margin = slopeSigmas * se
                    cautious.slope = line.slope > 0 ? Swift.max(0, line.slope - margin)
                        : Swift.min(0, line.slope + margin)
                }
                if let due = Self.secondsToLimit(limit, cautious), due < horizon {
                    event = raise(&s, value, values, at: time)
                }
            } else if (ttl ?? .infinity) >= clearHorizon {
                event = clear(&s, value, values)
            }

        case .flatline(let rule):
            if s.runCount > 0, let start = s.level, abs(value - start) <= rule.tolerance {
                s.runCount += 1
            } else {
                if s.active { event = clear(&s, value, .init(limit: Double(rule.readings))) }
                s.runCount = 1
                s.runStart = time
                s.level = value
            }
            let long = rule.duration.map { time - s.runStart >= $0 } ?? true
            if !s.active, s.runCount >= rule.readings, long {
                event = raise(&s, value, .init(limit: Double(rule.readings), ageMillis: time - s.runStart), at: time)
            }

        case .drift(let rule):
            guard s.seen >= rule.baseline else {
                // Learning the baseline (Welford): `variance` holds the sum of squared deviations until it is done.
                s.seen += 1
                let delta = value - s.mean
                s.mean += delta / Double(s.seen)
                s.variance += delta * (value - s.mean)
                if s.seen == rule.baseline {
                    s.variance = s.seen > 1 ? s.variance / Double(s.seen - 1) : 0
                    s.level = s.mean
                }
                break
            }
            let level = (s.level ?? s.mean) + rule.alpha * (value - (s.level ?? s.mean))
            s.level = level
            let shift = level - s.mean
            let signed = rule.direction == .both ? abs(shift) : (rule.direction == .upper ? shift : -shift)
            let limit = Swift.max(rule.by ?? 0, (rule.sigmas ?? 0) * s.variance.squareRoot())
            let values = MessageTemplate.Values(limit: limit, z: s.variance > 0 ? shift / s.variance.squareRoot() : nil)
            if !s.active, signed > limit {
                event = raise(&s, level, values, at: time)
            } else if s.active, signed <= limit / 2 {
                // `<=`: a baseline without spread (limit 0 with sigmas alone) clears once back at the baseline.
                event = clear(&s, level, values)
            }

        case .usage(let measure, let every, let maxGap):
            let dt = first ? 0 : time - previousTime
            let gapOK = !first && dt <= maxGap
            switch measure {
            case .runTime(let condition):
                if s.held, gapOK { s.usage += Double(dt) / 3_600_000 }
                s.held = Self.holds(condition, value, was: s.held)
            case .integral(let per):
                if gapOK { s.usage += (previousValue + value) / 2 * Double(dt) / Double(per) }
            case .cycles(let condition):
                let holds = Self.holds(condition, value, was: s.held)
                if holds, !s.held, !first { s.usage += 1 }
                s.held = holds
            }
            if !s.active, s.usage >= every {
                event = raise(&s, value, .init(limit: every, usage: s.usage), at: time)
            }

        case .stale, .remainingLife:
            break
        }
        return (event, ttlOut)
    }

    /// rul: judges a new prediction (seconds of remaining life) against the horizons.
    @inline(__always)
    func judgeLife(_ s: inout RuleSlot, _ life: Double) -> Event {
        guard case .remainingLife(let horizon, let clearHorizon, _) = kind else { return .none }
        s.lastValue = life
        let values = MessageTemplate.Values(limit: horizon, ttlSeconds: life)
        if !s.active, life < horizon { return raise(&s, life, values, at: s.lastTime) }
        if s.active, life >= clearHorizon { return clear(&s, life, values) }
        return .none
    }

    /// A condition with hysteresis: true once beyond the limit, false once back past the clear level.
    @inline(__always)
    static func holds(_ condition: Threshold, _ value: Double, was: Bool) -> Bool {
        was ? !condition.clears(value) : condition.trips(value)
    }

    /// Seconds until the fitted line reaches the limit: 0 when it is already there, nil when it heads away or is flat.
    static func secondsToLimit(_ limit: Threshold, _ line: (slope: Double, valueAtNewest: Double)) -> Double? {
        let gap = limit.limit - line.valueAtNewest
        switch limit.direction {
        case .above:
            if gap <= 0 { return 0 }
            return line.slope > 0 ? gap / line.slope : nil
        case .below:
            if gap >= 0 { return 0 }
            return line.slope < 0 ? gap / line.slope : nil
        }
    }

    @inline(__always)
    private func raise(_ s: inout RuleSlot, _ value: Double, _ values: MessageTemplate.Values, at time: Int64) -> Event {
        // Within `min_interval` of the last raise nothing starts; a condition still holding after it raises then.
        if minInterval > 0, let last = s.lastRaise, time - last < minInterval { return .none }
        s.active = true
        s.lastRaise = time
        return .raised(value, values)
    }

    @inline(__always)
    private func clear(_ s: inout RuleSlot, _ value: Double, _ values: MessageTemplate.Values) -> Event {
        s.active = false
        return .cleared(value, values)
    }
}
