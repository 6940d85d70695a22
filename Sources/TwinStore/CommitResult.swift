/// What ``TwinStore/commit(_:)`` wrote, for the caller to publish once the transaction is durable.
public struct CommitResult: Sendable, Hashable {
    /// Readings actually inserted; redeliveries of stored readings are not counted.
    public var readingsInserted: Int
    /// The alerts raised or cleared by the batch, in the order of its transitions, each as it stood right after
    /// its transition (an alert raised and cleared in one batch appears twice).
    public var alerts: [StoredAlert]
    /// The event recorded for each element of ``alerts``, at the same index.
    public var alertEvents: [AlertEvent]
    /// Transitions that changed nothing: a `raised` while the (asset, rule) already had an active alert, or a
    /// `cleared` while it had none (redeliveries, restarts).
    public var alertTransitionsIgnored: Int
    /// The alerts the batch's acknowledgements changed (from raised to acknowledged), as they now stand.
    public var acknowledged: [StoredAlert] = []

    public init(
        readingsInserted: Int = 0,
        alerts: [StoredAlert] = [],
        alertEvents: [AlertEvent] = [],
        alertTransitionsIgnored: Int = 0
    ) {
        self.readingsInserted = readingsInserted
        self.alerts = alerts
        self.alertEvents = alertEvents
        self.alertTransitionsIgnored = alertTransitionsIgnored
    }
}
