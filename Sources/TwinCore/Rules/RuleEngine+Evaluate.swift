extension RuleEngine {
    /// Runs the rules and derived metrics that read `reading.metric`.
    ///
    /// `twin` is the reading's twin after the reading was applied (derived metrics read its latest values). Appends
    /// to `transitions` the alerts raised or cleared, and to `derived` the readings of derived metrics and trend
    /// time-to-limit metrics, which the caller applies and evaluates in turn. A reading of a metric nothing reads
    /// costs one dictionary lookup; NaN and ±∞ are ignored, and so is a reading older than the twin's latest.
    public mutating func evaluate(_ reading: Reading, twin: Twin, transitions: inout [AlertTransition],
                                  derived: inout [Reading]) {
        guard let hook = hooks[reading.metric], reading.value.isFinite else { return }
        if !hook.rules.isEmpty {
            run(hook.rules, hook.inputs, reading.value, at: reading.timestamp, twin, &transitions, &derived)
        }
        guard !hook.derived.isEmpty else { return }
        // The twin's latest values are newer than a late reading: computing from them at its time would be wrong.
        if let latest = twin.metrics[reading.metric], latest.timestamp > reading.timestamp { return }
        for index in hook.derived {
            let metric = self.derived[index]
            guard let value = metric.expression.evaluate(in: twin) else { continue }
            if metric.emitted {
                derived.append(Reading(asset: reading.asset, metric: metric.name, timestamp: reading.timestamp,
                                       value: value))
            } else if let hook = hooks[metric.name] {
                run(hook.rules, hook.inputs, value, at: reading.timestamp, twin, &transitions, &derived)
            }
        }
    }

    /// Applies `reading` to `twins`, evaluates it, then applies and evaluates every derived reading it leads to
    /// (breadth first, so a metric derived from a derived metric sees its input's new value). `derived` receives
    /// every derived reading that was applied; store them like measured ones.
    @discardableResult
    public mutating func process(_ reading: Reading, twins: inout TwinEngine, transitions: inout [AlertTransition],
                                 derived: inout [Reading]) -> TwinEngine.Outcome {
        let (outcome, index) = twins.apply(reading, twinIndex: nil)
        guard outcome == .updated else { return outcome }
        let start = derived.count
        evaluate(reading, twin: twins.twins.values[index], transitions: &transitions, derived: &derived)
        var next = start
        // Derived readings are of the reading's asset, whose twin exists: `index` holds while no twin is added,
        // which only a reading of another asset could do.
        var sameTwins = true
        // Each derived metric is emitted at most once per input, and cycles are refused, so this ends; the bound is
        // only a guard.
        while next < derived.count, next - start < 10_000 {
            let item = derived[next]
            next += 1
            if item.asset != reading.asset { sameTwins = false }
            let (derivedOutcome, at) = twins.apply(item, twinIndex: sameTwins ? index : nil)
            guard derivedOutcome == .updated else { continue }
            evaluate(item, twin: twins.twins.values[at], transitions: &transitions, derived: &derived)
        }
        return outcome
    }

    @inline(__always)
    private mutating func run(_ ruleIndices: [Int], _ inputs: [Int], _ value: Double, at time: Int64, _ twin: Twin,
                              _ transitions: inout [AlertTransition], _ derived: inout [Reading]) {
        let a = slotsIndex(twin.asset)
        for (position, i) in ruleIndices.enumerated() {
            let check = checks[i]
            if check.hasSelector, !selectors[i].selects(twin.asset, twin, &assets.values[a].globMatch[i]) { continue }
            if case .remainingLife(_, _, let alpha) = check.kind {
                stepLife(i, a, input: inputs[position], value, at: time, alpha: alpha, twin.asset, &transitions,
                         &derived)
                continue
            }
            let (event, ttl) = check.step(&assets.values[a].slots[i], value, at: time)
            if let ttl {
                derived.append(Reading(asset: twin.asset, metric: rules[i].ttlMetric, timestamp: time, value: ttl))
            }
            report(event, i, twin.asset, time, &transitions)
        }
    }

    /// rul: takes one reading of the model's metric number `input`; at a complete sample predicts the remaining life,
    /// emits it (and its lower bound) as derived readings and judges it. The model is read only then.
    @inline(__always)
    private mutating func stepLife(_ i: Int, _ a: Dictionary<String, AssetRules>.Index, input: Int, _ value: Double,
                                   at time: Int64, alpha: Double, _ asset: String,
                                   _ transitions: inout [AlertTransition], _ derived: inout [Reading]) {
        if assets.values[a].slots[i].life == nil {
            assets.values[a].slots[i].life = RULFeatureState(models[i]!.features)
        }
        guard assets.values[a].slots[i].life!.take(metric: input, value: value, at: time, alpha: alpha) else { return }
        assets.values[a].slots[i].lastTime = time
        let model = models[i]!
        assets.values[a].slots[i].life!.features(model.features, into: &featureScratch)
        let life = model.predict(featureScratch)
        derived.append(Reading(asset: asset, metric: rules[i].ttlMetric, timestamp: time, value: life))
        if let low = model.lowerBound(for: life) {
            derived.append(Reading(asset: asset, metric: rules[i].lowMetric, timestamp: time, value: low))
        }
        report(checks[i].judgeLife(&assets.values[a].slots[i], life), i, asset, time, &transitions)
    }

    @inline(__always)
    private func report(_ event: RuleCheck.Event, _ i: Int, _ asset: String, _ time: Int64,
                        _ transitions: inout [AlertTransition]) {
        switch event {
        case .none: break
        case .raised(let v, let values):
            transitions.append(rules[i].transition(.raised, asset: asset, at: time, value: v, values))
        case .cleared(let v, let values):
            transitions.append(rules[i].transition(.cleared, asset: asset, at: time, value: v, values))
        case .reraised(let v, let values):
            transitions.append(rules[i].transition(.cleared, asset: asset, at: time, value: v,
                                                   message: "\(asset): a new anomaly of \(rules[i].label) follows (\(rules[i].spec.name))"))
            transitions.append(rules[i].transition(.raised, asset: asset, at: time, value: v, values))
        }
    }

    @inline(__always)
    private mutating func slotsIndex(_ asset: String) -> Dictionary<String, AssetRules>.Index {
        if let last = lastAsset, last.asset == asset { return last.index }
        let index: Dictionary<String, AssetRules>.Index
        if let found = assets.index(forKey: asset) {
            index = found
        } else {
            assets[asset] = AssetRules(ruleCount: rules.count)
            index = assets.index(forKey: asset)!
        }
        lastAsset = (asset, index)
        return index
    }

    /// Runs the stale rules against every twin at time `now` (Unix ms): raises when a twin (or the rule's metric) has
    /// had no reading for `after`, clears once it has again. `statuses` receives each twin whose status the stale rules
    /// now put differently (`offline` past `offline_after`, `stale` past `after`, otherwise `online`); twins no stale
    /// rule selects are left alone. A `now` earlier than a reading counts as no time passed.
    public mutating func tick(now: Int64, twins: [String: Twin], transitions: inout [AlertTransition],
                              statuses: inout [StatusChange]) {
        guard !staleRules.isEmpty else { return }
        for asset in twins.keys.sorted() {
            let twin = twins[asset]!
            var level: Twin.Status?
            for i in staleRules {
                let a = slotsIndex(asset)
                guard selectors[i].selects(asset, twin, &assets.values[a].globMatch[i]),
                      case .stale(let rule) = rules[i].spec.kind else { continue }
                let last = rules[i].spec.metric.map { twin.metrics[$0]?.timestamp ?? twin.firstSeen } ?? twin.lastSeen
                let age = max(0, now - last)
                let offline = rule.offlineAfter.map { age >= $0 } ?? false
                let stale = offline || age >= rule.after
                let values = MessageTemplate.Values(ageMillis: age)
                let suppressed = rules[i].spec.minInterval.map { interval in
                    assets.values[a].slots[i].lastRaise.map { now - $0 < interval } ?? false
                } ?? false
                if stale, !assets.values[a].slots[i].active, !suppressed {
                    assets.values[a].slots[i].active = true
                    assets.values[a].slots[i].lastRaise = now
                    transitions.append(rules[i].transition(.raised, asset: asset, at: now, value: nil, values))
                } else if !stale, assets.values[a].slots[i].active {
                    assets.values[a].slots[i].active = false
                    transitions.append(rules[i].transition(.cleared, asset: asset, at: now, value: nil, values))
                }
                assets.values[a].slots[i].offline = offline
                let mine: Twin.Status = offline ? .offline : (stale ? .stale : .online)
                level = Self.worse(level, mine)
            }
            if let level, level != twin.status { statuses.append(StatusChange(asset: asset, status: level)) }
        }
    }

    /// Records maintenance on `asset`: every usage rule counting `counter` (its `counter`, or its name) starts again
    /// from zero at `time`, and its alert, if raised, clears. Readings older than `time` no longer count for it.
    public mutating func resetUsage(asset: String, counter: String, at time: Int64) -> [AlertTransition] {
        var transitions: [AlertTransition] = []
        for (i, rule) in rules.enumerated() {
            guard case .usage(let usage) = rule.spec.kind, (usage.counter ?? rule.spec.name) == counter else {
                continue
            }
            let a = slotsIndex(asset)
            let used = assets.values[a].slots[i].usage
            assets.values[a].slots[i].usage = 0
            if assets.values[a].slots[i].lastTime != .min {
                assets.values[a].slots[i].lastTime = max(assets.values[a].slots[i].lastTime, time)
            }
            if assets.values[a].slots[i].active {
                assets.values[a].slots[i].active = false
                transitions.append(rule.transition(.cleared, asset: asset, at: time, value: used,
                                                   .init(limit: usage.every, usage: used)))
            }
        }
        return transitions
    }

    /// Starts a new life for `asset` (a `failure` or `repair` recorded at `time`): every rul rule forgets the asset's
    /// feature windows and age, every drift rule learns a new baseline; readings before `time` no longer count, and
    /// their alerts, if raised, clear. An event no newer than the current life's start (a redelivery, or a late
    /// record) changes nothing.
    public mutating func startNewLife(asset: String, at time: Int64) -> [AlertTransition] {
        var transitions: [AlertTransition] = []
        for (i, rule) in rules.enumerated() {
            if case .drift = rule.spec.kind {
                // The repaired or replaced sensor gets a baseline of its own.
                let a = slotsIndex(asset)
                let slot = assets.values[a].slots[i]
                // `runStart` holds the time of the last reset: a redelivered or older event changes nothing.
                if slot.runStart != 0, time <= slot.runStart { continue }
                assets.values[a].slots[i] = RuleSlot()
                assets.values[a].slots[i].runStart = time
                assets.values[a].slots[i].lastTime = max(slot.lastTime, time)
                assets.values[a].slots[i].lastRaise = slot.lastRaise
                if slot.active {
                    transitions.append(rule.transition(.cleared, asset: asset, at: time, value: nil,
                                                       message: "\(asset): a new baseline is learned (failure or repair recorded)"))
                }
                continue
            }
            guard let model = models[i] else { continue }
            let a = slotsIndex(asset)
            if let life = assets.values[a].slots[i].life, time <= life.bornAt { continue }
            let wasActive = assets.values[a].slots[i].active
            assets.values[a].slots[i] = RuleSlot()
            assets.values[a].slots[i].life = RULFeatureState(model.features, bornAt: time)
            if wasActive {
                transitions.append(rule.transition(.cleared, asset: asset, at: time, value: nil,
                                                   message: "\(asset): a new life started (failure or repair recorded)"))
            }
        }
        return transitions
    }

    private static func worse(_ a: Twin.Status?, _ b: Twin.Status) -> Twin.Status {
        func rank(_ s: Twin.Status) -> Int { s == .offline ? 2 : (s == .stale ? 1 : 0) }
        guard let a else { return b }
        return rank(a) >= rank(b) ? a : b
    }
}
