import TwinCore
import TwinStore

/// Runs stored history through a private twin and rule engine: nothing is written, the live state is untouched.
public enum Replay {
    public struct Result: Sendable {
        public var transitions: [AlertTransition]
        public var readings: Int
        public var assets: Int
        /// The oldest and newest reading replayed; nil when there were none.
        public var span: ClosedRange<Int64>?
    }

    /// One rule's alert volume: raises recorded in the database against raises in the replay, over the same range.
    public struct Volume: Sendable, Equatable {
        public var rule: String
        public var before: Int
        public var after: Int
        /// Raises per asset per day (assets replayed; days of the range, at least one hour's worth).
        public var beforePerAssetDay: Double
        public var afterPerAssetDay: Double
    }

    /// Assets are replayed one after another (rules keep state per asset), each in time order, exactly as live
    /// ingest runs them: through a `TwinModel`, with the maintenance recorded for the asset applied at its time, and
    /// the stale rules ticked across gaps (the daemon ticks once a second) and at the end of the range (`to`, or now).
    public static func run(reader: TwinStoreReader, rules: RuleEngine, assetGlob: String, from: Int64?,
                           to: Int64?) throws -> Result {
        var model = TwinModel(rules: rules)
        var transitions: [AlertTransition] = []
        var derived: [Reading] = []
        var count = 0
        var assets = 0
        var oldest = Int64.max, newest = Int64.min
        // Ticks at the end of the range use one instant for every asset, so a replay does not depend on how long
        // it ran.
        let end = to ?? unixMillis()
        let maintenance = Dictionary(grouping: try reader.maintenance(asset: nil, limit: nil), by: \.asset)
            .mapValues { $0.sorted { $0.timestamp < $1.timestamp } }
        try reader.replayHistory(assetGlob: assetGlob, from: from, to: to) { readings in
            guard let asset = readings.first?.asset else { return }
            assets += 1
            var events = (maintenance[asset] ?? []).filter { $0.timestamp >= (from ?? .min) && $0.timestamp <= end }[...]
            func tick(_ now: Int64) {
                model.tick(now: now, transitions: &transitions, only: asset)
            }
            var previous: Int64?
            for reading in readings {
                count += 1
                oldest = min(oldest, reading.timestamp)
                newest = max(newest, reading.timestamp)
                while let event = events.first, event.timestamp <= reading.timestamp {
                    transitions += model.apply(event)
                    events = events.dropFirst()
                }
                if let previous, reading.timestamp - previous > 1_000 { tick(reading.timestamp - 1) }
                previous = reading.timestamp
                derived.removeAll(keepingCapacity: true)
                model.apply(reading, transitions: &transitions, derived: &derived)
            }
            for event in events { transitions += model.apply(event) }
            tick(end)
        }
        return Result(transitions: transitions, readings: count, assets: assets,
                      span: count > 0 ? oldest...newest : nil)
    }

    /// Alert volume per rule, before (recorded) and after (replayed): what a rule change would do to the noise.
    public static func volume(_ result: Result, recorded reader: TwinStoreReader, assetGlob: String, from: Int64?,
                              to: Int64?) throws -> [Volume] {
        let low = from ?? result.span?.lowerBound ?? 0, high = to ?? result.span?.upperBound ?? low
        let recorded = try reader.alerts(activeOnly: false, assetGlob: assetGlob, limit: nil).filter {
            $0.raisedAt >= low && $0.raisedAt <= high
        }
        var before: [String: Int] = [:], after: [String: Int] = [:]
        for alert in recorded { before[alert.rule, default: 0] += 1 }
        for t in result.transitions where t.kind == .raised { after[t.rule, default: 0] += 1 }
        let days = max(Double(high - low), 3_600_000) / 86_400_000
        let assets = Double(max(result.assets, 1))
        return Set(before.keys).union(after.keys).sorted().map { rule in
            let (b, a) = (before[rule] ?? 0, after[rule] ?? 0)
            return Volume(rule: rule, before: b, after: a, beforePerAssetDay: Double(b) / assets / days,
                          afterPerAssetDay: Double(a) / assets / days)
        }
    }

    /// What the replay would change against the recorded alerts: raises only one side has ("new" / "gone").
    public static func diff(_ transitions: [AlertTransition], recorded reader: TwinStoreReader, assetGlob: String,
                            from: Int64?, to: Int64?) throws -> [(String, AlertTransition)] {
        let recorded = try reader.alerts(activeOnly: false, assetGlob: assetGlob, limit: nil).filter {
            $0.raisedAt >= (from ?? .min) && $0.raisedAt <= (to ?? .max)
        }
        struct Key: Hashable { let asset: String, rule: String, time: Int64 }
        let replayed = transitions.filter { $0.kind == .raised }
        let replayedKeys = Set(replayed.map { Key(asset: $0.asset, rule: $0.rule, time: $0.timestamp) })
        let recordedKeys = Set(recorded.map { Key(asset: $0.asset, rule: $0.rule, time: $0.raisedAt) })
        var rows: [(String, AlertTransition)] = replayed
            .filter { !recordedKeys.contains(Key(asset: $0.asset, rule: $0.rule, time: $0.timestamp)) }
            .map { ("new", $0) }
        rows += recorded.filter { !replayedKeys.contains(Key(asset: $0.asset, rule: $0.rule, time: $0.raisedAt)) }
            .map { ("gone", AlertTransition(asset: $0.asset, rule: $0.rule, kind: .raised, severity: $0.severity,
                                             timestamp: $0.raisedAt, value: $0.value, message: $0.message)) }
        return rows.sorted { $0.1.timestamp < $1.1.timestamp }
    }
}
