import Foundation
import Testing
import TwinCore

@testable import TwinStore

struct AssetQueryTests {
    @Test func summariesAndTwinComeFromSnapshotsLatestAndAlerts() throws {
        try withStore { store, directory in
            let state: [UInt8] = [0x54, 0x57, 0x42, 1, 0]  // opaque to the store
            try store.commit(IngestBatch(
                readings: [reading("p1", "t", 1_000, 1.5), reading("p1", "rpm", 2_000, 1_480),
                           reading("p2", "t", 5_000, 0.1)],
                properties: [PropertyUpdate(asset: "p3", key: "fw", value: "1.2", timestamp: 1)],
                snapshots: [TwinSnapshot(asset: "p1", timestamp: 3_000, version: 7, state: state, status: "stale"),
                            TwinSnapshot(asset: "p2", timestamp: 3_000, version: 1, state: Array("not json".utf8))],
                alerts: [raised("p1", "hot", at: 1_500), raised("p1", "cold", at: 1_600), cleared("p1", "cold", at: 1_700)]
            ))
            let reader = try TwinStoreReader(path: directory.databasePath)
            #expect(try reader.assetSummaries() == [
                AssetSummary(asset: "p1", status: "stale", lastSeen: 2_000, metricCount: 2, activeAlerts: 1),
                AssetSummary(asset: "p2", status: nil, lastSeen: 5_000, metricCount: 1, activeAlerts: 0),
                AssetSummary(asset: "p3", status: nil, lastSeen: nil, metricCount: 0, activeAlerts: 0),
            ])
            let twin = try #require(try reader.twin(asset: "p1"))
            #expect(twin.status == "stale")
            #expect(twin.version == 7 && twin.snapshotTimestamp == 3_000)
            #expect(twin.state == state)
            #expect(twin.latest.map(\.metric) == ["rpm", "t"])
            #expect(twin.activeAlerts.map(\.rule) == ["hot"])
            #expect(try reader.twin(asset: "p3")?.properties.map(\.key) == ["fw"])
            #expect(try reader.twin(asset: "nobody") == nil)
            // Glob characters in an asset id match only themselves.
            #expect(TwinStoreReader.globEscaped("a*[b]?") == "a[*][[]b][?]")
        }
    }
}
