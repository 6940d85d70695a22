import Foundation
import Logging
import Synchronization
import Testing
import TestSupport
import TwinDaemon
import TwinMQTT
import TwinStore

/// Rules and alerts end to end: readings through a real broker raise and clear alerts, which are stored,
/// published on MQTT, and can be acknowledged over MQTT.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct AlertTests {
    /// The shipped rules, with the stale rule at seconds so a test sees it.
    static func shippedConfigWithFastStale() throws -> String {
        let shipped = #filePath.replacingOccurrences(of: "Tests/IntegrationTests/AlertTests.swift",
                                                     with: "Config/twind.yaml")
        let yaml = try String(contentsOfFile: shipped, encoding: .utf8)
        let fast = yaml.replacingOccurrences(of: "stale: { after: 2m, offline_after: 10m }",
                                             with: "stale: { after: 2s, offline_after: 20s }")
        // DaemonProcess writes its own mqtt/database/ingest/log keys; keep the shipped alerts, metrics and rules.
        return String(fast[fast.range(of: "\nalerts:")!.lowerBound...])
    }

    /// Collects what arrives on `filter`.
    final class Collector: Sendable {
        let messages = Mutex<[InboundMessage]>([])
        let client: MQTTIngestClient

        init(_ broker: MosquittoBroker, filter: String) throws {
            var configuration = try MQTTConfiguration(url: broker.url, clientID: "it-sub-\(UUID().uuidString.prefix(8))",
                                                      subscriptions: [filter])
            configuration.cleanSession = true
            client = MQTTIngestClient(configuration: configuration, logger: Logger(label: "collector"))
        }

        func start() {
            Task { try await self.client.run { batch in self.messages.withLock { $0 += batch } } }
        }

        /// Starts, and returns once a probe published on the filter's topics has arrived: subscribed.
        func start(probing publisher: MQTTPublisher) async throws {
            start()
            var last = ContinuousClock.now - .seconds(1)
            try await waitUntil(timeout: .seconds(20)) {
                if ContinuousClock.now - last > .milliseconds(200) {
                    try publisher.publish(topic: "twin/collector-probe/alerts", payload: Array("{}".utf8))
                    last = .now
                }
                return messages.withLock { $0.contains { $0.topic == "twin/collector-probe/alerts" } }
            }
        }

        var payloads: [[String: Any]] {
            messages.withLock { $0 }.compactMap {
                (try? JSONSerialization.jsonObject(with: Data($0.payload))) as? [String: Any]
            }
        }
    }

    /// Issue #12's acceptance test: 100 pumps for 2 minutes with every fault the simulator grows, through the
    /// shipped rules. Healthy pumps raise no warning or critical alert; every faulty pump gets the one that fits.
    @Test(.timeLimit(.minutes(5))) func fleetWithEveryFaultAlertsOnlyTheFaultyPumps() async throws {
        // Two minutes of small commits, each with its fsync, would starve the other suites' daemons of the disk:
        // this test is about the alerts, so its database lives in memory (/dev/shm).
        let memory = URL(fileURLWithPath: "/dev/shm").appendingPathComponent("twind-fleet-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: memory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: memory) }
        let (broker, daemon, publisher, _) = try await Harness.startDaemon(
            extraYAML: try Self.shippedConfigWithFastStale(), databaseDirectory: memory)
        defer { daemon.kill(); publisher.disconnect(); broker.stop() }
        let collector = try Collector(broker, filter: "twin/+/alerts")
        defer { collector.client.stop() }
        try await collector.start(probing: publisher)

        // 2.5 messages a second per pump: 300 per pump, the fault starting after 30.
        var options = FleetSimulator.Options(broker: broker.url, assets: 100, rate: 250)
        options.durationMillis = 120_000
        options.scenarios = FleetModel.Scenario.allCases
        #expect(options.scenarios == [.bearingWear, .overheat, .sensorDropout, .stuckSensor, .drift])
        let fleet = options
        let result = try await onThread { try FleetSimulator(options: fleet).run() }
        #expect(result.sent > 25_000)

        // Scenario k runs on the pumps whose number ends in 4 + k.
        let expected: [Int: String] = [4: "vibration-trend", 5: "hot-bearing", 6: "silent", 7: "stuck-pressure",
                                       8: "pressure-drift"]
        let model = FleetModel(assets: 100)
        let reader = { try TwinStoreReader(path: daemon.databasePath) }
        func raised() -> Set<String> {
            Set(((try? reader().alerts(activeOnly: false, assetGlob: "*", limit: nil)) ?? []).map { "\($0.asset) \($0.rule)" })
        }
        let wanted = Set((0..<100).compactMap { i in expected[(i + 1) % 10].map { "\(model.assetID(i)) \($0)" } })
        #expect(wanted.count == 50)
        try? await waitUntil(timeout: .seconds(60)) { wanted.isSubset(of: raised()) }
        #expect(wanted.subtracting(raised()).isEmpty, "missed: \(wanted.subtracting(raised()).sorted())")

        let all = try reader().alerts(activeOnly: false, assetGlob: "*", limit: nil)
        let healthy = Set((0..<100).filter { expected[($0 + 1) % 10] == nil }.map(model.assetID))
        let falseAlarms = all.filter { healthy.contains($0.asset) && $0.severity != .info }
        #expect(falseAlarms.isEmpty, "\(falseAlarms.map { "\($0.asset) \($0.rule) \($0.message)" })")
        // A faulty pump is not alerted for a fault it does not have (info alerts aside; the harness's probe asset
        // goes silent, as it should).
        let wrong = all.filter { $0.asset.hasPrefix("pump-") && !healthy.contains($0.asset) && $0.severity != .info
            && !wanted.contains("\($0.asset) \($0.rule)") }
        #expect(wrong.isEmpty, "\(wrong.map { "\($0.asset) \($0.rule) \($0.message)" })")

        // The wearing pump's predicted time to the vibration limit is a stored, queryable metric.
        #expect(try Harness.latest(daemon, "pump-0004")["vibration.ttl_s"] != nil)
        // Every stored alert change was announced on MQTT.
        try await waitUntil(timeout: .seconds(10)) {
            collector.payloads.contains { $0["asset"] as? String == "pump-0005" && $0["rule"] as? String == "hot-bearing" }
        }
        let announced = collector.payloads.first { $0["asset"] as? String == "pump-0006" && $0["rule"] as? String == "silent" }
        #expect(announced?["event"] as? String == "raised")
        #expect(announced?["severity"] as? String == "warning")
        #expect(try await daemon.stop() == 0)
    }

    @Test func thresholdRaisesClearsAndIsAcknowledgedOverMQTT() async throws {
        let (broker, daemon, publisher, _) = try await Harness.startDaemon(extraYAML: try Self.shippedConfigWithFastStale())
        defer { daemon.kill(); publisher.disconnect(); broker.stop() }
        let collector = try Collector(broker, filter: "twin/+/alerts")
        defer { collector.client.stop() }
        try await collector.start(probing: publisher)

        let t = Harness.now() - 60_000
        func temp(_ offset: Int64, _ value: Double) throws {
            try publisher.publish(topic: "twin/pump-0042/telemetry",
                                  payload: Array("{\"ts\":\(t + offset),\"temp\":\(value),\"current\":5}".utf8))
        }
        try temp(0, 70)
        try temp(1_000, 85)   // raises
        try temp(2_000, 78)   // above the clear level: stays
        try publisher.waitForAllAcks(timeout: .seconds(10))
        let reader = { try TwinStoreReader(path: daemon.databasePath) }
        try await waitUntil(timeout: .seconds(20)) {
            (try? reader().alerts(activeOnly: true, assetGlob: "pump-0042", limit: nil))?
                .contains { $0.rule == "hot-bearing" } == true
        }
        let alert = try #require(try reader().alerts(activeOnly: true, assetGlob: "pump-0042", limit: nil)
            .first { $0.rule == "hot-bearing" })
        #expect(alert.value == 85)
        #expect(alert.raisedAt == t + 1_000)

        try publisher.publish(topic: "twin/pump-0042/alerts/ack", payload: Array("{\"id\":\(alert.id)}".utf8))
        try publisher.publish(topic: "twin/pump-0042/maintenance",
                              payload: Array("{\"kind\":\"service\",\"counter\":\"run-hours\",\"note\":\"new seal\"}".utf8))
        try publisher.waitForAllAcks(timeout: .seconds(10))
        try await waitUntil(timeout: .seconds(20)) {
            (try? reader().alerts(activeOnly: true, assetGlob: "pump-0042", limit: nil))?
                .first { $0.id == alert.id }?.state == .acknowledged
        }
        try await waitUntil(timeout: .seconds(20)) {
            (try? reader().maintenance(asset: "pump-0042", limit: nil))?.first?.note == "new seal"
        }

        try temp(3_000, 74)   // below the clear level: clears
        try publisher.waitForAllAcks(timeout: .seconds(10))
        try await waitUntil(timeout: .seconds(20)) {
            (try? reader().alerts(activeOnly: false, assetGlob: "pump-0042", limit: nil))?
                .first { $0.id == alert.id }?.state == .cleared
        }
        let events = try reader().alertEvents(alertID: alert.id).map(\.kind)
        #expect(events == [.raised, .acknowledged, .cleared])
        try await waitUntil(timeout: .seconds(10)) {
            Set(collector.payloads.filter { $0["id"] as? Int == Int(alert.id) }.compactMap { $0["event"] as? String })
                == ["raised", "acknowledged", "cleared"]
        }
        // One episode only: the reading at 78 did not raise a second alert.
        #expect(try reader().alerts(activeOnly: false, assetGlob: "pump-0042", limit: nil)
            .filter { $0.rule == "hot-bearing" }.count == 1)
        #expect(try await daemon.stop() == 0)
    }
}
