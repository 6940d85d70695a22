import Foundation
import Testing
import TestSupport

@Suite(.serialized, .timeLimit(.minutes(5)))
struct OperationsTests {
    @Test func sighupRereadsTheConfigAndKeepsRunning() async throws {
        let http = Harness.httpYAML()
        let (broker, daemon, publisher, _) = try await Harness.startDaemon(extraYAML: http.yaml)
        defer { daemon.kill(); publisher.disconnect(); broker.stop() }

        daemon.signal(SIGHUP)
        try await Harness.waitForMetric(http.base, #"twind_config_reloads_total{result="applied"} 1"#)
        // A broken config is reported and the daemon goes on.
        try "mqtt:\n  keepalive: often\n".write(toFile: daemon.configPath, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        try await Harness.waitForMetric(http.base, #"twind_config_reloads_total{result="invalid"} 1"#)
        #expect(daemon.log.contains("SIGHUP: config is invalid"))
        #expect(daemon.log.contains("mqtt.keepalive"))
        #expect(daemon.isRunning)
        #expect(try await daemon.stop() == 0)
    }

    @Test func badConfigStopsTheStartWithKeyPaths() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("twind-badcfg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let config = directory.appendingPathComponent("bad.yaml").path
        let log = directory.appendingPathComponent("out.log").path
        try "mqtt:\n  broker: http://nowhere\ntopics:\n  - template: \"a/{asset\"\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        let process = try ChildProcess.spawn(DaemonProcess.executable, arguments: ["run", "--config", config],
                                             outputPath: log)
        try await waitUntil(timeout: .seconds(20)) { !process.isRunning }
        #expect(((process.exitStatus ?? 0) >> 8) & 0xFF == 78)
        let output = try String(contentsOfFile: log, encoding: .utf8)
        #expect(output.contains("mqtt.broker: expected mqtt://HOST[:PORT]"))
        #expect(output.contains("topics[0].template: unclosed '{'"))
    }
}
