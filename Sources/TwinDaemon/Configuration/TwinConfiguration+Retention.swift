import TwinCore
import TwinStore
import Yams

/// `retention:` in the config: how long raw readings and rollups are kept, and how the pruning is paced.
public struct RetentionSettings: Sendable {
    public var policy = RetentionPolicy()
    /// Time between two retention passes (the first runs a minute after start).
    public var intervalMillis: Int64 = 3_600_000
    /// Rows deleted per transaction: the longest a commit waits for the pruning is one such transaction.
    public var maxRowsPerTransaction = 5_000
    /// Pause between two pruning transactions.
    public var pauseMillis: Int64 = 20

    public init() {}
}

extension TwinConfiguration {
    /// `retention: { raw: 30d, rollup_1m: 365d, rollup_1h: forever, interval: 1h, batch_rows: 5000,
    /// pause: 20ms, assets: [{ match: "test-*", raw: 1d }] }`
    mutating func readRetention(_ node: Node?, _ r: inout ConfigReader) {
        guard let m = r.mapping(node, "retention", allowed: [
            "raw", "rollup_1m", "rollup_1h", "assets", "interval", "batch_rows", "pause",
        ]) else { return }
        var policy = RetentionPolicy()
        policy.raw = Self.age(m["raw"], "retention.raw", &r) ?? policy.raw
        policy.rollup1m = Self.age(m["rollup_1m"], "retention.rollup_1m", &r) ?? policy.rollup1m
        policy.rollup1h = Self.age(m["rollup_1h"], "retention.rollup_1h", &r) ?? policy.rollup1h
        Self.checkOrder(policy.raw, policy.rollup1m, policy.rollup1h, "retention", node, &r)
        if let assets = m["assets"] {
            if case .sequence(let items) = assets {
                for (index, item) in items.enumerated() {
                    let path = "retention.assets[\(index)]"
                    guard let o = r.mapping(item, path, allowed: ["match", "raw", "rollup_1m", "rollup_1h"]) else {
                        continue
                    }
                    guard let glob = r.string(o["match"], "\(path).match"), !glob.isEmpty else {
                        if o["match"] == nil { r.fail("\(path).match", "missing; e.g. match: \"test-*\"", item) }
                        continue
                    }
                    let override = RetentionPolicy.AssetOverride(
                        assetGlob: glob, raw: Self.age(o["raw"], "\(path).raw", &r),
                        rollup1m: Self.age(o["rollup_1m"], "\(path).rollup_1m", &r),
                        rollup1h: Self.age(o["rollup_1h"], "\(path).rollup_1h", &r))
                    Self.checkOrder(override.raw ?? policy.raw, override.rollup1m ?? policy.rollup1m,
                                    override.rollup1h ?? policy.rollup1h, path, item, &r)
                    policy.overrides.append(override)
                }
            } else {
                r.fail("retention.assets", "expected a list of { match: GLOB, raw: AGE } entries, got "
                       + r.describe(assets), assets)
            }
        }
        retention.policy = policy
        retention.intervalMillis = r.duration(m["interval"], "retention.interval", default: retention.intervalMillis,
                                              minimum: 1_000)
        retention.maxRowsPerTransaction = r.int(m["batch_rows"], "retention.batch_rows",
                                                default: retention.maxRowsPerTransaction, range: 100...1_000_000)
        retention.pauseMillis = r.duration(m["pause"], "retention.pause", default: retention.pauseMillis)
    }

    /// `forever`, or a duration of at least a minute; nil when absent or wrong (the problem is recorded).
    private static func age(_ node: Node?, _ path: String, _ r: inout ConfigReader) -> RetentionPolicy.Age? {
        guard let node else { return nil }
        if node.scalar?.string == "forever" { return .forever }
        guard let text = node.scalar?.string, let millis = DurationText.milliseconds(text), millis >= 60_000 else {
            r.fail(path, "expected an age like 1d, 30d, 365d (at least 1m) or forever, got \(r.describe(node))", node)
            return nil
        }
        return .millis(millis)
    }

    /// Rollups must outlive the raw readings they summarize, and hours the minutes: a late reading must never
    /// recreate half a rollup bucket that was already deleted.
    private static func checkOrder(_ raw: RetentionPolicy.Age, _ minute: RetentionPolicy.Age,
                                   _ hour: RetentionPolicy.Age, _ path: String, _ node: Node?,
                                   _ r: inout ConfigReader) {
        func millis(_ age: RetentionPolicy.Age) -> Int64 {
            if case .millis(let value) = age { return value }
            return .max
        }
        if millis(raw) > millis(minute) || millis(minute) > millis(hour) {
            r.fail(path, "expected raw <= rollup_1m <= rollup_1h (got raw \(describe(raw)), rollup_1m "
                   + "\(describe(minute)), rollup_1h \(describe(hour)))", node)
        }
    }

    private static func describe(_ age: RetentionPolicy.Age) -> String {
        switch age {
        case .forever: "forever"
        case .millis(let value): DurationText.format(value)
        }
    }
}
