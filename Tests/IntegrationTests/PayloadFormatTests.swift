import Foundation
import Testing
import TestSupport
import TwinStore

@Suite(.serialized, .timeLimit(.minutes(5)))
struct PayloadFormatTests {
    static let topics = """
        topics:
          - template: "twin/{asset}/telemetry"
            format: json
          - template: "twin/{asset}/telemetry/{metric}"
            format: number
          - template: "twin/{asset}/senml"
            format: senml
          - template: "plant/{site}/{asset}/influx"
            format: influx
            asset: "{site}.{asset}"
        """

    @Test func everyFormatReachesTheTwinAndHistory() async throws {
        let (broker, daemon, publisher, _) = try await Harness.startDaemon(topics: Self.topics)
        defer { daemon.kill(); publisher.disconnect(); broker.stop() }

        let t = Harness.now() - 60_000
        try publisher.publish(topic: "twin/pump-1/telemetry", payload: Array(
            "{\"ts\":\(t),\"temp\":71.5,\"motor\":{\"rpm\":1480,\"on\":true},\"fw\":\"1.2.3\"}".utf8))
        try publisher.publish(topic: "twin/pump-2/telemetry/pressure", payload: Array(" 2.5\n".utf8))
        try publisher.publish(topic: "twin/pump-3/senml", payload: Array(
            "[{\"bn\":\"\",\"bt\":\(Double(t) / 1000),\"n\":\"temp\",\"v\":20.25,\"u\":\"Cel\"},{\"n\":\"door\",\"vb\":true,\"t\":1}]".utf8))
        try publisher.publish(topic: "plant/berlin/pump-4/influx", payload: Array(
            "pump temp=30.5,count=3i \(t * 1_000_000)\npump temp=31.5 \((t + 1_000) * 1_000_000)".utf8))
        try publisher.waitForAllAcks(timeout: .seconds(10))

        try await waitUntil(timeout: .seconds(30)) {
            (try? Harness.latest(daemon, "berlin.pump-4"))?["pump.temp"]?.value == 31.5
                && (try? Harness.latest(daemon, "pump-3"))?.count == 2
                && (try? Harness.latest(daemon, "pump-2"))?.count == 1
                && (try? Harness.latest(daemon, "pump-1"))?.count == 3
        }
        let json = try Harness.latest(daemon, "pump-1")
        #expect(json["temp"]?.value == 71.5)
        #expect(json["temp"]?.timestamp == t)
        #expect(json["motor.rpm"]?.value == 1480)
        #expect(json["motor.on"]?.value == 1)
        let number = try Harness.latest(daemon, "pump-2")
        #expect(number["pressure"]?.value == 2.5)
        let senml = try Harness.latest(daemon, "pump-3")
        #expect(senml["temp"]?.value == 20.25)
        #expect(senml["temp"]?.timestamp == t)
        #expect(senml["door"]?.value == 1)
        #expect(senml["door"]?.timestamp == t + 1_000)
        let influx = try Harness.latest(daemon, "berlin.pump-4")
        #expect(influx["pump.count"]?.value == 3)

        let reader = try TwinStoreReader(path: daemon.databasePath)
        var history: [Double] = []
        try reader.history(asset: "berlin.pump-4", metric: "pump.temp", from: t, to: t + 1_000, limit: nil) {
            history.append($0.value)
        }
        #expect(history == [30.5, 31.5])
        let properties = try reader.properties(asset: "pump-1")
        #expect(properties.map(\.key) == ["fw"])
        #expect(properties.first?.value == "1.2.3")
        #expect(try reader.counts().quarantined == 0)
        #expect(try await daemon.stop() == 0)
    }

    @Test func badInputIsQuarantinedAndSentEqualsStoredPlusQuarantined() async throws {
        let (broker, daemon, publisher, probes) = try await Harness.startDaemon(extraYAML: "")
        defer { daemon.kill(); publisher.disconnect(); broker.stop() }

        let now = Harness.now()
        let bad: [(String, [UInt8], String)] = [
            ("twin/a1/telemetry", Array("{\"temp\": 71.5,".utf8), "invalid_json"),
            ("twin/a1/telemetry", [0x7B, 0xFF, 0xFE, 0x7D], "invalid_utf8"),
            ("twin/a1/telemetry", Array("{\"ts\":\(now + 3_600_000),\"temp\":1}".utf8), "future_timestamp"),
            ("twin/a1/telemetry", Array("{\"ts\":1000,\"temp\":1}".utf8), "too_old"),
            ("twin/a1/telemetry", Array("{\"temp\":1e999}".utf8), "non_finite"),
            ("twin/a1/telemetry/temp", Array("nan".utf8), "non_finite"),
            ("twin/bad%asset/telemetry", Array("{\"temp\":1}".utf8), "invalid_asset_id"),
            ("twin/a1/telemetry", Array(repeating: 0x20, count: 70_000), "oversize"),
            ("twin/a1/telemetry", Array("[1,2,3]".utf8), "invalid_payload"),
        ]
        for (topic, payload, _) in bad { try publisher.publish(topic: topic, payload: payload) }
        // Good messages around them.
        for i in 0..<50 {
            try publisher.publish(topic: "twin/a\(i % 5)/telemetry",
                                  payload: Array("{\"ts\":\(now - 10_000 + Int64(i)),\"temp\":\(i)}".utf8))
        }
        try publisher.waitForAllAcks(timeout: .seconds(10))
        try await waitUntil(timeout: .seconds(30)) {
            guard let counts = Harness.counts(daemon) else { return false }
            return counts.quarantined == bad.count && counts.readings >= 50
        }
        let reader = try TwinStoreReader(path: daemon.databasePath)
        let counts = try reader.counts()
        // Sent = stored + quarantined, exactly: 50 good readings, the probes that landed, and the bad ones.
        let probeReadings = try countHistory(reader, asset: "probe", metric: "probe")
        #expect(probeReadings <= probes)
        #expect(counts.readings == 50 + probeReadings)
        #expect(counts.quarantined == bad.count)
        let entries = try reader.quarantine(limit: 100)
        #expect(entries.map(\.reason).sorted() == bad.map(\.2).sorted())
        let utf8 = try #require(entries.first { $0.reason == "invalid_utf8" })
        #expect(utf8.payload == [0x7B, 0xFF, 0xFE, 0x7D])
        #expect(utf8.topic == "twin/a1/telemetry")
        // Logged, rate-limited: at least one line per reason, never a whole payload.
        #expect(daemon.log.contains("message quarantined"))
        #expect(!daemon.log.contains(String(repeating: " ", count: 1_000)))
        #expect(try await daemon.stop() == 0)
    }

    private func countHistory(_ reader: TwinStoreReader, asset: String, metric: String) throws -> Int {
        var count = 0
        try reader.history(asset: asset, metric: metric, from: nil, to: nil, limit: nil) { _ in count += 1 }
        return count
    }
}
