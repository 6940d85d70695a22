import CMosquitto

/// Publishes at QoS 1 and counts PUBACKs, for `twind simulate` and tests.
///
/// libmosquitto's own network thread (`mosquitto_loop_start`) drives the handle; `mosquitto_publish` is
/// thread-safe in that mode and only queues. The broker connection is re-established by that thread if lost.
public final class MQTTPublisher: Sendable {
    private let configuration: MQTTConfiguration
    private let maxInFlight: Int
    /// Used from the caller's threads only through libmosquitto's thread-safe calls; destroyed in `deinit`.
    nonisolated(unsafe) private let handle: OpaquePointer
    private let monitor = Monitor(State())

    private struct State {
        var connack: Int32?
        var connected = false
        var loopRunning = false
        var inFlight = 0
        var acknowledged = 0
    }

    /// How long `publish` waits for room in the in-flight window before it throws.
    private static let windowTimeout: Duration = .seconds(60)

    public init(configuration: MQTTConfiguration, maxInFlight: Int = 1000) throws(MQTTError) {
        var configuration = configuration
        if configuration.subscriptions.isEmpty { configuration.subscriptions = ["#"] }  // unused by a publisher
        self.configuration = configuration
        self.maxInFlight = max(1, maxInFlight)
        handle = try Mosquitto.makeHandle(configuration, owner: nil)
        mosquitto_user_data_set(handle, Unmanaged.passUnretained(self).toOpaque())
        mosquitto_max_inflight_messages_set(handle, UInt32(min(self.maxInFlight, 65_535)))
        mosquitto_connect_callback_set(handle) { _, owner, code in
            guard let owner else { return }
            Unmanaged<MQTTPublisher>.fromOpaque(owner).takeUnretainedValue().monitor.withLock {
                $0.connack = code
                $0.connected = code == 0
            }
        }
        mosquitto_disconnect_callback_set(handle) { _, owner, _ in
            guard let owner else { return }
            Unmanaged<MQTTPublisher>.fromOpaque(owner).takeUnretainedValue().monitor.withLock { $0.connected = false }
        }
        mosquitto_publish_callback_set(handle) { _, owner, _ in
            guard let owner else { return }
            Unmanaged<MQTTPublisher>.fromOpaque(owner).takeUnretainedValue().monitor.withLock {
                $0.inFlight -= 1
                $0.acknowledged += 1
            }
        }
    }

    deinit {
        mosquitto_loop_stop(handle, true)
        mosquitto_destroy(handle)
    }

    /// Connects and waits for the broker's CONNACK.
    public func connect(timeout: Duration) throws(MQTTError) {
        try Mosquitto.check(Mosquitto.startConnect(handle, configuration, first: true),
                            "connecting to \(configuration.url)")
        let alreadyRunning = monitor.withLock { state -> Bool in
            defer { state.loopRunning = true }
            return state.loopRunning
        }
        if !alreadyRunning {
            try Mosquitto.check(mosquitto_loop_start(handle), "starting the network thread")
        }
        _ = monitor.wait(timeout: timeout) { $0.connack != nil }
        let connack = monitor.withLock { $0.connack }
        guard let connack else {
            throw MQTTError(.timeout, "no CONNACK from \(configuration.url) within \(timeout)")
        }
        guard connack == 0 else {
            throw MQTTError(.connectionRefused, "\(configuration.url) refused the connection",
                            reason: Mosquitto.connackString(connack, version: configuration.protocolVersion))
        }
    }

    /// Queues one message; blocks while `maxInFlight` messages are unacknowledged.
    public func publish(topic: String, payload: [UInt8], qos: Int = 1, retain: Bool = false) throws(MQTTError) {
        guard monitor.wait(timeout: Self.windowTimeout, until: { $0.inFlight < maxInFlight }) else {
            throw MQTTError(.timeout, "\(maxInFlight) messages stayed unacknowledged for \(Self.windowTimeout)")
        }
        monitor.withLock { $0.inFlight += 1 }
        let rc = payload.withUnsafeBytes { bytes in
            mosquitto_publish(handle, nil, topic, Int32(bytes.count), bytes.baseAddress, Int32(qos), retain)
        }
        guard rc == MOSQ_ERR_SUCCESS.rawValue else {
            monitor.withLock { $0.inFlight -= 1 }
            let code: MQTTError.Code = rc == MOSQ_ERR_NO_CONN.rawValue ? .notConnected : .library
            throw MQTTError(code, "publishing to \(topic) failed", reason: Mosquitto.errorString(rc))
        }
    }

    /// Waits until every published message is acknowledged (QoS 1) or sent (QoS 0).
    public func waitForAllAcks(timeout: Duration) throws(MQTTError) {
        guard monitor.wait(timeout: timeout, until: { $0.inFlight == 0 }) else {
            let left = monitor.withLock { $0.inFlight }
            throw MQTTError(.timeout, "\(left) messages were still unacknowledged after \(timeout)")
        }
    }

    /// Sends DISCONNECT and stops the network thread. Idempotent.
    public func disconnect() {
        let wasRunning = monitor.withLock { state -> Bool in
            defer { state.loopRunning = false }
            return state.loopRunning
        }
        guard wasRunning else { return }
        let connected = monitor.withLock { $0.connected }
        if connected && mosquitto_disconnect(handle) == MOSQ_ERR_SUCCESS.rawValue {
            mosquitto_loop_stop(handle, false)
        } else {
            mosquitto_loop_stop(handle, true)
        }
    }

    /// Messages acknowledged so far.
    public var acknowledged: Int {
        monitor.withLock { $0.acknowledged }
    }
}
