import Foundation
import Testing
import TwinCore
@testable import TwinDaemon

struct TwinConfigurationTests {
    @Test func shippedConfigIsValidAndMatchesTheDefaults() throws {
        let config = try TwinConfiguration.load(path: #filePath.replacingOccurrences(
            of: "Tests/TwinDaemonTests/TwinConfigurationTests.swift", with: "Config/twind.yaml"))
        let defaults = TwinConfiguration()
        #expect(config.mqtt.broker == defaults.mqtt.broker)
        #expect(config.mqtt.cleanSession == false)
        #expect(config.mqtt.batchMaxMessages == defaults.mqtt.batchMaxMessages)
        #expect(config.mqtt.batchMaxDelayMillis == defaults.mqtt.batchMaxDelayMillis)
        #expect(config.mqtt.batchMaxBytes == defaults.mqtt.batchMaxBytes)
        #expect(config.database.path == defaults.database.path)
        #expect(config.ingest.retentionMillis == 30 * 86_400_000)
        #expect(config.topics.map(\.template) == TwinConfiguration.defaultTopics.map(\.template))
        #expect(try config.subscriptions() == ["twin/+/telemetry", "twin/+/telemetry/+", "twin/+/senml",
                                              "twin/+/maintenance", "twin/+/alerts/ack"])
    }

    @Test func emptyFileGivesDefaults() throws {
        let config = try TwinConfiguration.parse(yaml: "")
        #expect(config.topics.count == 3)
        #expect(config.logLevel == "info")
    }

    @Test func everyProblemIsReportedWithItsKeyPath() throws {
        let yaml = """
            mqtt:
              broker: http://example.com
              keepalive: often
              batch:
                max_messages: 0
                max_dlay: 5ms
            topics:
              - template: "twin/{asset}/telemetry"
                format: xml
              - format: json
            database:
              merge_threshold: many
            ingest:
              retention: forever
            log:
              level: loud
            """
        let error = try #require(throws: ConfigError.self) { try TwinConfiguration.parse(yaml: yaml, file: "t.yaml") }
        let byPath = Dictionary(error.issues.map { ($0.path, $0.message) }, uniquingKeysWith: { a, _ in a })
        #expect(byPath["mqtt.broker"]?.contains("mqtt://HOST") == true)
        #expect(byPath["mqtt.keepalive"]?.contains("expected a whole number") == true)
        #expect(byPath["mqtt.keepalive"]?.contains("\"often\"") == true)
        #expect(byPath["mqtt.batch.max_messages"] != nil)
        #expect(byPath["mqtt.batch.max_dlay"]?.contains("did you mean 'max_delay'") == true)
        #expect(byPath["topics[0].format"]?.contains("json, number, senml, influx") == true)
        #expect(byPath["topics[1].template"]?.contains("missing") == true)
        #expect(byPath["database.merge_threshold"] != nil)
        #expect(byPath["ingest.retention"]?.contains("duration") == true)
        #expect(byPath["log.level"]?.contains("one of") == true)
        #expect(error.issues.count == 9)
        #expect(error.description.hasPrefix("t.yaml: 9 problems"))
        #expect(error.issues.first { $0.path == "mqtt.keepalive" }?.line == 3)
    }

    @Test func forwardSectionIsReadAndItsMistakesNamed() throws {
        let good = try TwinConfiguration.parse(yaml: """
            forward:
              url: "postgres://twind@central.example:6432/fleet?sslmode=require"
              password_file: /etc/twind/pg-password
              gateway: site-7
              streams: [alerts, readings]
              retry: { min: 500ms, max: 20s }
              yield_to_ingest: 0s
            """)
        let forward = try #require(good.forward)
        #expect(forward.yieldMillis == 0)
        #expect(forward.gateway == "site-7")
        #expect(forward.streams == [.alerts, .readings])
        #expect(forward.minDelayMillis == 500 && forward.maxDelayMillis == 20_000)
        #expect(try TwinConfiguration.parse(yaml: "log: { level: info }").forward == nil)

        let yaml = """
            forward:
              url: "postgres://twind:hunter2@central/fleet"
              streams: [alerts, reading]
              retry: { min: 30s, max: 1s }
              batch_rowz: 5
            """
        let error = try #require(throws: ConfigError.self) { try TwinConfiguration.parse(yaml: yaml, file: "t.yaml") }
        let byPath = Dictionary(error.issues.map { ($0.path, $0.message) }, uniquingKeysWith: { a, _ in a })
        #expect(byPath["forward.url"]?.contains("password_file") == true)
        #expect(byPath["forward.url"]?.contains("hunter2") == false)
        #expect(byPath["forward.streams[1]"]?.contains("readings") == true)
        #expect(byPath["forward.retry"]?.contains("min <= max") == true)
        #expect(byPath["forward.batch_rowz"]?.contains("did you mean 'batch_rows'") == true)
        #expect(error.issues.count == 4)
        let noURL = try #require(throws: ConfigError.self) {
            try TwinConfiguration.parse(yaml: "forward: { gateway: a }")
        }
        #expect(noURL.issues.map(\.path) == ["forward.url"])
        let badScheme = try #require(throws: ConfigError.self) {
            try TwinConfiguration.parse(yaml: "forward: { url: \"mysql://a@b/c\" }")
        }
        #expect(badScheme.issues.first?.message.contains("postgres://USER@HOST:PORT/DATABASE") == true)
    }

    @Test func templateErrorsNameTheTopic() throws {
        let yaml = """
            topics:
              - template: "twin/{asset/telemetry"
                format: json
              - template: "twin/{asset}/value"
                format: number
            """
        let error = try #require(throws: ConfigError.self) { try TwinConfiguration.parse(yaml: yaml) }
        #expect(error.issues.map(\.path) == ["topics[0].template", "topics[1].template"])
        #expect(error.issues[1].message.contains("{metric}"))
    }

    @Test func composedAssetNeedsKnownVariables() throws {
        let good = """
            topics:
              - template: "plant/{site}/{line}/{asset}/{metric}"
                format: number
                asset: "{site}.{asset}"
            """
        let config = try TwinConfiguration.parse(yaml: good)
        #expect(try config.subscriptions() == ["plant/+/+/+/+", "twin/+/maintenance", "twin/+/alerts/ack"])
        let bad = good.replacingOccurrences(of: "{site}.{asset}", with: "{plant}.{asset}")
        let error = try #require(throws: ConfigError.self) { try TwinConfiguration.parse(yaml: bad) }
        #expect(error.issues.map(\.path) == ["topics[0].template"])
    }

    @Test func tlsNeedsCAAndPairedCertKey() throws {
        let yaml = """
            mqtt:
              broker: mqtts://broker:8883
              tls:
                cert_file: /c.crt
            """
        let error = try #require(throws: ConfigError.self) { try TwinConfiguration.parse(yaml: yaml) }
        #expect(Set(error.issues.map(\.path)) == ["mqtt.tls.ca_file", "mqtt.tls"])
    }

    @Test func passwordComesFromItsFileAndNeverFromTheConfig() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pw-\(UInt64.random(in: 0...UInt64.max))").path
        try "s3cret-pass\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let config = try TwinConfiguration.parse(yaml: "mqtt:\n  username: u\n  password_file: \(path)\n")
        let mqtt = try Daemon.mqttConfiguration(config)
        #expect(mqtt.password == "s3cret-pass")
        #expect(!mqtt.description.contains("s3cret"))
    }
}
