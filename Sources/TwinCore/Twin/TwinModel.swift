/// The whole of twind's live state: the twins and what their rules remember, changed only by what happened
/// (readings, properties, maintenance, the passing of time, rule swaps). A value type with no I/O, so the same
/// history always gives the same model: the daemon, `twind replay`, the profiler, model explanation and the tests
/// all drive one, the same way.
///
/// Changes can be undone per asset (`Checkpoint`): the daemon remembers every asset a batch touches before
/// changing it and puts them back if the batch's commit fails, so a redelivered batch finds the model as if it had
/// never arrived.
public struct TwinModel: Sendable {
    public private(set) var twins: TwinEngine
    public private(set) var rules: RuleEngine

    public init(rules: RuleEngine, twins: TwinEngine = TwinEngine()) {
        self.rules = rules
        self.twins = twins
    }

    public subscript(asset: String) -> Twin? { twins[asset] }

    /// Applies a reading and runs the rules on it and on the derived readings it leads to: `transitions` receives
    /// the alerts raised or cleared, `derived` the derived readings (store them like measured ones).
    @discardableResult
    @inline(__always)
    public mutating func apply(_ reading: Reading, transitions: inout [AlertTransition],
                               derived: inout [Reading]) -> TwinEngine.Outcome {
        rules.process(reading, twins: &twins, transitions: &transitions, derived: &derived)
    }

    /// Sets a string property; false when it already had that value.
    @discardableResult
    public mutating func apply(_ property: PropertyUpdate) -> Bool {
        twins.apply(property)
    }

    /// Records maintenance: a `service`, `repair` or `reset` with a counter restarts the usage rules counting it; a
    /// `failure` or `repair` starts a new life (rul rules) and a new baseline (drift rules). Returns the alerts it
    /// cleared.
    public mutating func apply(_ event: MaintenanceEvent) -> [AlertTransition] {
        var transitions: [AlertTransition] = []
        if event.kind == .reset || event.kind == .service || event.kind == .repair, let counter = event.counter {
            transitions += rules.resetUsage(asset: event.asset, counter: counter, at: event.timestamp)
        }
        if event.kind == .failure || event.kind == .repair {
            transitions += rules.startNewLife(asset: event.asset, at: event.timestamp)
        }
        return transitions
    }

    /// Runs the time-driven rules at `now` (Unix ms) and puts the twins' new statuses in place. Returns what to undo
    /// should the alerts it appended to `transitions` fail to commit.
    /// `only`: tick that asset's twin alone (a replay, which goes asset by asset).
    @discardableResult
    public mutating func tick(now: Int64, transitions: inout [AlertTransition], only asset: String? = nil) -> TickUndo {
        var statuses: [RuleEngine.StatusChange] = []
        let first = transitions.count
        if let asset {
            guard let twin = twins[asset] else { return TickUndo(transitions: []) }
            rules.tick(now: now, twins: [asset: twin], transitions: &transitions, statuses: &statuses)
        } else {
            rules.tick(now: now, twins: twins.twins, transitions: &transitions, statuses: &statuses)
        }
        var undo = TickUndo(transitions: Array(transitions[first...]))
        for change in statuses {
            if let old = twins[change.asset]?.status { undo.statuses.append((change.asset, old)) }
            twins.setStatus(change.status, of: change.asset)
        }
        return undo
    }

    /// What one tick changed that a failed commit must take back: its alert transitions and status changes.
    public struct TickUndo: Sendable {
        var transitions: [AlertTransition]
        var statuses: [(asset: String, status: Twin.Status)] = []

        /// The assets whose status the tick changed.
        public var changedAssets: [String] { statuses.map(\.asset) }
    }

    public mutating func undo(_ tick: TickUndo) {
        rules.undoTick(tick.transitions)
        for (asset, status) in tick.statuses.reversed() { twins.setStatus(status, of: asset) }
    }

    /// Swaps in new rules (a reload); see `RuleEngine.replaceRules`.
    public mutating func replaceRules(with new: RuleEngine, at now: Int64) -> [AlertTransition] {
        rules.replaceRules(with: new, at: now)
    }

    /// What to snapshot of `asset`: its twin and its rules' state.
    public func snapshot(of asset: String) -> (twin: Twin, rules: RuleState?)? {
        guard let twin = twins[asset] else { return nil }
        return (twin, rules.state(of: asset))
    }

    /// Puts back a snapshotted twin and its rules' state, replacing what the model had for it.
    public mutating func restore(_ twin: Twin, rules ruleState: RuleState?) {
        twins.restore(twin)
        if let ruleState { rules.restore(ruleState, for: twin.asset) }
    }

    // MARK: Undo

    /// The state of the assets a batch touched, as it was before the batch: `rollback` puts it back.
    public struct Checkpoint: Sendable {
        fileprivate var twins: [String: Twin?] = [:]
        fileprivate var rules: [String: RuleEngine.AssetRules?] = [:]
        /// The asset remembered last: consecutive readings mostly share one, and a comparison is cheaper than a hash.
        fileprivate var last: String?

        public init() {}

        /// Assets remembered so far.
        public var count: Int { twins.count }

        /// The assets remembered: those the batch touched.
        public var assets: Dictionary<String, Twin?>.Keys { twins.keys }
    }

    /// Saves `asset` as it is now into `checkpoint`, unless it is saved there already. Call it before changing the
    /// asset (a reading, property or maintenance event of it).
    @inline(__always)
    public func remember(_ asset: String, in checkpoint: inout Checkpoint) {
        if checkpoint.last == asset { return }
        checkpoint.last = asset
        guard checkpoint.twins[asset] == nil else { return }
        checkpoint.twins[asset] = .some(twins[asset])
        checkpoint.rules[asset] = .some(rules.assets[asset])
    }

    /// Puts every asset of `checkpoint` back as it was when it was remembered (an asset that did not exist then is
    /// removed).
    public mutating func rollback(to checkpoint: Checkpoint) {
        for (asset, twin) in checkpoint.twins { twins.putBack(twin, for: asset) }
        for (asset, slots) in checkpoint.rules { rules.putBack(slots, for: asset) }
    }
}

extension TwinEngine {
    /// Puts `twin` back for `asset`, or removes the asset when nil.
    mutating func putBack(_ twin: Twin?, for asset: String) {
        lastTwinReset()
        if let twin { restore(twin) } else { removeTwin(asset) }
    }
}

extension RuleEngine {
    mutating func putBack(_ state: AssetRules?, for asset: String) {
        lastAsset = nil
        assets[asset] = state
    }

    /// Takes back what a tick's transitions did to the rules' episodes.
    mutating func undoTick(_ transitions: [AlertTransition]) {
        guard !transitions.isEmpty else { return }
        var index: [String: Int] = [:]
        for (i, rule) in rules.enumerated() { index[rule.spec.name] = i }
        for t in transitions.reversed() {
            guard let i = index[t.rule], assets[t.asset] != nil else { continue }
            assets[t.asset]!.slots[i].active = t.kind == .cleared
        }
        lastAsset = nil
    }
}
