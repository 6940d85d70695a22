/// How urgent an alert is.
public enum Severity: String, Sendable, Hashable, Codable, CaseIterable {
    case info, warning, critical
}

/// A rule's condition started or stopped holding for an asset: what the rule engine emits and the store records.
///
/// The engine emits `raised` once per episode and `cleared` once when it ends, so there is at most one active
/// alert per (asset, rule).
public struct AlertTransition: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        case raised, cleared
    }

    public var asset: String
    public var rule: String
    public var kind: Kind
    public var severity: Severity
    /// Unix ms: the time of the reading (or the tick, for time-driven rules) that caused the transition.
    public var timestamp: Int64
    /// The value that raised or cleared it, when there is one (e.g. not for a stale asset).
    public var value: Double?
    /// The rule's message template, filled in.
    public var message: String

    public init(asset: String, rule: String, kind: Kind, severity: Severity, timestamp: Int64, value: Double?,
                message: String) {
        self.asset = asset
        self.rule = rule
        self.kind = kind
        self.severity = severity
        self.timestamp = timestamp
        self.value = value
        self.message = message
    }
}
