import Foundation
import Testing
import TestSupport
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@Suite(.serialized, .timeLimit(.minutes(5)))
struct HTTPAPITests {
    @Test func everyEndpointAgainstARunningDaemon() async throws {
        let broker = try MosquittoBroker.start()
        let port = freeLoopbackPort()
        let tokenFile = FileManager.default.temporaryDirectory.appendingPathComponent("token-\(UUID().uuidString)").path
        let token = "t0k3n-\(UInt32.random(in: 0...UInt32.max))"
        try (token + "\n").write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let daemon = try DaemonProcess(broker: broker, extraYAML: """
            http:
              listen: "127.0.0.1:\(port)"
              token_file: \(tokenFile)
            """ + (try AlertTests.shippedConfigWithFastStale()))
        try daemon.start()
        defer { daemon.kill() }
        let publisher = try Harness.publisher(broker)
        defer { publisher.disconnect() }
        try await Harness.waitUntilIngesting(daemon, publisher)
        let base = "http://127.0.0.1:\(port)"
        let t = Harness.now() - 10_000
        for i in 0..<20 {
            try publisher.publish(topic: "twin/pump-7/telemetry",
                                  payload: Array("{\"ts\":\(t + Int64(i) * 100),\"temp\":\(50 + i)}".utf8))
        }
        try publisher.waitForAllAcks(timeout: .seconds(10))
        try await waitUntil(timeout: .seconds(20)) { (try? Harness.latest(daemon, "pump-7"))?["temp"]?.value == 69 }

        // Health needs no token; everything else does.
        let health = try await Harness.http(base + "/healthz")
        #expect(health.status == 200)
        #expect(health.json["brokerConnected"] as? Bool == true)
        #expect(health.json["status"] as? String == "ok")
        #expect(try await Harness.http(base + "/v1/assets").status == 401)
        #expect(try await Harness.http(base + "/v1/assets", token: "wrong").status == 401)

        let assets = try await Harness.http(base + "/v1/assets", token: token)
        #expect(assets.status == 200)
        let list = assets.json["assets"] as? [[String: Any]] ?? []
        #expect(list.contains { $0["asset"] as? String == "pump-7" && $0["metrics"] as? Int == 1 })

        let twin = try await Harness.http(base + "/v1/assets/pump-7", token: token)
        let temp = ((twin.json["twin"] as? [String: Any])?["metrics"] as? [String: Any])?["temp"] as? [String: Any]
        #expect(temp?["value"] as? Double == 69)
        #expect(temp?["count"] as? Int == 20)
        #expect(try await Harness.http(base + "/v1/assets/nope", token: token).status == 404)

        let history = try await Harness.http(base + "/v1/assets/pump-7/history?metric=temp&from=\(t + 500)&to=\(t + 999)",
                                    token: token)
        let points = history.json["points"] as? [[String: Any]] ?? []
        #expect(points.compactMap { $0["value"] as? Double } == [55, 56, 57, 58, 59])
        let bad = try await Harness.http(base + "/v1/assets/pump-7/history?metric=temp&from=yesterday", token: token)
        #expect(bad.status == 400)
        #expect(bad.text.contains("is not a time"))
        #expect(try await Harness.http(base + "/v1/assets/pump-7/history?metric=nope", token: token).status == 404)
        // Rollups: the 20 readings fall into one or two minute buckets whose counts add up to 20.
        let minutes = try await Harness.http(base + "/v1/assets/pump-7/history?metric=temp&from=\(t - 60_000)&step=1m",
                                    token: token)
        #expect(minutes.json["step"] as? String == "1m")
        let buckets = minutes.json["points"] as? [[String: Any]] ?? []
        #expect(buckets.compactMap { $0["count"] as? Int }.reduce(0, +) == 20)
        #expect(buckets.compactMap { $0["max"] as? Double }.max() == 69)
        #expect(try await Harness.http(base + "/v1/assets/pump-7/history?metric=temp&step=2m", token: token).status == 400)

        // Alerts: a hot reading raises hot-bearing; list, acknowledge, errors.
        try publisher.publish(topic: "twin/pump-7/telemetry", payload: Array("{\"ts\":\(t + 5_000),\"temp\":91}".utf8))
        try publisher.waitForAllAcks(timeout: .seconds(10))
        var alertID = 0
        let deadline = ContinuousClock.now + .seconds(20)
        while alertID == 0 && ContinuousClock.now < deadline {
            let reply = try await Harness.http(base + "/v1/alerts?state=active&asset=pump-7", token: token)
            let alerts = reply.json["alerts"] as? [[String: Any]] ?? []
            alertID = alerts.first { $0["rule"] as? String == "hot-bearing" }?["id"] as? Int ?? 0
            if alertID == 0 { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(alertID != 0)
        let ack = try await Harness.http(base + "/v1/alerts/\(alertID)/ack", token: token, method: "POST")
        #expect(ack.status == 200)
        #expect(ack.json["state"] as? String == "acknowledged")
        let acknowledged = try await Harness.http(base + "/v1/alerts?state=acknowledged", token: token)
        #expect((acknowledged.json["alerts"] as? [[String: Any]])?.map { $0["id"] as? Int } == [alertID])
        #expect(try await Harness.http(base + "/v1/alerts/999999/ack", token: token, method: "POST").status == 404)
        #expect(try await Harness.http(base + "/v1/alerts?state=nonsense", token: token).status == 400)

        let metrics = try await Harness.http(base + "/metrics", token: token)
        #expect(metrics.status == 200)
        let committed = metrics.text.split(separator: "\n").first { $0.hasPrefix("twind_readings_committed_total ") }
        #expect(committed.flatMap { Int($0.split(separator: " ")[1]) } ?? 0 >= 20)
        #expect(metrics.text.contains("twind_ack_latency_seconds_bucket"))
        func value(_ name: String) -> Double? {
            metrics.text.split(separator: "\n").first { $0.hasPrefix(name + " ") }
                .flatMap { Double($0.split(separator: " ")[1]) }
        }
        #expect((value("twind_alerts_raised_total") ?? 0) >= 1)
        #expect((value("twind_active_alerts") ?? 0) >= 1)
        #expect((value("twind_database_bytes") ?? 0) > 4_096)
        #expect((value("twind_rule_evaluations_total") ?? 0) >= 20)
        #expect(!daemon.log.contains(token))
        #expect(try await daemon.stop() == 0)
    }

    @Test func remoteListenWithoutTokenIsRefusedAtStart() async throws {
        let yaml = "http:\n  listen: \"0.0.0.0:8088\"\n"
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("h-\(UUID().uuidString).yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("h-\(UUID().uuidString).log").path
        let process = try ChildProcess.spawn(DaemonProcess.executable, arguments: ["check-config", path],
                                             outputPath: output)
        try await waitUntil(timeout: .seconds(20)) { !process.isRunning }
        #expect(((process.exitStatus ?? 0) >> 8) & 0xFF == 78)
        #expect(try String(contentsOfFile: output, encoding: .utf8).contains("http.listen: 0.0.0.0 is not a loopback"))
    }
}
