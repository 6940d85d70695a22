import Foundation
import Testing
import TestSupport
import TwinMQTT

/// The ingest client against a real mosquitto TLS listener, with certificates made by `openssl` for the test.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct TLSTests {
    static let certificates = Result { try TestCertificates.make() }

    @Test(arguments: ["127.0.0.1", "localhost"])
    func connectsWithTheRightCA(host: String) async throws {
        let certificates = try Self.certificates.get()
        let broker = try MosquittoBroker.start(extraConfig: certificates.listenerConfig(
            certFile: certificates.serverCertFile))
        let url = "mqtts://\(host):\(broker.port)"
        let running = try RunningClient.start(url: url, clientID: "tls-ok", subscriptions: ["tls/#"]) {
            $0.tls = .init(caFile: certificates.caFile)
        }
        try await running.waitSubscribed()
        var publisher = try MQTTConfiguration(url: url, clientID: "tls-pub", subscriptions: [])
        publisher.cleanSession = true
        publisher.tls = .init(caFile: certificates.caFile)
        let client = try MQTTPublisher(configuration: publisher)
        try client.connect(timeout: .seconds(5))
        try client.publish(topic: "tls/x", payload: Array("secret over TLS".utf8))
        try client.waitForAllAcks(timeout: .seconds(5))
        client.disconnect()
        try await waitUntil(timeout: .seconds(10)) { running.recorder.payloads.contains("secret over TLS") }
        try await running.stop()
    }

    @Test func refusesABrokerCertificateFromAnotherCA() async throws {
        let certificates = try Self.certificates.get()
        let reason = try await refusal(certFile: certificates.serverCertFile, caFile: certificates.otherCAFile)
        #expect(reason.contains("not signed by the CA file \(certificates.otherCAFile)"), "\(reason)")
    }

    @Test func refusesACertificateForAnotherHostName() async throws {
        let certificates = try Self.certificates.get()
        let reason = try await refusal(certFile: certificates.wrongHostCertFile, caFile: certificates.caFile)
        #expect(reason.contains("not valid for the host name \"127.0.0.1\""), "\(reason)")
    }

    @Test func refusesAnExpiredCertificate() async throws {
        let certificates = try Self.certificates.get()
        let reason = try await refusal(certFile: certificates.expiredCertFile, caFile: certificates.caFile)
        #expect(reason.contains("certificate has expired"), "\(reason)")
    }

    /// Runs a client against a broker presenting `certFile`; returns the reason of its first failed attempt after
    /// checking that it never connected, kept retrying and stopped cleanly.
    private func refusal(certFile: String, caFile: String) async throws -> String {
        let certificates = try Self.certificates.get()
        let broker = try MosquittoBroker.start(extraConfig: certificates.listenerConfig(certFile: certFile))
        let running = try RunningClient.start(url: "mqtts://127.0.0.1:\(broker.port)", clientID: "tls-refused",
                                              subscriptions: ["tls/#"]) {
            $0.tls = .init(caFile: caFile)
        }
        try await waitUntil(timeout: .seconds(20)) { running.recorder.count { Self.isFailure($0) } >= 2 }
        try await running.stop()
        #expect(running.recorder.connects == 0)
        let reasons = running.recorder.events.compactMap { event -> String? in
            if case .disconnected(let reason) = event { reason } else { nil }
        }
        #expect(Set(reasons).count == 1, "every attempt fails for the same reason: \(reasons)")
        return reasons.first ?? ""
    }

    private static func isFailure(_ event: MQTTConnectionEvent) -> Bool {
        if case .disconnected = event { true } else { false }
    }
}
