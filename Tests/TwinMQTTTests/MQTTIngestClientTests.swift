import Foundation
import Synchronization
import Testing
import TestSupport
import TwinMQTT

@Suite(.serialized, .timeLimit(.minutes(1)))
struct MQTTIngestClientTests {
    @Test func receivesSubscribedTopicsInOrderWithIntactPayloads() async throws {
        let broker = try MosquittoBroker.start()
        let filters = ["plant/+/temp", "line/#", "exact/topic"]
        let running = try RunningClient.start(url: broker.url, clientID: "ordered", subscriptions: filters)
        try await running.waitSubscribed()
        #expect(running.recorder.events.contains(.subscribed(filters)))

        let binary = (0...255).map(UInt8.init)
        let sent: [(String, [UInt8])] = [
            ("plant/a/temp", Array("21.5".utf8)), ("line/1/2", binary), ("exact/topic", []),
            ("other/ignored", Array("no".utf8)), ("plant/b/temp", Array("{\"v\":1}".utf8)), ("line", [0, 0, 1]),
        ] + (0..<50).map { ("line/seq", Array("n\($0)".utf8)) }
        let publisher = try makePublisher(broker.url)
        for (topic, payload) in sent {
            try publisher.publish(topic: topic, payload: payload)
        }
        try publisher.waitForAllAcks(timeout: .seconds(5))
        publisher.disconnect()
        let expected = sent.filter { $0.0 != "other/ignored" }
        try await waitUntil(timeout: .seconds(10)) { running.recorder.messages.count >= expected.count }
        let received = running.recorder.messages
        #expect(received.map(\.topic) == expected.map(\.0))
        #expect(received.map(\.payload) == expected.map(\.1))
        #expect(received.allSatisfy { $0.qos == 1 && !$0.retain && $0.receivedAt > 1_600_000_000_000 })
        try await running.stop()
        #expect(running.client.statistics.messagesReceived == expected.count)
        #expect(!running.client.statistics.isConnected)
    }

    @Test func aBatchIsAcknowledgedOnlyAfterTheSinkReturns() async throws {
        let broker = try MosquittoBroker.start(extraConfig: "log_type all")
        let entered = Atomic<Bool>(false)
        let release = Atomic<Bool>(false)
        let running = try RunningClient.start(url: broker.url, clientID: "gated", subscriptions: ["gate/#"],
                                              sink: { _ in
            entered.store(true, ordering: .sequentiallyConsistent)
            while !release.load(ordering: .sequentiallyConsistent) { usleep(1_000) }
        })
        try await running.waitSubscribed()
        try publishNumbered(broker.url, topic: "gate/x", prefix: "g", count: 1)
        try await waitUntil(timeout: .seconds(5)) { entered.load(ordering: .sequentiallyConsistent) }
        // The sink is holding the batch: the PUBACK must not have reached the broker, even after a while.
        try await Task.sleep(for: .milliseconds(300))
        #expect(!broker.logTail(lines: 500).contains("Received PUBACK from gated"))
        release.store(true, ordering: .sequentiallyConsistent)
        try await waitUntil(timeout: .seconds(5)) { broker.logTail(lines: 500).contains("Received PUBACK from gated") }
        try await running.stop()
    }

    @Test func aFailedCommitIsRedeliveredAfterReconnecting() async throws {
        let broker = try MosquittoBroker.start(extraConfig: "log_type all")
        let failures = Atomic<Int>(0)
        let running = try RunningClient.start(url: broker.url, clientID: "flaky", subscriptions: ["flaky/#"],
                                              sink: { _ in
            if failures.add(1, ordering: .sequentiallyConsistent).oldValue == 0 {
                throw BrokerError("disk full (simulated)")
            }
        })
        try await running.waitSubscribed()
        try publishNumbered(broker.url, topic: "flaky/t", prefix: "m", count: 20)
        let expected = Set((0..<20).map { "m\($0)" })
        try await waitUntil(timeout: .seconds(10)) { running.recorder.payloads == expected }
        let failedCommits = running.recorder.count {
            if case .disconnected(let reason) = $0 { reason.contains("not committed") } else { false }
        }
        #expect(failedCommits >= 1)
        #expect(running.recorder.connects >= 2)
        #expect(running.client.statistics.reconnects >= 1)
        // The broker resent the unacknowledged message with the DUP flag: its PUBACK never left.
        #expect(broker.logTail(lines: 1000).contains("Sending PUBLISH to flaky (d1"))
        try await running.stop()
    }

    @Test(arguments: [MQTTConfiguration.ProtocolVersion.v311, .v5])
    func persistentSessionKeepsMessagesWhileAway(version: MQTTConfiguration.ProtocolVersion) async throws {
        let broker = try MosquittoBroker.start()
        let id = "persistent-\(version == .v5 ? "5" : "311")"
        let first = try RunningClient.start(url: broker.url, clientID: id, subscriptions: ["away/#"]) {
            $0.protocolVersion = version
        }
        try await first.waitSubscribed()
        try await first.stop()
        try publishNumbered(broker.url, topic: "away/x", prefix: "a", count: 200)
        let second = try RunningClient.start(url: broker.url, clientID: id, subscriptions: ["away/#"]) {
            $0.protocolVersion = version
        }
        try await waitUntil(timeout: .seconds(10)) { second.recorder.payloads.count == 200 }
        #expect(second.recorder.payloads == Set((0..<200).map { "a\($0)" }))
        try await second.stop()
    }

