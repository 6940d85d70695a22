import Foundation
import Logging
import Testing
import TestSupport
import TwinCore
import TwinStore

@testable import TwinDaemon

/// `retention:` in the config, the retention service, and the query and db commands of the `twind` executable on
/// a database written through `TwinStore` (no broker needed).
@Suite(.timeLimit(.minutes(5)))
struct RetentionAndQueryCLITests {
    static let hour: Int64 = 3_600_000

    @Test func retentionConfigIsReadWithOverridesAndCheckedAllAtOnce() throws {
        let config = try TwinConfiguration.parse(yaml: """
            retention:
              raw: 7d
              rollup_1m: 90d
              rollup_1h: forever
              interval: 10m
              assets:
                - { match: "test-*", raw: 1d }
            """)
        #expect(config.retention.policy == RetentionPolicy(
            raw: .days(7), rollup1m: .days(90), rollup1h: .forever,
            overrides: [.init(assetGlob: "test-*", raw: .days(1))]))
        #expect(config.retention.intervalMillis == 600_000)
        #expect(try TwinConfiguration.parse(yaml: "log: { level: info }").retention.policy == RetentionPolicy())

        let error = #expect(throws: ConfigError.self) {
            try TwinConfiguration.parse(yaml: """
                retention:
                  raw: soon
                  rollup_1m: 1d
                  rollup_1h: 12h
                  assets:
                    - { raw: 1d }
                    - { match: "x*", raw: 2d }
                """)
        }
        let text = "\(error.map { "\($0)" } ?? "")"
        #expect(text.contains("retention.raw: expected an age like 1d"))
        #expect(text.contains("retention: expected raw <= rollup_1m <= rollup_1h"))
        #expect(text.contains("retention.assets[0].match: missing"))
        #expect(text.contains("retention.assets[1]: expected raw <= rollup_1m <= rollup_1h"))
    }

    @Test func retentionServicePrunesInTheBackgroundAndStopsWhenCancelled() async throws {
        let directory = try Twind.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try TwinStore(path: directory + "/twind.sqlite")
        defer { try? store.close() }
        let now: Int64 = 1_800_000_000_000
        let old = (0..<3_000).map { Reading(asset: "test-\($0 % 3)", metric: "m", timestamp: now - 3 * 86_400_000 + Int64($0) * 1_000, value: 1) }
        try store.commit(IngestBatch(readings: old + [Reading(asset: "keep", metric: "m", timestamp: now, value: 1)]))
        try store.mergeRecent()
        var settings = RetentionSettings()
        settings.policy = RetentionPolicy(raw: .days(30), overrides: [.init(assetGlob: "test-*", raw: .days(1))])
        settings.maxRowsPerTransaction = 100
        settings.pauseMillis = 1
        settings.intervalMillis = 3_600_000
        let service = RetentionService(store: store, settings: settings, logger: Logger(label: "test"),
                                       initialDelayMillis: 10, now: { now })
        let task = Task { try await service.run() }
        let reader = try TwinStoreReader(path: store.path)
        try await waitUntil(timeout: .seconds(60)) { try reader.counts().readings == 1 }
        task.cancel()
        try await task.value
    }

    @Test func queryAndDatabaseCommands() async throws {
        let directory = try Twind.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/twind.sqlite"
        let start: Int64 = 1_800_000_000_000 - 1_800_000_000_000 % Self.hour
        let store = try TwinStore(path: path)
        let readings = (0..<10_800).map {
            Reading(asset: "pump-1", metric: "temp", timestamp: start + Int64($0) * 1_000, value: Double($0 % 60))
        }
        var saved = Twin(asset: "pump-1", at: start)
        saved.version = 3
        let state = try SnapshotDocument(twin: saved, rules: nil).encoded()
        let clock = (0..<500).map {
            Reading(asset: "clock", metric: "t", timestamp: Int64($0) * 7_654_321_987 + Int64($0 % 1_000), value: 0)
        }
        try store.commit(IngestBatch(readings: Array(readings.prefix(7_000)) + clock))
        try store.mergeRecent()
        try store.commit(IngestBatch(
            readings: Array(readings.dropFirst(7_000)),
            snapshots: [TwinSnapshot(asset: "pump-1", timestamp: start, version: 3, state: state, status: "online")]))
        try store.close()

        let history = ["query", "history", "--db", path, "--asset", "pump-1", "--metric", "temp", "--format", "csv"]
        let minutes = try await Twind.run(history + ["--step", "1m"])
        #expect(minutes.status == 0)
        let lines = minutes.output.split(separator: "\n")
        #expect(lines.first == "time,ts,count,avg,min,max,first,last")
        #expect(lines.count == 181)
        #expect(lines.dropFirst().allSatisfy { $0.hasSuffix(",60,29.5,0,59,0,59") })
        let auto = try await Twind.run(history + ["--step", "auto", "--from", "\(start)", "--to", "\(start + 1_000_000)"])
        #expect(auto.output.split(separator: "\n").count == 1_002)   // 1,001 raw readings
        let hours = try await Twind.run(history + ["--step", "auto", "--format", "jsonl"])
        #expect(hours.output.split(separator: "\n").count == 180)    // 3 hours of seconds: minutes
        let bad = try await Twind.run(history + ["--step", "5m"])
        #expect(bad.status != 0)

        // The fast time column is the text Foundation's formatter writes.
        let times = try await Twind.run(["query", "history", "--db", path, "--asset", "clock", "--metric", "t",
                                          "--format", "csv"])
        let rows = times.output.split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
        #expect(rows.count == 500)
        #expect(rows.allSatisfy { $0.count == 3 && String($0[0]) == RFC3339.formatted(Int64($0[1]) ?? 0) })

        let assets = try await Twind.run(["query", "assets", "--db", path, "--format", "jsonl"])
        #expect(assets.output.contains(#""asset":"pump-1","status":"online""#))
        #expect(assets.output.contains(#""asset":"clock","status":"unknown""#))
        #expect(assets.output.contains(#""metrics":1,"active_alerts":0"#))
        let twin = try await Twind.run(["query", "twin", "pump-1", "--db", path])
        let document = try JSONSerialization.jsonObject(with: Data(twin.output.utf8)) as? [String: Any]
        #expect(document?["status"] as? String == "online")
        #expect(((document?["latest"] as? [String: Any])?["temp"] as? [String: Any])?["value"] as? Double == 59)
        // The binary snapshot, decoded.
        #expect((document?["twin"] as? [String: Any])?["version"] as? Int == 3)
        #expect((document?["twin"] as? [String: Any])?["asset"] as? String == "pump-1")
        #expect(try await Twind.run(["query", "twin", "nobody", "--db", path]).status != 0)

        let check = try await Twind.run(["db", "check", "--db", path])
        #expect(check.status == 0)
        #expect(check.output.contains("integrity:    ok"))
        #expect(check.output.contains("readings_main"))
        let backup = try await Twind.run(["db", "backup", "--db", path, directory + "/copy.sqlite"])
        #expect(backup.status == 0)
        #expect(try TwinStoreReader(path: directory + "/copy.sqlite").counts().readings == 11_300)
    }

    /// Runs the `twind` executable to its end; returns its wait status's exit code and its output.
}
