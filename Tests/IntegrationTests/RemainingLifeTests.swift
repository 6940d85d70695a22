import Foundation
import Testing
import TestSupport
import TwinCore
import TwinDaemon
import TwinStore

/// Remaining useful life end to end: history with recorded failures in a database, `twind model fit` and
/// `twind model explain` as a user runs them, then a `rul` rule in `twind run` predicting live through a real broker.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct RemainingLifeTests {
    /// A synthetic life of `length` one-second samples ending at `end` (Unix ms): `vib` rises and `temp` falls ever
    /// faster as the end approaches.
    static func life(_ asset: String, length: Int, end: Int64, seed: UInt64) -> [Reading] {
        var random = SplitMix64(seed: seed)
        var readings: [Reading] = []
        for t in 1...length {
            let wear = 10 * exp(-Double(length - t) / 15)
            let time = end - Int64(length - t) * 1_000
            readings.append(Reading(asset: asset, metric: "vib", timestamp: time,
                                    value: 1 + wear + (random.unit() - 0.5) * 0.3))
            readings.append(Reading(asset: asset, metric: "temp", timestamp: time,
                                    value: 60 - 0.5 * wear + (random.unit() - 0.5) * 0.3))
        }
        return readings
    }

    @Test func fitFromRecordedFailuresThenPredictLive() async throws {
        let directory = try Twind.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let history = "\(directory)/history.sqlite"
        let now = Harness.now()
        // Ten past lives of pumps, each ended by a failure event; pump-9 has no failure yet and must be skipped.
        do {
            let store = try TwinStore(path: history)
            var batch = IngestBatch()
            for i in 0..<10 {
                let end = now - 3_600_000 + Int64(i) * 1_000
                batch.readings += Self.life("pump-\(i)", length: 60 + i * 4, end: end, seed: UInt64(i))
                batch.maintenance.append(MaintenanceEvent(asset: "pump-\(i)", kind: .failure, timestamp: end))
            }
            batch.readings += Self.life("pump-9x", length: 50, end: now - 60_000, seed: 99)
            try store.commit(batch)
            try store.close()
        }
        let modelPath = "\(directory)/pump.json"
        let fit = try await Twind.run([
            "model", "fit", "--db", history, "--assets", "pump-*", "--metrics", "vib,temp", "--window", "8",
            "--cap", "40s", "--trees", "60", "--folds", "3", "--out", modelPath,
        ])
        #expect(fit.status == 0, "\(fit.output)")
        #expect(fit.output.contains("10 lives of 10 assets"))
        #expect(fit.output.contains("skipped pump-9x: no failure recorded"))
        #expect(fit.output.contains("cross-validated (3 folds by asset): RMSE"))
        let model = try RULModelFile.load(path: modelPath)
        #expect(model.training.lives == 10 && model.cap == 40 && model.features.metrics == ["vib", "temp"])
        #expect((model.training.cvRMSE ?? .infinity) < 10, "cv RMSE \(model.training.cvRMSE) on a clean synthetic set")

        let explain = try await Twind.run(["model", "explain", modelPath])
        #expect(explain.status == 0)
        #expect(explain.output.contains("Reads 2 metrics: vib, temp."))
        #expect(explain.output.contains("What it looks at most:"))

        let noFailures = try await Twind.run([
            "model", "fit", "--db", history, "--assets", "pump-9x", "--metrics", "vib,temp", "--out", "\(directory)/x",
        ])
        #expect(noFailures.status != 0)
        #expect(noFailures.output.contains("--run-to-failure"))

        // Live: a rul rule with that model, a new pump publishing its life through the broker.
        let broker = try MosquittoBroker.start()
        let daemon = try DaemonProcess(broker: broker, extraYAML: """
            rules:
              - name: remaining-life
                select: { asset: "pump-*" }
                severity: critical
                rul: { model: \(modelPath), horizon: 10s, clear_horizon: 20s }
            """)
        try daemon.start()
        defer { daemon.kill() }
        let publisher = try Harness.publisher(broker)
        defer { publisher.disconnect() }
        try await Harness.waitUntilIngesting(daemon, publisher)

        let end = Harness.now() - 1_000
        let live = Self.life("pump-new", length: 70, end: end, seed: 1234)
        for index in stride(from: 0, to: live.count, by: 2) {
            let (vib, temp) = (live[index], live[index + 1])
            try publisher.publish(topic: "twin/pump-new/telemetry", payload: Array(
                "{\"ts\":\(vib.timestamp),\"vib\":\(vib.value),\"temp\":\(temp.value)}".utf8))
        }
        try publisher.waitForAllAcks(timeout: .seconds(20))
        try await waitUntil(timeout: .seconds(30)) {
            (try? Harness.latest(daemon, "pump-new")["rul"]?.timestamp) == end
        }
        // The twin's rul is the model's prediction from the same features, computed offline.
        var data = RULDataset(spec: model.features, cap: model.cap)
        data.add(RULLife(asset: "pump-new", readings: live, failureTime: end))
        let latest = try Harness.latest(daemon, "pump-new")
        let rul = try #require(latest["rul"])
        #expect(rul.value == model.predict(data.row(data.count - 1)))
        #expect(rul.value < 10, "at the failure the predicted life should be short, got \(rul.value)")
        #expect((latest["rul_low"]?.value ?? .infinity) <= rul.value)
        // One prediction per message in the history.
        var predictions = 0
        try TwinStoreReader(path: daemon.databasePath).history(asset: "pump-new", metric: "rul", from: nil, to: nil,
                                                               limit: nil) { _ in predictions += 1 }
        #expect(predictions == 70)
        // Raised before the end; a repair over MQTT starts a new life and clears it.
        let raised = try #require(try TwinStoreReader(path: daemon.databasePath)
            .alerts(activeOnly: true, assetGlob: "pump-new", limit: nil).first { $0.rule == "remaining-life" })
        #expect(raised.raisedAt < end && raised.raisedAt > end - 40_000)
        try publisher.publish(topic: "twin/pump-new/maintenance",
                              payload: Array("{\"kind\":\"repair\",\"ts\":\(end + 500)}".utf8))
        try await waitUntil(timeout: .seconds(20)) {
            let active = (try? TwinStoreReader(path: daemon.databasePath)
                .alerts(activeOnly: true, assetGlob: "pump-new", limit: nil)) ?? []
            return !active.contains { $0.rule == "remaining-life" }
        }
    }
}
