import TwinCore

/// Everything that ``TwinStore/commit(_:)`` writes in one transaction.
public struct IngestBatch: Sendable {
    public var readings: [Reading]
    public var properties: [PropertyUpdate]
    public var quarantine: [QuarantineEntry]
    public var snapshots: [TwinSnapshot]

    public init(
        readings: [Reading] = [],
        properties: [PropertyUpdate] = [],
        quarantine: [QuarantineEntry] = [],
        snapshots: [TwinSnapshot] = []
    ) {
        self.readings = readings
        self.properties = properties
        self.quarantine = quarantine
        self.snapshots = snapshots
    }

    public var isEmpty: Bool {
        readings.isEmpty && properties.isEmpty && quarantine.isEmpty && snapshots.isEmpty
    }
}
