import Foundation
@testable import TwinCore

/// A twin model fed the way the daemon feeds it, collecting what comes out.
struct RuleHarness {
    var model: TwinModel
    var transitions: [AlertTransition] = []
    var derived: [Reading] = []
    var statuses: [RuleEngine.StatusChange] = []

    init(_ specs: [RuleSpec], metrics: [DerivedMetricSpec] = []) throws {
        model = TwinModel(rules: try RuleEngine(rules: specs, metrics: metrics))
    }

    var twins: TwinEngine {
        get { model.twins }
        set { model = TwinModel(rules: model.rules, twins: newValue) }
    }
    var rules: RuleEngine {
        get { model.rules }
        set { model = TwinModel(rules: newValue, twins: model.twins) }
    }

    /// Feeds one reading; returns the transitions it caused.
    @discardableResult
    mutating func feed(_ metric: String, _ time: Int64, _ value: Double,
                       asset: String = "pump-1") -> [AlertTransition] {
        let before = transitions.count
        model.apply(Reading(asset: asset, metric: metric, timestamp: time, value: value), transitions: &transitions,
                    derived: &derived)
        return Array(transitions[before...])
    }

    /// Feeds `values` one per `step` ms from `start`.
    mutating func series(_ metric: String, from start: Int64 = 0, every step: Int64, _ values: [Double],
                         asset: String = "pump-1") {
        for (i, value) in values.enumerated() { feed(metric, start + Int64(i) * step, value, asset: asset) }
    }

    /// Runs the stale rules at `now` (the twins take their new statuses), returns the transitions.
    @discardableResult
    mutating func tick(_ now: Int64) -> [AlertTransition] {
        let before = transitions.count
        let previous = model.twins.twins.mapValues(\.status)
        model.tick(now: now, transitions: &transitions)
        for (asset, twin) in model.twins.twins.sorted(by: { $0.key < $1.key }) where previous[asset] != twin.status {
            statuses.append(RuleEngine.StatusChange(asset: asset, status: twin.status))
        }
        return Array(transitions[before...])
    }

    /// (kind, time) of every transition so far.
    var timeline: [String] {
        transitions.map { "\($0.kind.rawValue)@\($0.timestamp)" }
    }
}

extension RuleSpec {
    static func on(_ metric: String, _ kind: Kind, name: String = "r", asset: String? = nil) -> RuleSpec {
        RuleSpec(name: name, selector: .init(asset: asset), metric: metric, kind: kind)
    }
}

let minute: Int64 = 60_000

enum JSONRoundTrip {
    static func copy<T: Codable>(_ value: T) throws -> T {
        try JSONDecoder().decode(T.self, from: JSONEncoder().encode(value))
    }
}
