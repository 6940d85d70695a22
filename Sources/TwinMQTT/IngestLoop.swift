import CMosquitto
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The ingest network loop. Created, run and destroyed on the client's loop thread, which alone touches the
/// libmosquitto handle (threaded mode, so libmosquitto never writes on its own: packets it queues, PUBACKs
/// included, reach the socket only in `mosquitto_loop_write`, which this loop calls only after a commit).
final class IngestLoop {
    private enum End {
        case stopped
        case failed(String)
    }

    private let client: MQTTIngestClient
    private let configuration: MQTTConfiguration
    private let sink: @Sendable ([InboundMessage]) throws -> Void
    private let outbox: (@Sendable () -> [OutboundMessage])?
    private var handle: OpaquePointer?

    /// Messages read in the current burst, not yet committed; their PUBACKs sit in libmosquitto's out queue.
    private var batch: [InboundMessage] = []
    private var batchBytes = 0
    private var batchStartedAt: Int64 = 0
    /// What the callbacks saw during the last `mosquitto_loop_read`, handled after it returns.
    private var connack: Int32?
    private var pendingSubscriptions: [Int32: String] = [:]
    private var acceptedSubscriptions: [String] = []
    private var refusedSubscriptions: [String] = []
    private var subscribedReported = false
    private var connected = false
    private var everConnected = false
    /// libmosquitto's error log lines of this attempt (a failed host name check is only reported there).
    private var libraryErrors: [String] = []
    /// OpenSSL's certificate verdict, read when libmosquitto logged an error with the handshake still in hand.
    private var tlsVerifyResult: Int?

    /// Broker must answer CONNECT within this time.
    private static let connackTimeoutMillis: Int64 = 10_000
    /// How long a clean disconnect may take to flush the last acks and the DISCONNECT.
    private static let flushTimeoutMillis: Int64 = 2_000

    init(client: MQTTIngestClient, sink: @escaping @Sendable ([InboundMessage]) throws -> Void,
         outbox: (@Sendable () -> [OutboundMessage])? = nil) {
        self.outbox = outbox
        self.client = client
        self.configuration = client.configuration
        self.sink = sink
    }

    func run() throws(MQTTError) {
        let handle = try Mosquitto.makeHandle(configuration, owner: Unmanaged.passUnretained(self).toOpaque())
        self.handle = handle
        defer {
            mosquitto_destroy(handle)
            self.handle = nil
        }
        mosquitto_threaded_set(handle, true)
        installCallbacks(handle)
        var backoff = Backoff(minMillis: configuration.reconnectMinDelayMillis,
                              maxMillis: configuration.reconnectMaxDelayMillis)
        var attempt = 0
        while !client.isStopRequested {
            attempt += 1
            client.emit(.connecting(attempt: attempt))
            libraryErrors = []
            tlsVerifyResult = nil
            let rc = Mosquitto.startConnect(handle, configuration, first: attempt == 1)
            let end = rc == MOSQ_ERR_SUCCESS.rawValue ? session(handle) : failed(handle, rc)
            if connected { backoff.reset() }
            connected = false
            client.updateStatistics { $0.isConnected = false }
            guard case .failed(let reason) = end else { return }
            client.emit(.disconnected(reason: reason))
            if client.isStopRequested { return }
            let delay = backoff.next()
            client.emit(.backingOff(millis: delay))
            backOff(millis: delay)
        }
    }

    /// Waits `millis` or until woken, beating at least once a second so a watchdog sees the loop alive.
    private func backOff(millis: Int) {
        let deadline = monotonicMillis() + Int64(millis)
        while true {
            client.beat()
            let left = deadline - monotonicMillis()
            if left <= 0 || client.wake.wait(millis: Int(min(left, 1_000))) { return }
        }
    }

