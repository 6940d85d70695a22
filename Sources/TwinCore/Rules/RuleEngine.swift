/// Runs predictive-maintenance rules and derived metrics over the readings the twin engine applies: a value type with
/// no I/O, so the same readings in the same order always give the same alerts.
///
/// Feed it every reading the twin engine reports as `.updated`, with the twin after the update (or use
/// `process(_:twins:transitions:derived:)`, which also feeds back the derived readings), and call `tick(now:…)`
/// periodically for the stale rules. A rule ignores a reading older than the newest it has taken in for that asset.
public struct RuleEngine: Sendable {
    public let ruleSpecs: [RuleSpec]
    public let metricSpecs: [DerivedMetricSpec]
    let rules: [CompiledRule]
    /// `rules`' evaluation parameters, kept apart so the per-reading path copies nothing reference-counted.
    let checks: [RuleCheck]
    let selectors: [RuleSelector]
    let derived: [CompiledDerived]
    /// What depends on each metric: the only lookup a reading of any other metric costs.
    let hooks: [String: Hooks]
    let staleRules: [Int]
    var assets: [String: AssetRules] = [:]
    /// The asset whose slots the last reading used, as in `TwinEngine`: consecutive readings mostly share an asset.
    /// Reset wherever an asset may be added or removed other than by `slotsIndex`.
    var lastAsset: (asset: String, index: Dictionary<String, AssetRules>.Index)?

    struct Hooks: Sendable {
        var rules: [Int] = []
        /// Per entry of `rules`: the metric's position in a rul rule's model (0 for other kinds).
        var inputs: [Int] = []
        var derived: [Int] = []
    }

    /// Per rule: the model of a rul rule, nil for other kinds.
    let models: [RULModel?]
    /// Scratch space for rul features, so a prediction allocates nothing.
    var featureScratch: [Double] = []

    struct CompiledDerived: Sendable {
        let name: String
        let expression: Expression
        /// False for a rule's private expression: its value goes straight to the rule, not into the twin.
        let emitted: Bool
    }

    /// Per asset: one slot per rule, and which rules' asset globs match it (0 not yet known, 1 yes, -1 no).
    struct AssetRules: Sendable {
        var slots: [RuleSlot]
        var globMatch: [Int8]

        init(ruleCount: Int) {
            slots = Array(repeating: RuleSlot(), count: ruleCount)
            globMatch = Array(repeating: 0, count: ruleCount)
        }
    }

    /// A twin's new status, as decided by the stale rules that select it.
    public struct StatusChange: Sendable, Equatable {
        public var asset: String
        public var status: Twin.Status
    }

    /// Validates and compiles the rules and derived metrics; the error lists every problem.
    public init(rules: [RuleSpec], metrics: [DerivedMetricSpec] = []) throws(RuleError) {
        var issues: [RuleError.Issue] = []
        var compiledDerived: [CompiledDerived] = []
        for spec in metrics {
            if let problem = Self.nameProblem(spec.name) {
                issues.append(.init(.metric(spec.name), "", problem))
            }
            do {
                compiledDerived.append(CompiledDerived(name: spec.name, expression: try Expression(spec.expression),
                                                       emitted: true))
            } catch {
                issues.append(.init(.metric(spec.name), "", error.description))
            }
        }
        issues += Self.metricIssues(metrics, compiledDerived)
        var compiled: [CompiledRule] = []
        var seen = Set<String>()
        for (index, spec) in rules.enumerated() {
            if !seen.insert(spec.name).inserted {
                issues.append(.init(.rule(index: index, name: spec.name), "name", "another rule has the same name"))
            }
            var ruleIssues: [RuleError.Issue] = []
            var rule = CompiledRule(spec, index: index, issues: &ruleIssues)
            if let source = spec.expression, ruleIssues.isEmpty {
                do {
                    let expression = try Expression(source)
                    rule.series = "@rule:\(spec.name)"
                    compiledDerived.append(CompiledDerived(name: rule.series, expression: expression, emitted: false))
                } catch {
                    ruleIssues.append(.init(.rule(index: index, name: spec.name), "expression", error.description))
                }
            }
            issues += ruleIssues
            compiled.append(rule)
        }
        guard issues.isEmpty else { throw RuleError(issues: issues) }

        var hooks: [String: Hooks] = [:]
        for (i, rule) in compiled.enumerated() {
            if case .remainingLife(let life) = rule.spec.kind {
                for (input, metric) in life.model.features.metrics.enumerated() {
                    hooks[metric, default: Hooks()].rules.append(i)
                    hooks[metric, default: Hooks()].inputs.append(input)
                }
                continue
            }
            guard !rule.series.isEmpty else { continue }
            if case .stale = rule.spec.kind { continue }
            hooks[rule.series, default: Hooks()].rules.append(i)
            hooks[rule.series, default: Hooks()].inputs.append(0)
        }
        for (i, metric) in compiledDerived.enumerated() {
            for input in metric.expression.inputs { hooks[input, default: Hooks()].derived.append(i) }
        }
        self.ruleSpecs = rules
        self.metricSpecs = metrics
        self.rules = compiled
        self.checks = compiled.map { RuleCheck($0.spec) }
        self.models = compiled.map {
            if case .remainingLife(let life) = $0.spec.kind { return life.model }
            return nil
        }
        self.featureScratch = Array(repeating: 0, count: models.map { $0?.features.featureCount ?? 0 }.max() ?? 0)
        self.selectors = compiled.map(\.selector)
        self.derived = compiledDerived
        self.hooks = hooks
        self.staleRules = compiled.indices.filter { if case .stale = compiled[$0].spec.kind { true } else { false } }
    }

