import Foundation
import GRDB
import Testing
import TwinCore

@testable import TwinStore

struct TwinStoreCommitTests {
    @Test func commitIsReadBackThroughTheViews() throws {
        try withStore { store, _ in
            // More than one multi-row group plus leftovers, over several series.
            let readings = (0..<300).map { reading("asset-\($0 % 7)", "m\($0 % 3)", Int64($0), Double($0) / 2) }
            try store.commit(IngestBatch(readings: readings))
            #expect(
                try store.allReadings()
                    == readings.sorted { ($0.asset, $0.metric, $0.timestamp) < ($1.asset, $1.metric, $1.timestamp) }
            )
            #expect(try store.count("series") == 21)
            let latest = try store.latestValues()
            #expect(latest.count == 21)
            #expect(latest.first == reading("asset-0", "m0", 294, 147))
            #expect(latest == latest.sorted { ($0.asset, $0.metric) < ($1.asset, $1.metric) })
        }
    }

    @Test func redeliveriesNeverDuplicateBeforeOrAfterMerge() throws {
        try withStore { store, _ in
            let first = [reading("a", "m", 1, 1), reading("a", "m", 2, 2), reading("b", "m", 1, 3)]
            try store.commit(IngestBatch(readings: first))
            // Redelivered while still in readings_recent; the first value wins.
            try store.commit(IngestBatch(readings: [reading("a", "m", 1, 99)]))
            #expect(try store.allReadings() == [first[0], first[1], first[2]])

            let report = try store.mergeRecent()
            #expect(report.rowsMoved == 3)
            #expect(report.duplicatesIgnored == 0)
            #expect(try store.count("readings_recent") == 0)

            // Redelivered after its first copy moved to readings_main.
            try store.commit(IngestBatch(readings: [reading("a", "m", 2, 99), reading("a", "m", 3, 3)]))
            #expect(try store.allReadings() == [first[0], first[1], reading("a", "m", 3, 3), first[2]])
            let second = try store.mergeRecent()
            #expect(second.rowsMoved == 2)
            #expect(second.duplicatesIgnored == 1)
            #expect(try store.allReadings() == [first[0], first[1], reading("a", "m", 3, 3), first[2]])
        }
    }

    @Test func mergeRunsOnlyAboveTheThreshold() throws {
        try withStore(StoreConfiguration(mergeThreshold: 10)) { store, _ in
            try store.commit(IngestBatch(readings: (0..<9).map { reading("a", "m", Int64($0), 0) }))
            #expect(try store.mergeRecentIfNeeded() == nil)
            // Ignored redeliveries do not count towards the threshold.
            try store.commit(IngestBatch(readings: (0..<9).map { reading("a", "m", Int64($0), 0) }))
            #expect(try store.mergeRecentIfNeeded() == nil)
            try store.commit(IngestBatch(readings: [reading("a", "m", 9, 0)]))
            let report = try #require(try store.mergeRecentIfNeeded())
            #expect(report.rowsMoved == 10)
            #expect(try store.count("readings_main") == 10)
            #expect(try store.mergeRecentIfNeeded() == nil)
        }
    }

    @Test func lateReadingsGoToHistoryButNeverMoveLatestBack() throws {
        try withStore { store, _ in
            try store.commit(IngestBatch(readings: [reading("a", "m", 100, 1), reading("a", "m", 50, 2)]))
            #expect(try store.latestValues() == [reading("a", "m", 100, 1)])
            try store.commit(IngestBatch(readings: [reading("a", "m", 70, 3)]))
            #expect(try store.latestValues() == [reading("a", "m", 100, 1)])
            // Same timestamp, other value: the first one stays, as in `readings`.
            try store.commit(IngestBatch(readings: [reading("a", "m", 100, 4)]))
            #expect(try store.latestValues() == [reading("a", "m", 100, 1)])
            try store.commit(IngestBatch(readings: [reading("a", "m", 101, 5), reading("a", "m", 101, 6)]))
            #expect(try store.latestValues() == [reading("a", "m", 101, 5)])
            #expect(try store.allReadings().map(\.timestamp) == [50, 70, 100, 101])
        }
    }

    @Test func propertiesKeepTheNewestValue() throws {
        try withStore { store, directory in
            try store.commit(
                IngestBatch(properties: [
                    PropertyUpdate(asset: "a", key: "mode", value: "auto", timestamp: 10),
                    PropertyUpdate(asset: "a", key: "mode", value: "manual", timestamp: 5),
                    PropertyUpdate(asset: "b", key: "fw", value: "1.2", timestamp: 1),
                ])
            )
            try store.commit(
                IngestBatch(properties: [PropertyUpdate(asset: "a", key: "mode", value: "old", timestamp: 9)])
            )
            let reader = try TwinStoreReader(path: directory.databasePath)
            #expect(
                try reader.properties(asset: nil) == [
                    PropertyUpdate(asset: "a", key: "mode", value: "auto", timestamp: 10),
                    PropertyUpdate(asset: "b", key: "fw", value: "1.2", timestamp: 1),
                ]
            )
            try store.commit(
                IngestBatch(properties: [PropertyUpdate(asset: "a", key: "mode", value: "off", timestamp: 11)])
            )
            #expect(
                try reader.properties(asset: "a") == [
                    PropertyUpdate(asset: "a", key: "mode", value: "off", timestamp: 11)
                ]
            )
        }
    }

    @Test func quarantineKeepsPayloadBytesAndIsBounded() throws {
        try withStore(StoreConfiguration(quarantineMaxRows: 5)) { store, directory in
            let binary: [UInt8] = [0, 0xFF, 0xFE, 10, 13, 0x80, 0]
            try store.commit(
                IngestBatch(quarantine: [
                    QuarantineEntry(
                        receivedAt: 1,
                        topic: "t/1",
                        reason: QuarantineReason.invalidUTF8.rawValue,
                        payload: binary
                    )
                ])
            )
            let stored = try store.rows("SELECT payload FROM quarantine").map { $0[0] as Data }
            #expect(stored == [Data(binary)])
            for batch in 0..<4 {
                try store.commit(
                    IngestBatch(
                        quarantine: (0..<3).map {
                            QuarantineEntry(
                                receivedAt: Int64(10 * batch + $0 + 2),
                                topic: "t",
                                reason: "oversize",
                                payload: [UInt8($0)]
                            )
                        }
                    )
                )
            }
            let reader = try TwinStoreReader(path: directory.databasePath)
            let newest = try reader.quarantine(limit: 100)
            #expect(newest.map(\.receivedAt) == [34, 33, 32, 24, 23])
            #expect(try reader.quarantine(limit: 2).map(\.receivedAt) == [34, 33])
            #expect(try reader.counts().quarantined == 5)
        }
    }

    @Test func snapshotsAreUpsertedAndLoaded() throws {
        try withStore { store, _ in
            let state: [UInt8] = [0x54, 0x57, 0x42, 1, 0x00, 0xFF, 0x7B]  // bytes, not text: stored as they are
            try store.commit(
                IngestBatch(snapshots: [
                    TwinSnapshot(asset: "b", timestamp: 1, version: 1, state: Array("{}".utf8)),
                    TwinSnapshot(asset: "a", timestamp: 1, version: 1, state: state, status: "stale"),
                ])
            )
            try store.commit(IngestBatch(snapshots: [TwinSnapshot(asset: "b", timestamp: 2, version: 7, state: state)]))
            #expect(
                try store.loadSnapshots() == [
                    TwinSnapshot(asset: "a", timestamp: 1, version: 1, state: state, status: "stale"),
                    TwinSnapshot(asset: "b", timestamp: 2, version: 7, state: state),
                ]
            )
            // A BLOB, with the status beside it for SQL.
            let rows = try store.rows("SELECT typeof(state), status FROM twin_snapshots WHERE asset = 'a'")
            #expect(rows.first?[0] as String? == "blob")
            #expect(rows.first?[1] as String? == "stale")
        }
    }

    @Test func failedBatchLeavesNothingAndKeepsTheSeriesCacheConsistent() throws {
        try withStore { store, _ in
            try store.commit(IngestBatch(readings: [reading("a", "m", 1, 1)]))
            // NaN is bound as NULL and violates NOT NULL halfway through the batch.
            let bad = IngestBatch(
                readings: [reading("new", "x", 5, 1), reading("a", "m", 2, 2), reading("new", "y", 5, .nan)],
                properties: [PropertyUpdate(asset: "a", key: "k", value: "v", timestamp: 1)]
            )
            let error = #expect(throws: StoreError.self) { try store.commit(bad) }
            #expect(error?.sqliteCode == 19)
            #expect(error?.description.contains("commit a batch") == true)
            #expect(error?.description.contains("readings_recent") == true, "\(String(describing: error))")
            #expect(try store.allReadings() == [reading("a", "m", 1, 1)])
            #expect(try store.count("series") == 1)
            #expect(try store.count("properties") == 0)

            // A series created by the failed batch must not linger in the cache with a stale id.
            try store.commit(IngestBatch(readings: [reading("other", "z", 7, 7), reading("new", "x", 8, 8)]))
            #expect(
                try store.allReadings() == [
                    reading("a", "m", 1, 1), reading("new", "x", 8, 8), reading("other", "z", 7, 7),
                ]
            )
            #expect(try store.latestValues().count == 3)
        }
    }

    @Test func closedStoreThrows() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try TwinStore(path: directory.databasePath)
        try store.checkpoint()
        try store.close()
        let error = #expect(throws: StoreError.self) {
            try store.commit(IngestBatch(readings: [reading("a", "m", 1, 1)]))
        }
        #expect(error?.description.contains("closed") == true)
    }
}
