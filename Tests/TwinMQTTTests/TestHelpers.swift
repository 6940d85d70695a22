import Foundation
import Logging
import Synchronization
import TestSupport
import TwinMQTT

/// A logger that prints only when TWIND_TEST_LOG is set.
func testLogger() -> Logger {
    guard ProcessInfo.processInfo.environment["TWIND_TEST_LOG"] != nil else {
        return Logger(label: "twind.mqtt.test") { _ in SwiftLogNoOpLogHandler() }
    }
    var logger = Logger(label: "twind.mqtt.test") { StreamLogHandler.standardError(label: $0) }
    logger.logLevel = .debug
    return logger
}

/// What a client under test committed and reported.
final class Recorder: Sendable {
    private let state = Mutex<(batches: [[InboundMessage]], events: [MQTTConnectionEvent])>(([], []))

    var batches: [[InboundMessage]] { state.withLock { $0.batches } }
    var messages: [InboundMessage] { batches.flatMap { $0 } }
    var events: [MQTTConnectionEvent] { state.withLock { $0.events } }
    var payloads: Set<String> { Set(messages.map { String(decoding: $0.payload, as: UTF8.self) }) }

    func record(_ batch: [InboundMessage]) { state.withLock { $0.batches.append(batch) } }
    func record(_ event: MQTTConnectionEvent) { state.withLock { $0.events.append(event) } }

    func count(where predicate: (MQTTConnectionEvent) -> Bool) -> Int { events.filter(predicate).count }
    var connects: Int { count { $0 == .connected } }
    var subscribes: Int { count { if case .subscribed = $0 { true } else { false } } }
}

/// A client whose `run` goes on in a task.
struct RunningClient {
    let client: MQTTIngestClient
    let recorder: Recorder
    let task: Task<Void, any Error>

    /// Starts a client; `sink` runs before the batch is recorded, and a throw keeps it out of the record.
    static func start(url: String, clientID: String, subscriptions: [String],
                      configure: (inout MQTTConfiguration) -> Void = { _ in },
                      sink: @escaping @Sendable ([InboundMessage]) throws -> Void = { _ in }) throws -> RunningClient {
        var configuration = try MQTTConfiguration(url: url, clientID: clientID, subscriptions: subscriptions)
        configuration.reconnectMinDelayMillis = 50
        configuration.reconnectMaxDelayMillis = 400
        configure(&configuration)
        let recorder = Recorder()
        let client = MQTTIngestClient(configuration: configuration, logger: testLogger()) { recorder.record($0) }
        let task = Task {
            try await client.run { batch in
                try sink(batch)
                recorder.record(batch)
            }
        }
        return RunningClient(client: client, recorder: recorder, task: task)
    }

    func waitSubscribed(count: Int = 1) async throws {
        try await waitUntil(timeout: .seconds(10)) { recorder.subscribes >= count }
    }

    func stop() async throws {
        client.stop()
        try await task.value
    }
}

/// A connected QoS 1 publisher.
func makePublisher(_ url: String, clientID: String = "publisher-\(UUID().uuidString.prefix(8))") throws
    -> MQTTPublisher
{
    var configuration = try MQTTConfiguration(url: url, clientID: clientID, subscriptions: [])
    configuration.cleanSession = true
    let publisher = try MQTTPublisher(configuration: configuration)
    try publisher.connect(timeout: .seconds(5))
    return publisher
}

/// Publishes `"<prefix><i>"` for i in 0..<count to `topic` and waits for every PUBACK.
func publishNumbered(_ url: String, topic: String, prefix: String, count: Int) throws {
    let publisher = try makePublisher(url)
    for i in 0..<count {
        try publisher.publish(topic: topic, payload: Array("\(prefix)\(i)".utf8))
    }
    try publisher.waitForAllAcks(timeout: .seconds(10))
    publisher.disconnect()
}