    /// One connection, from the started connect until it fails or `stop()` is honoured.
    private func session(_ handle: OpaquePointer) -> End {
        resetSessionState()
        let startedAt = monotonicMillis()
        let idleMillis = Int32(min(1_000, max(100, configuration.keepAlive * 250)))
        let isTLS = configuration.tls != nil
        while true {
            client.beat()
            if client.isStopRequested { return closeCleanly(handle) }
            let fd = mosquitto_socket(handle)
            guard fd >= 0 else { return .failed("the connection was closed") }
            // Between batches: every batch read so far is committed, so queued publishes may leave with its acks.
            publishOutbox(handle)
            // Before the CONNACK a TLS handshake may be pending, during which loop_write does nothing: polling for
            // POLLOUT would spin, so write on a short timer instead.
            let pollWrite = mosquitto_want_write(handle) && (connected || !isTLS)
            var fds = [pollfd(fd: fd, events: Int16(POLLIN) | (pollWrite ? Int16(POLLOUT) : 0), revents: 0),
                       pollfd(fd: client.wake.readFD, events: Int16(POLLIN), revents: 0)]
            let timeout = !connected && isTLS ? min(idleMillis, 5) : idleMillis
            guard poll(&fds, 2, timeout) >= 0 || errno == EINTR else {
                return .failed("poll failed: \(String(cString: strerror(errno)))")
            }
            if fds[1].revents != 0 {
                client.wake.drain()
                continue
            }
            let revents = Int32(fds[0].revents)
            if revents & Int32(POLLOUT) != 0 || (!connected && isTLS && mosquitto_want_write(handle)) {
                if let end = write(handle) { return end }
            }
            if revents & Int32(POLLIN | POLLHUP | POLLERR) != 0 {
                if let end = readBatch(handle, fd: fd) { return end }
                if !connected && revents & Int32(POLLHUP | POLLERR) != 0 {
                    return .failed("the connection closed before the broker answered CONNECT "
                                   + "(is the port right, and is it a TLS listener for mqtts:// or a plain one for mqtt://?)")
                }
            }
            // Called only with the batch committed and written: its PINGREQ is only queued (threaded mode).
            let rc = mosquitto_loop_misc(handle)
            guard rc == MOSQ_ERR_SUCCESS.rawValue else { return .failed(Mosquitto.errorString(rc)) }
            if !connected && monotonicMillis() - startedAt > Self.connackTimeoutMillis {
                return .failed("the broker did not answer CONNECT within \(Self.connackTimeoutMillis / 1000) s")
            }
        }
    }

