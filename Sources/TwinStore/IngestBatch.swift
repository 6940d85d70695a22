import TwinCore

/// Everything that ``TwinStore/commit(_:)`` writes in one transaction.
public struct IngestBatch: Sendable {
    public var readings: [Reading]
    public var properties: [PropertyUpdate]
    public var quarantine: [QuarantineEntry]
    public var snapshots: [TwinSnapshot]
    /// Alert transitions, applied in order after the readings.
    public var alerts: [AlertTransition]
    /// Maintenance events (received over MQTT), committed with the messages that carried them.
    public var maintenance: [MaintenanceEvent] = []
    /// Alert acknowledgements (received over MQTT) as (alert id, time), committed with the messages that carried
    /// them; an unknown or cleared alert is left alone.
    public var acknowledgements: [(id: Int64, at: Int64)] = []

    public init(
        readings: [Reading] = [],
        properties: [PropertyUpdate] = [],
        quarantine: [QuarantineEntry] = [],
        snapshots: [TwinSnapshot] = [],
        alerts: [AlertTransition] = []
    ) {
        self.readings = readings
        self.properties = properties
        self.quarantine = quarantine
        self.snapshots = snapshots
        self.alerts = alerts
    }

    public var isEmpty: Bool {
        readings.isEmpty && properties.isEmpty && quarantine.isEmpty && snapshots.isEmpty && alerts.isEmpty
            && maintenance.isEmpty && acknowledgements.isEmpty
    }
}
