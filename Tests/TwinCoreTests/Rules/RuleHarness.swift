import Foundation
@testable import TwinCore

/// A twin engine and a rule engine fed together, the way the daemon does it, collecting what comes out.
struct RuleHarness {
    var twins = TwinEngine()
    var rules: RuleEngine
    var transitions: [AlertTransition] = []
    var derived: [Reading] = []
    var statuses: [RuleEngine.StatusChange] = []

    init(_ specs: [RuleSpec], metrics: [DerivedMetricSpec] = []) throws {
        rules = try RuleEngine(rules: specs, metrics: metrics)
    }

    /// Feeds one reading; returns the transitions it caused.
    @discardableResult
    mutating func feed(_ metric: String, _ time: Int64, _ value: Double,
                       asset: String = "pump-1") -> [AlertTransition] {
        let before = transitions.count
        rules.process(Reading(asset: asset, metric: metric, timestamp: time, value: value), twins: &twins,
                      transitions: &transitions, derived: &derived)
        return Array(transitions[before...])
    }

    /// Feeds `values` one per `step` ms from `start`.
    mutating func series(_ metric: String, from start: Int64 = 0, every step: Int64, _ values: [Double],
                         asset: String = "pump-1") {
        for (i, value) in values.enumerated() { feed(metric, start + Int64(i) * step, value, asset: asset) }
    }

    /// Runs the stale rules at `now`, applies the status changes to the twins, returns the transitions.
    @discardableResult
    mutating func tick(_ now: Int64) -> [AlertTransition] {
        let before = transitions.count
        var changes: [RuleEngine.StatusChange] = []
        rules.tick(now: now, twins: twins.twins, transitions: &transitions, statuses: &changes)
        for change in changes { twins.setStatus(change.status, of: change.asset) }
        statuses += changes
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
