import Foundation
import GRDB
import Testing
import TwinCore

@testable import TwinStore

struct TwinStoreAlertTests {
    /// Acknowledgements that arrive over MQTT are committed in their batch's transaction, with its readings.
    @Test func acknowledgementsCommitWithTheirBatch() throws {
        try withStore { store, _ in
            let first = try store.commit(IngestBatch(alerts: [raised("pump-1", "hot", at: 1_000, value: 90,
                                                                     severity: .warning)]))
            let alert = try #require(first.alerts.first)
            var batch = IngestBatch(readings: [reading("pump-1", "temp", 2_000, 85)])
            batch.acknowledgements = [(alert.id, 1_500), (alert.id, 1_600), (9_999, 1_700)]
            let result = try store.commit(batch)
            #expect(result.readingsInserted == 1)
            // Once: the second acknowledgement finds it acknowledged already; an unknown id changes nothing.
            #expect(result.acknowledged.map(\.id) == [alert.id])
            #expect(result.acknowledged.first?.state == .acknowledged && result.acknowledged.first?.ackedAt == 1_500)
            #expect(try store.activeAlerts().map(\.state) == [.acknowledged])
        }
    }

    @Test func raiseAcknowledgeClearWithEvents() throws {
        try withStore { store, _ in
            let raise = raised("pump-1", "vibration-high", at: 1_000, value: 7.5, severity: .critical)
            let first = try store.commit(
                IngestBatch(readings: [reading("pump-1", "vibration", 1_000, 7.5)], alerts: [raise])
            )
            #expect(first.readingsInserted == 1)
            #expect(first.alertTransitionsIgnored == 0)
            let alert = try #require(first.alerts.first)
            #expect(first.alerts.count == 1)
            #expect(
                alert == StoredAlert(
                    id: alert.id, asset: "pump-1", rule: "vibration-high", severity: .critical, state: .raised,
                    raisedAt: 1_000, value: 7.5, message: "vibration-high on pump-1"
                )
            )
            #expect(try store.allAlerts() == [alert])
            #expect(try store.activeAlerts() == [alert])

            let acknowledged = try #require(try store.acknowledgeAlert(id: alert.id, at: 1_500))
            #expect(acknowledged.state == .acknowledged)
            #expect(acknowledged.ackedAt == 1_500)
            #expect(acknowledged.isActive)
            #expect(try store.activeAlerts() == [acknowledged])

            let last = try store.commit(IngestBatch(alerts: [cleared("pump-1", "vibration-high", at: 2_000, value: 3)]))
            var expected = acknowledged
            expected.state = .cleared
            expected.clearedAt = 2_000
            #expect(last.alerts == [expected])
            #expect(try store.allAlerts() == [expected])
            #expect(try store.activeAlerts() == [])
            // The raising value and message stay on the alert; the clearing ones are in its history.
            #expect(expected.value == 7.5 && expected.message == "vibration-high on pump-1")

            let events = try store.allAlertEvents()
            #expect(events.map(\.kind) == [.raised, .acknowledged, .cleared])
            #expect(events.map(\.alertID) == [alert.id, alert.id, alert.id])
            #expect(events.map(\.timestamp) == [1_000, 1_500, 2_000])
            #expect(events.map(\.value) == [7.5, nil, 3])
            #expect(events.map(\.message) == ["vibration-high on pump-1", nil, "vibration-high on pump-1 cleared"])
            #expect(first.alertEvents == [events[0]])
            #expect(last.alertEvents == [events[2]])
        }
    }

    @Test func duplicateRaiseWhileActiveIsIgnored() throws {
        try withStore { store, _ in
            let first = try store.commit(IngestBatch(alerts: [raised("a", "r", at: 1, value: 10)]))
            try #require(first.alerts.count == 1)
            // The same episode, again: a redelivered batch, or a rule engine restarted without its state.
            let again = try store.commit(
                IngestBatch(alerts: [raised("a", "r", at: 5, value: 20, severity: .critical), raised("a", "r", at: 1)])
            )
            #expect(again.alerts == [])
            #expect(again.alertEvents == [])
            #expect(again.alertTransitionsIgnored == 2)
            #expect(try store.allAlerts() == first.alerts)
            #expect(try store.allAlertEvents().count == 1)

            // Acknowledged is still active: still ignored.
            _ = try store.acknowledgeAlert(id: first.alerts[0].id, at: 6)
            #expect(try store.commit(IngestBatch(alerts: [raised("a", "r", at: 7)])).alertTransitionsIgnored == 1)
            #expect(try store.count("alerts") == 1)
            #expect(try store.allAlertEvents().map(\.kind) == [.raised, .acknowledged])
        }
    }

    @Test func clearWithoutActiveAlertIsIgnored() throws {
        try withStore { store, _ in
            let never = try store.commit(IngestBatch(alerts: [cleared("a", "r", at: 1)]))
            #expect(never.alerts == [] && never.alertTransitionsIgnored == 1)
            try store.commit(IngestBatch(alerts: [raised("a", "r", at: 2), cleared("a", "r", at: 3)]))
            let twice = try store.commit(IngestBatch(alerts: [cleared("a", "r", at: 4)]))
            #expect(twice.alerts == [] && twice.alertTransitionsIgnored == 1)
            #expect(try store.allAlerts().map(\.clearedAt) == [3])
            #expect(try store.allAlertEvents().map(\.kind) == [.raised, .cleared])
        }
    }

    @Test func raiseAfterClearOpensANewEpisodeEvenInOneBatch() throws {
        try withStore { store, _ in
            let result = try store.commit(
                IngestBatch(alerts: [
                    raised("a", "r", at: 1), cleared("a", "r", at: 2), raised("a", "r", at: 3, value: 9),
                    raised("b", "r", at: 3),
                ])
            )
            try #require(result.alerts.map(\.state) == [.raised, .cleared, .raised, .raised])
            let ids = result.alerts.map(\.id)
            #expect(ids[0] == ids[1] && ids[1] != ids[2] && ids[2] != ids[3])
            #expect(result.alertEvents.map(\.alertID) == ids)
            #expect(result.alertEvents.map(\.kind) == [.raised, .cleared, .raised, .raised])
            #expect(try store.activeAlerts().map { "\($0.asset)@\($0.raisedAt)" } == ["a@3", "b@3"])
            #expect(try store.allAlerts().count == 3)

            let later = try store.commit(IngestBatch(alerts: [cleared("a", "r", at: 4), raised("a", "r", at: 5)]))
            #expect(later.alerts.map(\.id) == [ids[2], ids[3] + 1])
            #expect(try store.allAlerts().filter { $0.asset == "a" }.map(\.state) == [.cleared, .cleared, .raised])
        }
    }

    @Test func acknowledgeIsIdempotentAndTellsUnknownFromCleared() throws {
        try withStore { store, _ in
            let ids = try store.commit(IngestBatch(alerts: [raised("a", "r", at: 1), raised("b", "r", at: 1)]))
                .alerts.map(\.id)
            try #require(ids.count == 2)
            #expect(try store.acknowledgeAlert(id: 999, at: 2) == nil)

            let first = try #require(try store.acknowledgeAlert(id: ids[0], at: 2))
            let repeated = try #require(try store.acknowledgeAlert(id: ids[0], at: 3))
            #expect(first == repeated)
            #expect(repeated.ackedAt == 2)

            try store.commit(IngestBatch(alerts: [cleared("b", "r", at: 4)]))
            let late = try #require(try store.acknowledgeAlert(id: ids[1], at: 5))
            #expect(late.state == .cleared)
            #expect(late.ackedAt == nil)

            let events = try store.allAlertEvents()
            #expect(events.filter { $0.kind == .acknowledged }.map(\.alertID) == [ids[0]])
            #expect(events.count == 4)
        }
    }

    @Test func failingReadingRollsBackTheAlertsOfItsBatch() throws {
        try withStore { store, _ in
            try store.commit(IngestBatch(readings: [reading("a", "m", 1, 1)], alerts: [raised("a", "old", at: 1)]))
            // NaN is bound as NULL and violates NOT NULL, as in the readings-only rolled-back-batch test.
            let bad = IngestBatch(
                readings: [reading("a", "m", 2, 2), reading("a", "m", 3, .nan)],
                alerts: [raised("a", "new", at: 2), cleared("a", "old", at: 2)]
            )
            let error = #expect(throws: StoreError.self) { try store.commit(bad) }
            #expect(error?.sqliteCode == 19)
            #expect(try store.allReadings() == [reading("a", "m", 1, 1)])
            #expect(try store.activeAlerts().map(\.rule) == ["old"])
            #expect(try store.count("alert_events") == 1)
        }
    }

    @Test func failingAlertRollsBackTheReadingsOfItsBatch() throws {
        try withStore { store, _ in
            // Fails the event of one transition, after the readings and the alert row of the batch were written.
            try store.database.writeWithoutTransaction { db in
                try db.execute(
                    sql: """
                        CREATE TEMP TRIGGER fail_event BEFORE INSERT ON alert_history WHEN NEW.message = 'boom'
                        BEGIN SELECT RAISE(ABORT, 'injected failure'); END
                        """
                )
            }
            let bad = IngestBatch(
                readings: [reading("a", "m", 1, 1)],
                properties: [PropertyUpdate(asset: "a", key: "k", value: "v", timestamp: 1)],
                alerts: [raised("a", "r1", at: 1), raised("a", "r2", at: 1, message: "boom")]
            )
            let error = #expect(throws: StoreError.self) { try store.commit(bad) }
            #expect(error?.description.contains("injected failure") == true, "\(String(describing: error))")
            #expect(try store.count("readings") == 0)
            #expect(try store.count("series") == 0)
            #expect(try store.count("properties") == 0)
            #expect(try store.count("alerts") == 0)
            #expect(try store.count("alert_events") == 0)

            // The same batch without the failure goes through whole, with the series cache still right.
            var good = bad
            good.alerts[1].message = "fine"
            let result = try store.commit(good)
            #expect(result.readingsInserted == 1)
            #expect(result.alerts.map(\.rule) == ["r1", "r2"])
            #expect(try store.allReadings() == [reading("a", "m", 1, 1)])
            #expect(try store.count("alert_events") == 2)
        }
    }

    @Test func batchWithoutAlertsRunsNoAlertStatement() throws {
        try withStore { store, _ in
            let log = StatementLog(tracing: store)
            try store.commit(
                IngestBatch(
                    readings: [reading("a", "m", 1, 1)],
                    properties: [PropertyUpdate(asset: "a", key: "k", value: "v", timestamp: 1)]
                )
            )
            #expect(!log.all.isEmpty)
            #expect(!log.all.contains { $0.contains("alert") }, "\(log.all)")

            log.removeAll()
            let result = try store.commit(IngestBatch(readings: [reading("a", "m", 2, 1)]))
            #expect(result.alerts.isEmpty && result.alertEvents.isEmpty && result.alertTransitionsIgnored == 0)
            #expect(!log.all.contains { $0.contains("alert") }, "\(log.all)")

            // The check above can see alert statements when there are some.
            log.removeAll()
            try store.commit(IngestBatch(alerts: [raised("a", "r", at: 1)]))
            #expect(log.all.contains { $0.contains("alert_episodes") }, "\(log.all)")
        }
    }

    @Test func nanValueIsStoredAndReportedAsNull() throws {
        try withStore { store, _ in
            let result = try store.commit(IngestBatch(alerts: [raised("a", "stale", at: 1, value: .nan)]))
            #expect(result.alerts.first?.value == nil)
            #expect(result.alertEvents.first?.value == nil)
            #expect(try store.allAlerts() == result.alerts)
        }
    }

    @Test func activeAlertsSurviveAReopen() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try TwinStore(path: directory.databasePath)
        let result = try store.commit(
            IngestBatch(alerts: [
                raised("a", "r", at: 1), raised("b", "r", at: 2), raised("c", "r", at: 3), cleared("b", "r", at: 4),
            ])
        )
        try #require(result.alerts.count == 4)
        _ = try store.acknowledgeAlert(id: result.alerts[2].id, at: 5)
        let active = try store.activeAlerts()
        #expect(active.map(\.asset) == ["a", "c"])
        #expect(active.map(\.state) == [.raised, .acknowledged])
        try store.close()
        #expect(throws: StoreError.self) { try store.activeAlerts() }
        #expect(throws: StoreError.self) { try store.acknowledgeAlert(id: 1, at: 1) }

        let reopened = try TwinStore(path: directory.databasePath)
        defer { try? reopened.close() }
        #expect(try reopened.activeAlerts() == active)
        // Restart idempotence: the engine raising the active ones again changes nothing.
        let again = try reopened.commit(IngestBatch(alerts: [raised("a", "r", at: 9), raised("c", "r", at: 9)]))
        #expect(again.alertTransitionsIgnored == 2)
        #expect(try reopened.activeAlerts() == active)
    }
}