    /// Reads one burst, commits it, then writes its acks (and whatever else is queued).
    private func readBatch(_ handle: OpaquePointer, fd: Int32) -> End? {
        while true {
            let rc = mosquitto_loop_read(handle, 1)
            if let end = handleCallbacks(handle) { return end }
            guard rc == MOSQ_ERR_SUCCESS.rawValue else {
                // Unacknowledged: the broker redelivers what was read of this burst.
                discardBatch()
                return failed(handle, rc)
            }
            if isBatchFull() {
                // Full with more waiting to be read: a backlog drains (the forwarder yields to it).
                var more = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                if poll(&more, 1, 0) > 0 {
                    client.updateStatistics {
                        $0.cappedBatches += 1
                        $0.lastCappedAt = monotonicMillis()
                    }
                }
                break
            }
            // Before the CONNACK a read can succeed without progress while the socket stays readable (a refused or
            // closed TLS connection reports POLLHUP forever): back to the session loop, which checks stop() and
            // the CONNACK timeout.
            if !connected { break }
            var probe = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&probe, 1, 0) <= 0 { break }
        }
        if !batch.isEmpty, let end = commit(fd: fd) { return end }
        return write(handle)
    }

    private func isBatchFull() -> Bool {
        guard !batch.isEmpty else { return false }
        return batch.count >= configuration.batchMaxMessages || batchBytes >= configuration.batchMaxBytes
            || monotonicMillis() - batchStartedAt >= Int64(configuration.batchMaxDelayMillis)
    }

    /// Hands the batch to the sink. On a throw the socket is shut down before anything is written, so the queued
    /// PUBACKs never leave; `mosquitto_reconnect*` then discards them with the rest of the out queue.
    private func commit(fd: Int32) -> End? {
        let messages = batch
        let count = messages.count
        discardBatch()
        client.updateStatistics { $0.messagesReceived += count }
        do {
            // One loop_read may return several packets (TLS records): the cap is kept by splitting, all before
            // the acks are written.
            for start in stride(from: 0, to: count, by: configuration.batchMaxMessages) {
                try sink(Array(messages[start..<min(count, start + configuration.batchMaxMessages)]))
            }
        } catch {
            shutdown(fd, Int32(SHUT_RDWR))
            client.logger.error("batch not committed; dropping the connection so the broker redelivers it",
                                metadata: ["mqtt.batch_size": "\(count)", "mqtt.error": "\(error)"])
            return .failed("the batch of \(count) messages was not committed: \(error)")
        }
        let chunk = configuration.batchMaxMessages
        let chunks = (count + chunk - 1) / chunk
        client.updateStatistics {
            $0.batchesCommitted += chunks
            $0.lastBatchSize = count - (chunks - 1) * chunk
        }
        return nil
    }

    /// Queues the outbox's messages (threaded mode: nothing is written before the next `loop_write`).
    private func publishOutbox(_ handle: OpaquePointer) {
        guard connected, let outbox else { return }
        for message in outbox() {
            let rc = message.payload.withUnsafeBytes { bytes in
                mosquitto_publish(handle, nil, message.topic, Int32(bytes.count), bytes.baseAddress,
                                  Int32(message.qos), message.retain)
            }
            if rc != MOSQ_ERR_SUCCESS.rawValue {
                client.logger.warning("could not queue an outgoing message", metadata: [
                    "mqtt.topic": "\(message.topic)", "mqtt.reason": "\(Mosquitto.errorString(rc))",
                ])
            }
        }
    }

    private func write(_ handle: OpaquePointer) -> End? {
        guard mosquitto_want_write(handle) else { return nil }
        // Each call of packet__write drains what it can; the count only bounds the retries.
        let rc = mosquitto_loop_write(handle, 64)
        return rc == MOSQ_ERR_SUCCESS.rawValue ? nil : failed(handle, rc)
    }

    /// Sends the acks still queued and a DISCONNECT, waiting at most `flushTimeoutMillis`.
    private func closeCleanly(_ handle: OpaquePointer) -> End {
        guard connected else { return .stopped }
        mosquitto_disconnect(handle)
        let deadline = monotonicMillis() + Self.flushTimeoutMillis
        while mosquitto_want_write(handle) && monotonicMillis() < deadline {
            let fd = mosquitto_socket(handle)
            guard fd >= 0 else { break }
            var probe = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            _ = poll(&probe, 1, 100)
            if mosquitto_loop_write(handle, 64) != MOSQ_ERR_SUCCESS.rawValue { break }
        }
        client.logger.info("disconnected cleanly")
        return .stopped
    }

    /// `.failed` with libmosquitto's reason, or for a failed TLS handshake, with what was wrong with it.
    private func failed(_ handle: OpaquePointer, _ rc: Int32) -> End {
        guard let tls = configuration.tls, !connected, rc == MOSQ_ERR_TLS.rawValue else {
            return .failed(Mosquitto.errorString(rc))
        }
        return .failed(TLSDiagnosis.reason(host: configuration.host, caFile: tls.caFile,
                                           verifyResult: TLSDiagnosis.verifyResult(handle) ?? tlsVerifyResult,
                                           libraryErrors: libraryErrors))
    }

    private func discardBatch() {
        batch.removeAll(keepingCapacity: true)
        batchBytes = 0
    }

    private func resetSessionState() {
        discardBatch()
        connack = nil
        pendingSubscriptions = [:]
        acceptedSubscriptions = []
        refusedSubscriptions = []
        subscribedReported = false
        connected = false
    }

    // MARK: Callbacks (run inside mosquitto_loop_read, on this thread, with libmosquitto's callback lock held)

    private func installCallbacks(_ handle: OpaquePointer) {
        mosquitto_connect_callback_set(handle) { handle, owner, code in
            guard let handle, let owner else { return }
            Unmanaged<IngestLoop>.fromOpaque(owner).takeUnretainedValue().onConnect(handle, code: code)
        }
        mosquitto_subscribe_callback_set(handle) { _, owner, mid, count, granted in
            guard let owner else { return }
            let qos = granted.map { Array(UnsafeBufferPointer(start: $0, count: Int(count))) } ?? []
            Unmanaged<IngestLoop>.fromOpaque(owner).takeUnretainedValue().onSubscribe(mid: mid, granted: qos)
        }
        mosquitto_log_callback_set(handle) { handle, owner, level, text in
            guard let handle, let owner, let text, level == MOSQ_LOG_ERR else { return }
            let loop = Unmanaged<IngestLoop>.fromOpaque(owner).takeUnretainedValue()
            if loop.libraryErrors.count < 16 { loop.libraryErrors.append(String(cString: text)) }
            if loop.configuration.tls != nil, let result = TLSDiagnosis.verifyResult(handle) {
                loop.tlsVerifyResult = result
            }
        }
        mosquitto_message_callback_set(handle) { _, owner, message in
            guard let owner, let message else { return }
            Unmanaged<IngestLoop>.fromOpaque(owner).takeUnretainedValue().onMessage(message.pointee)
        }
    }

    private func onConnect(_ handle: OpaquePointer, code: Int32) {
        connack = code
        guard code == 0 else { return }
        for filter in configuration.subscriptions {
            var mid: Int32 = 0
            let rc = mosquitto_subscribe(handle, &mid, filter, 1)
            if rc == MOSQ_ERR_SUCCESS.rawValue {
                pendingSubscriptions[mid] = filter
            } else {
                refusedSubscriptions.append("\(filter) (\(Mosquitto.errorString(rc)))")
            }
        }
    }

    private func onSubscribe(mid: Int32, granted: [Int32]) {
        guard let filter = pendingSubscriptions.removeValue(forKey: mid) else { return }
        if granted.contains(where: { $0 > 2 }) {
            refusedSubscriptions.append(filter)
        } else {
            acceptedSubscriptions.append(filter)
        }
    }

    private func onMessage(_ message: mosquitto_message) {
        let payload: [UInt8] = message.payload.map {
            Array(UnsafeRawBufferPointer(start: $0, count: Int(message.payloadlen)))
        } ?? []
        let topic = message.topic.map { String(cString: $0) } ?? ""
        if batch.isEmpty { batchStartedAt = monotonicMillis() }
        batch.append(InboundMessage(topic: topic, payload: payload, qos: Int(message.qos), retain: message.retain,
                                    receivedAt: unixMillis()))
        batchBytes += payload.count + topic.utf8.count
    }

    /// Turns what the callbacks recorded into state changes and events, outside libmosquitto's lock.
    private func handleCallbacks(_ handle: OpaquePointer) -> End? {
        if let code = connack {
            connack = nil
            guard code == 0 else {
                let reason = Mosquitto.connackString(code, version: configuration.protocolVersion)
                client.logger.error("the broker refused the connection", metadata: ["mqtt.reason": "\(reason)"])
                return .failed("the broker refused the connection: \(reason)")
            }
            connected = true
            let isReconnect = everConnected
            everConnected = true
            client.updateStatistics {
                $0.isConnected = true
                if isReconnect { $0.reconnects += 1 }
            }
            client.emit(.connected)
        }
        if !refusedSubscriptions.isEmpty {
            client.logger.error("the broker refused subscriptions",
                                metadata: ["mqtt.subscriptions": "\(refusedSubscriptions.joined(separator: " "))"])
            refusedSubscriptions = []
        }
        if connected && pendingSubscriptions.isEmpty && !subscribedReported {
            subscribedReported = true
            client.emit(.subscribed(acceptedSubscriptions))
        }
        return nil
    }
}
