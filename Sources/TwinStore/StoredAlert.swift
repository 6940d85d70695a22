import TwinCore

/// One alert episode as stored: a row of the `alerts` view.
public struct StoredAlert: Sendable, Hashable, Codable {
    /// Where an alert is in its lifecycle: raised → (acknowledged) → cleared.
    public enum State: String, Sendable, Hashable, Codable, CaseIterable {
        case raised, acknowledged, cleared
    }

    public var id: Int64
    public var asset: String
    public var rule: String
    public var severity: Severity
    public var state: State
    /// Unix ms of the transition that raised it.
    public var raisedAt: Int64
    /// Unix ms of the transition that cleared it; nil while it is active.
    public var clearedAt: Int64?
    /// Unix ms of its acknowledgement, if any; kept once it is cleared.
    public var ackedAt: Int64?
    /// The value that raised it.
    public var value: Double?
    /// The message it was raised with.
    public var message: String

    public init(
        id: Int64,
        asset: String,
        rule: String,
        severity: Severity,
        state: State,
        raisedAt: Int64,
        clearedAt: Int64? = nil,
        ackedAt: Int64? = nil,
        value: Double?,
        message: String
    ) {
        self.id = id
        self.asset = asset
        self.rule = rule
        self.severity = severity
        self.state = state
        self.raisedAt = raisedAt
        self.clearedAt = clearedAt
        self.ackedAt = ackedAt
        self.value = value
        self.message = message
    }

    /// Not cleared yet (raised or acknowledged).
    public var isActive: Bool { state != .cleared }
}