    @Test func reconnectsAndResubscribesAfterABrokerRestart() async throws {
        let broker = try MosquittoBroker.start(persistence: true)
        let running = try RunningClient.start(url: broker.url, clientID: "survivor", subscriptions: ["r/#"])
        try await running.waitSubscribed()
        try publishNumbered(broker.url, topic: "r/1", prefix: "before", count: 5)
        try await waitUntil(timeout: .seconds(5)) { running.recorder.payloads.count == 5 }

        broker.stop()
        try await waitUntil(timeout: .seconds(5)) {
            running.recorder.count { if case .backingOff = $0 { true } else { false } } >= 1
        }
        #expect(!running.client.statistics.isConnected)
        try broker.restart()
        try await running.waitSubscribed(count: 2)
        try publishNumbered(broker.url, topic: "r/2", prefix: "after", count: 5)
        try await waitUntil(timeout: .seconds(5)) { running.recorder.payloads.count == 10 }
        let events = running.recorder.events
        #expect(events.first == .connecting(attempt: 1))
        #expect(events.contains { if case .disconnected = $0 { true } else { false } })
        #expect(running.client.statistics.reconnects >= 1)
        #expect(running.client.statistics.isConnected)
        try await running.stop()
    }

    @Test func batchesNeverExceedTheMessageCap() async throws {
        let broker = try MosquittoBroker.start()
        let capped: (inout MQTTConfiguration) -> Void = { $0.batchMaxMessages = 10 }
        let first = try RunningClient.start(url: broker.url, clientID: "capped", subscriptions: ["cap/#"],
                                            configure: capped)
        try await first.waitSubscribed()
        try await first.stop()
        try publishNumbered(broker.url, topic: "cap/x", prefix: "c", count: 100)
        let second = try RunningClient.start(url: broker.url, clientID: "capped", subscriptions: ["cap/#"],
                                             configure: capped)
        try await waitUntil(timeout: .seconds(10)) { second.recorder.payloads.count == 100 }
        let sizes = second.recorder.batches.map(\.count)
        #expect(sizes.allSatisfy { $0 <= 10 })
        #expect(sizes.contains(10), "a backlog should fill batches: \(sizes)")
        #expect(second.client.statistics.lastBatchSize <= 10)
        // Batches that ended on the cap are what the forwarder yields to; half a second after the drain, none.
        #expect(second.client.statistics.cappedBatches >= 1)
        try await waitUntil(timeout: .seconds(5)) { !second.client.isDrainingBacklog }
        try await second.stop()
    }

    @Test func stopReturnsPromptlyWhileConnected() async throws {
        let broker = try MosquittoBroker.start()
        let running = try RunningClient.start(url: broker.url, clientID: "quick", subscriptions: ["q/#"])
        try await running.waitSubscribed()
        let elapsed = try await ContinuousClock().measure { try await running.stop() }
        #expect(elapsed < .seconds(2))
    }

    @Test func stopReturnsPromptlyWhileTheBrokerIsDown() async throws {
        let running = try RunningClient.start(url: "mqtt://127.0.0.1:\(freeLoopbackPort())", clientID: "lonely",
                                              subscriptions: ["q/#"]) {
            $0.reconnectMinDelayMillis = 5_000
            $0.reconnectMaxDelayMillis = 30_000
        }
        try await waitUntil(timeout: .seconds(5)) {
            running.recorder.count { if case .backingOff = $0 { true } else { false } } >= 1
        }
        let elapsed = try await ContinuousClock().measure { try await running.stop() }
        #expect(elapsed < .seconds(1))
        #expect(running.recorder.connects == 0)
    }

    /// Regression: a TLS connect to a closed port left the socket readable (POLLHUP) before any CONNACK, and the
    /// read loop spun on it at full CPU, never reaching the stop check.
    @Test func tlsToAClosedPortBacksOffAndStops() async throws {
        let running = try RunningClient.start(url: "mqtts://127.0.0.1:\(freeLoopbackPort())", clientID: "tls-closed",
                                              subscriptions: ["q/#"]) {
            $0.reconnectMinDelayMillis = 5_000
            $0.reconnectMaxDelayMillis = 30_000
        }
        try await waitUntil(timeout: .seconds(10)) {
            running.recorder.count { if case .backingOff = $0 { true } else { false } } >= 1
        }
        let elapsed = try await ContinuousClock().measure { try await running.stop() }
        #expect(elapsed < .seconds(2))
        #expect(running.recorder.connects == 0)
    }

    @Test func stopBeforeRunMakesRunReturnAtOnce() async throws {
        let configuration = try MQTTConfiguration(url: "mqtt://127.0.0.1:1", clientID: "never", subscriptions: ["#"])
        let client = MQTTIngestClient(configuration: configuration, logger: testLogger())
        client.stop()
        client.stop()
        try await client.run { _ in }
    }
}
