import Foundation
import Logging
import Synchronization

/// Receives MQTT messages at QoS 1 and acknowledges each batch only after its sink has committed it.
///
/// The network loop runs on a dedicated thread that owns the libmosquitto handle (see `IngestLoop`). A batch is
/// read in one burst, handed to the sink on that thread, and its PUBACKs are written only after the sink returns.
/// If the sink throws, the connection is dropped without writing, and the broker redelivers the batch after the
/// reconnect (fixed client id, persistent session).
public final class MQTTIngestClient: Sendable {
    let configuration: MQTTConfiguration
    let logger: Logger
    private let onEvent: (@Sendable (MQTTConnectionEvent) -> Void)?
    let wake = WakePipe()
    private let state = Mutex(RunState())
    private let counters = Mutex(MQTTStatistics())
    private let heartbeat = Atomic<Int>(0)

    private struct RunState {
        var stopRequested = false
        var started = false
    }

    public init(configuration: MQTTConfiguration, logger: Logger,
                onEvent: (@Sendable (MQTTConnectionEvent) -> Void)? = nil) {
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "mqtt.broker"] = "\(configuration.url)"
        logger[metadataKey: "mqtt.client_id"] = "\(configuration.clientID)"
        self.logger = logger
        self.onEvent = onEvent
    }

    /// Runs the ingest loop on a dedicated thread until `stop()`; returns when the thread has finished (last
    /// batch committed and acked, clean disconnect).
    ///
    /// `sink` is called on that thread, one batch at a time; acks for a batch are written only after `sink`
    /// returns normally. Task cancellation calls `stop()`. Throws only if the client cannot be set up (invalid
    /// configuration, unreadable TLS files) or if `run` is called a second time; connection failures are retried.
    ///
    /// `outbox`, when given, is asked for messages to publish whenever the loop is between batches and connected;
    /// they are queued at QoS 1 and leave with the next write, after the acks of the batches before them.
    public func run(sink: @escaping @Sendable ([InboundMessage]) throws -> Void,
                    outbox: (@Sendable () -> [OutboundMessage])? = nil) async throws {
        let stopAlready = try state.withLock { state throws(MQTTError) -> Bool in
            guard !state.started else {
                throw MQTTError(.alreadyRunning, "run() was called more than once on the same MQTTIngestClient")
            }
            state.started = true
            return state.stopRequested
        }
        if stopAlready { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let thread = Thread {
                    do throws(MQTTError) {
                        try IngestLoop(client: self, sink: sink, outbox: outbox).run()
                        continuation.resume()
                    } catch {
                        continuation.resume(throwing: error)
                    }
                }
                thread.name = "twind-mqtt-ingest"
                thread.start()
            }
        } onCancel: {
            self.stop()
        }
    }

    /// Asks the loop to finish its batch, send its acks, disconnect and return. Thread-safe and idempotent.
    public func stop() {
        state.withLock { $0.stopRequested = true }
        wake.wake()
    }

    public var statistics: MQTTStatistics {
        counters.withLock { $0 }
    }

    /// Turns of the loop thread so far. It rises at least once a second while the loop is healthy, with or without
    /// traffic and while backing off, and stands still while the thread is stuck (e.g. in a commit that hangs).
    public var loopHeartbeat: Int {
        heartbeat.load(ordering: .relaxed)
    }

    /// True while a backlog drains: a batch ended on one of its caps, with more to read, in the last half second.
    /// (Under a stream twind keeps up with, a batch ends when the socket has nothing more to read.)
    public var isDrainingBacklog: Bool {
        let last = counters.withLock { $0.lastCappedAt }
        return last > 0 && monotonicMillis() - last < 500
    }

    func beat() {
        heartbeat.add(1, ordering: .relaxed)
    }

    var isStopRequested: Bool {
        state.withLock { $0.stopRequested }
    }

    func updateStatistics(_ body: (inout MQTTStatistics) -> Void) {
        counters.withLock { body(&$0) }
    }

    /// Logs a state transition and passes it to `onEvent`; called on the loop thread, outside every lock.
    func emit(_ event: MQTTConnectionEvent) {
        switch event {
        case .connecting(let attempt):
            logger.info("connecting", metadata: ["mqtt.attempt": "\(attempt)"])
        case .connected:
            logger.info("connected")
        case .subscribed(let filters):
            logger.info("subscribed", metadata: ["mqtt.subscriptions": "\(filters.joined(separator: " "))"])
        case .disconnected(let reason):
            logger.warning("disconnected", metadata: ["mqtt.reason": "\(reason)"])
        case .backingOff(let millis):
            logger.info("backing off before reconnecting", metadata: ["mqtt.delay_ms": "\(millis)"])
        }
        onEvent?(event)
    }
}