    /// The metric names that some rule or derived metric reads (derived and ttl metrics included).
    public var watchedMetrics: Set<String> { Set(hooks.keys.filter { !$0.hasPrefix("@rule:") }) }

    // MARK: State

    /// What the rules remember about `asset`; nil when no rule has seen it yet.
    public func state(of asset: String) -> RuleState? {
        guard let asset = assets[asset] else { return nil }
        var entries: [String: RuleState.Entry] = [:]
        for (i, rule) in rules.enumerated() {
            entries[rule.spec.name] = .init(fingerprint: rule.fingerprint, slot: asset.slots[i])
        }
        return RuleState(rules: entries)
    }

    /// Puts back saved state for `asset`: each rule whose name and spec are unchanged resumes where it was; the others
    /// start afresh.
    public mutating func restore(_ state: RuleState, for asset: String) {
        var restored = AssetRules(ruleCount: rules.count)
        for (i, rule) in rules.enumerated() {
            if let entry = state.rules[rule.spec.name], entry.fingerprint == rule.fingerprint {
                // A rul rule's windows must have the shape of its model, whatever the fingerprint says.
                if let model = models[i], let life = entry.slot.life, !life.fits(model.features) { continue }
                restored.slots[i] = entry.slot
            }
        }
        lastAsset = nil
        assets[asset] = restored
    }

    /// Assets the rules hold state for, sorted.
    public var assetsWithState: [String] { assets.keys.sorted() }

    /// Swaps in new rules (a config reload): rules with the same name and an equal spec keep their state; the others
    /// start afresh. Returns a `cleared` transition, stamped `now`, for every active alert of a rule that is gone or
    /// changed, so no alert is left open forever.
    public mutating func replaceRules(with new: RuleEngine, at now: Int64) -> [AlertTransition] {
        var next = new
        next.assets = [:]
        next.lastAsset = nil
        var oldIndex: [String: Int] = [:]
        for (i, rule) in rules.enumerated() { oldIndex[rule.spec.name] = i }
        let kept: [(new: Int, old: Int)] = new.rules.enumerated().compactMap { j, rule in
            guard let i = oldIndex[rule.spec.name], rules[i].spec == rule.spec else { return nil }
            return (j, i)
        }
        let keptOld = Set(kept.map(\.old))
        var transitions: [AlertTransition] = []
        for asset in assets.keys.sorted() {
            let old = assets[asset]!
            var fresh = AssetRules(ruleCount: new.rules.count)
            for (j, i) in kept { fresh.slots[j] = old.slots[i] }
            next.assets[asset] = fresh
            for (i, rule) in rules.enumerated() where old.slots[i].active && !keptOld.contains(i) {
                transitions.append(rule.transition(.cleared, asset: asset, at: now, value: nil,
                                                   message: "rule \(rule.spec.name) was removed or changed"))
            }
        }
        self = next
        return transitions
    }

    static func nameProblem(_ name: String) -> String? {
        if name.isEmpty { return "the name is empty" }
        if name.contains("/") || name.hasPrefix("@") { return "a name may not contain '/' nor start with '@'" }
        return nil
    }

    /// Derived metrics: unique names, no metric computed from itself (directly or through others).
    private static func metricIssues(_ specs: [DerivedMetricSpec], _ compiled: [CompiledDerived]) -> [RuleError.Issue] {
        var issues: [RuleError.Issue] = []
        var names = Set<String>()
        for spec in specs where !names.insert(spec.name).inserted {
            issues.append(.init(.metric(spec.name), "", "defined twice"))
        }
        let inputs = Dictionary(compiled.map { ($0.name, $0.expression.inputs) }, uniquingKeysWith: { a, _ in a })
        for metric in compiled {
            var stack = metric.expression.inputs, visited = Set<String>()
            while let next = stack.popLast() {
                if next == metric.name {
                    issues.append(.init(.metric(metric.name), "",
                                        "is computed from itself (a cycle through the metrics)"))
                    break
                }
                if visited.insert(next).inserted { stack += inputs[next] ?? [] }
            }
        }
        return issues
    }
}
