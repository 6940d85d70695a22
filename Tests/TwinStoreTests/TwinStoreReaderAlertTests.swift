import Foundation
import Testing
import TwinCore

@testable import TwinStore

struct TwinStoreReaderAlertTests {
    @Test func alertsFilterByStateAndAssetGlobNewestFirst() throws {
        try withStore { store, directory in
            let names = ["pump-1", "pump-12", "Pump-3", "fan-1", "pump-2", "pump-[1]"]
            try store.commit(IngestBatch(alerts: names.enumerated().map { raised($1, "r", at: Int64($0)) }))
            try store.commit(IngestBatch(alerts: [cleared("pump-2", "r", at: 10), raised("pump-2", "r2", at: 11)]))
            let reader = try TwinStoreReader(path: directory.databasePath)

            func assets(_ glob: String?, activeOnly: Bool = false, limit: Int? = nil) throws -> [String] {
                try reader.alerts(activeOnly: activeOnly, assetGlob: glob, limit: limit).map(\.asset)
            }
            #expect(try assets(nil) == ["pump-2", "pump-[1]", "pump-2", "fan-1", "Pump-3", "pump-12", "pump-1"])
            #expect(try assets("pump-*") == ["pump-2", "pump-[1]", "pump-2", "pump-12", "pump-1"])
            #expect(try assets("pump-?") == ["pump-2", "pump-2", "pump-1"])
            #expect(try assets("*-1") == ["fan-1", "pump-1"])
            #expect(try assets("[Pp]ump-[13]") == ["Pump-3", "pump-1"])
            #expect(try assets("pump-1") == ["pump-1"])
            #expect(try assets("nothing*") == [])
            #expect(try assets("pump-?", activeOnly: true) == ["pump-2", "pump-1"])
            #expect(try assets("pump-*", limit: 2) == ["pump-2", "pump-[1]"])
            #expect(try assets(nil, activeOnly: true, limit: 1) == ["pump-2"])

            let active = try reader.alerts(activeOnly: true, assetGlob: nil, limit: nil)
            #expect(active.count == 6)
            #expect(active.allSatisfy { $0.state == .raised && $0.clearedAt == nil })
            #expect(Set(active) == Set(try store.activeAlerts()))
            let history = try reader.alerts(activeOnly: false, assetGlob: "pump-2", limit: nil)
            #expect(history.map(\.rule) == ["r2", "r"])
            #expect(history.map(\.state) == [.raised, .cleared])
        }
    }

    @Test func alertEventsOfOneAlert() throws {
        try withStore { store, directory in
            let result = try store.commit(
                IngestBatch(alerts: [raised("a", "r", at: 1, value: 5), raised("b", "r", at: 1)])
            )
            let id = try #require(result.alerts.first).id
            _ = try store.acknowledgeAlert(id: id, at: 2)
            try store.commit(IngestBatch(alerts: [cleared("a", "r", at: 3, value: 1), cleared("b", "r", at: 3)]))
            let reader = try TwinStoreReader(path: directory.databasePath)
            let events = try reader.alertEvents(alertID: id)
            #expect(
                events.map { "\($0.kind.rawValue)@\($0.timestamp)=\($0.value.map { "\($0)" } ?? "nil")" }
                    == ["raised@1=5.0", "acknowledged@2=nil", "cleared@3=1.0"]
            )
            #expect(events.allSatisfy { $0.alertID == id })
            #expect(events.first == result.alertEvents.first)
            #expect(try reader.alertEvents(alertID: 12_345) == [])
        }
    }

    @Test func maintenanceRoundTrip() throws {
        try withStore { store, directory in
            let events = [
                MaintenanceEvent(asset: "pump-1", kind: .failure, timestamp: 1_000, note: "bearing noise"),
                MaintenanceEvent(asset: "pump-1", kind: .repair, timestamp: 2_000, note: "Lager getauscht – ok ✓"),
                MaintenanceEvent(asset: "pump-1", kind: .reset, counter: "run_hours", timestamp: 2_000),
                MaintenanceEvent(asset: "pump-2", kind: .service, timestamp: 1_500),
                // Recorded late: ordered by when it happened, not when it was recorded.
                MaintenanceEvent(asset: "pump-1", kind: .service, counter: "cycles", timestamp: 500, note: ""),
            ]
            var stored: [MaintenanceEvent] = []
            for event in events {
                var copy = event
                copy.id = try store.recordMaintenance(event)
                stored.append(copy)
            }
            #expect(Set(stored.compactMap(\.id)).count == events.count)

            let reader = try TwinStoreReader(path: directory.databasePath)
            let newestFirst = [stored[2], stored[1], stored[3], stored[0], stored[4]]
            #expect(try reader.maintenance(asset: nil, limit: nil) == newestFirst)
            #expect(
                try reader.maintenance(asset: "pump-1", limit: nil) == [stored[2], stored[1], stored[0], stored[4]]
            )
            #expect(try reader.maintenance(asset: "pump-1", limit: 2) == [stored[2], stored[1]])
            #expect(try reader.maintenance(asset: "pump-2", limit: 10) == [stored[3]])
            #expect(try reader.maintenance(asset: "pump-9", limit: nil) == [])
            let row = try store.rows("SELECT kind, counter, at, note FROM maintenance WHERE id = ?", [stored[2].id])
            #expect(
                row.first.map { [$0[0], $0[1], "\($0[2] as Int64)"] as [String?] } == ["reset", "run_hours", "2000"]
            )
            #expect(row.first?[3] as String? == nil)
        }
    }

    /// Each batch raises one alert and clears the previous one: a reader must never see zero or two active.
    @Test func readerSeesWholeBatchesWhileTheWriterWrites() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try TwinStore(path: directory.databasePath)
        defer { try? store.close() }
        try store.commit(IngestBatch(readings: [reading("a0", "m", 0, 0)], alerts: [raised("a0", "r", at: 0)]))
        let reader = try TwinStoreReader(path: directory.databasePath)
        let batches = 150

        let writer = Task.detached {
            for index in 1...batches {
                let time = Int64(index)
                try store.commit(
                    IngestBatch(
                        readings: [reading("a\(index)", "m", time, Double(index))],
                        alerts: [cleared("a\(index - 1)", "r", at: time), raised("a\(index)", "r", at: time)]
                    )
                )
            }
        }
        var reads = 0
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let active = try reader.alerts(activeOnly: true, assetGlob: nil, limit: nil)
            #expect(active.count == 1, "\(active)")
            reads += 1
            if active.first?.asset == "a\(batches)" { break }
            await Task.yield()
        }
        try await writer.value
        #expect(reads > 1)
        #expect(try reader.alerts(activeOnly: true, assetGlob: nil, limit: nil).map(\.asset) == ["a\(batches)"])
        #expect(try reader.alerts(activeOnly: false, assetGlob: nil, limit: nil).count == batches + 1)
        #expect(try reader.counts().readings == batches + 1)
    }
}
