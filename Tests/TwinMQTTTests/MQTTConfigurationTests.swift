import Testing
import TwinMQTT

struct MQTTConfigurationTests {
    @Test func parsesPlainAndTLSURLs() throws {
        let plain = try MQTTConfiguration(url: "mqtt://broker.local:1884", clientID: "c", subscriptions: ["a/#"])
        #expect(plain.host == "broker.local")
        #expect(plain.port == 1884)
        #expect(plain.tls == nil)
        #expect(plain.url == "mqtt://broker.local:1884")

        let defaults = try MQTTConfiguration(url: "mqtt://broker.local", clientID: "c", subscriptions: ["a/#"])
        #expect(defaults.port == 1883)
        let secure = try MQTTConfiguration(url: "mqtts://broker.local/", clientID: "c", subscriptions: ["a/#"])
        #expect(secure.port == 8883)
        #expect(secure.tls != nil)
        let ipv6 = try MQTTConfiguration(url: "mqtt://[::1]:1999", clientID: "c", subscriptions: ["a/#"])
        #expect(ipv6.host == "::1")
        #expect(ipv6.port == 1999)
        #expect(ipv6.url == "mqtt://[::1]:1999")
    }

    @Test(arguments: ["http://broker:80", "broker:1883", "mqtt://", "mqtt://host:0", "mqtt://host:99999",
                      "mqtt://host:abc", "mqtt://user:secret@host:1883", "mqtt://host:1883/path", "ws://host"])
    func rejectsBadURLs(_ url: String) {
        #expect(throws: MQTTError.self) {
            try MQTTConfiguration(url: url, clientID: "c", subscriptions: ["a/#"])
        }
    }

    @Test func errorsAreSentencesWithoutSecrets() {
        do {
            _ = try MQTTConfiguration(url: "http://user:hunter2@host", clientID: "c", subscriptions: ["a"])
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidConfiguration)
            #expect(error.description.contains("http"))
            #expect(!error.description.contains("hunter2"))
        }
    }

    @Test func descriptionNeverContainsThePassword() throws {
        var configuration = try MQTTConfiguration(url: "mqtts://broker:8883", clientID: "twind-1",
                                                  subscriptions: ["plant/#"])
        configuration.username = "ingest"
        configuration.password = "s3cr3t-pa55"
        let text = configuration.description
        #expect(!text.contains("s3cr3t-pa55"))
        #expect(text.contains("ingest"))
        #expect(text.contains("mqtts://broker:8883"))
        #expect(!"\(configuration)".contains("s3cr3t"))
    }

    @Test func defaultsFavourAckAfterCommit() throws {
        let configuration = try MQTTConfiguration(url: "mqtt://h", clientID: "c", subscriptions: ["#"])
        #expect(configuration.cleanSession == false)
        #expect(configuration.batchMaxMessages == 10_000)
        #expect(configuration.batchMaxDelayMillis == 50)
        #expect(configuration.batchMaxBytes == 4 * 1024 * 1024)
    }

    @Test func runRejectsAnUnusableConfiguration() async {
        var configuration = MQTTConfiguration(host: "127.0.0.1", port: 1883, clientID: "c", subscriptions: [])
        configuration.keepAlive = 5
        let client = MQTTIngestClient(configuration: configuration, logger: testLogger())
        await #expect(throws: MQTTError.self) {
            try await client.run { _ in }
        }
    }
}
