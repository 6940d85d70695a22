/// One message received from the broker, copied out of libmosquitto's buffers.
public struct InboundMessage: Sendable, Equatable {
    public var topic: String
    public var payload: [UInt8]
    public var qos: Int
    public var retain: Bool
    /// Unix time in milliseconds when the message was read from the socket.
    public var receivedAt: Int64

    public init(topic: String, payload: [UInt8], qos: Int, retain: Bool, receivedAt: Int64) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.receivedAt = receivedAt
    }
}

/// A change in the state of the ingest connection, reported once per transition.
public enum MQTTConnectionEvent: Sendable, Equatable {
    case connecting(attempt: Int)
    case connected
    case subscribed([String])
    case disconnected(reason: String)
    case backingOff(millis: Int)
}

/// Counters of an `MQTTIngestClient`, read at any time from any thread.
public struct MQTTStatistics: Sendable, Equatable {
    /// Messages read from the broker, including ones that were redelivered after a failed batch.
    public var messagesReceived: Int = 0
    /// Batches the sink returned from normally.
    public var batchesCommitted: Int = 0
    /// Successful connections after the first one.
    public var reconnects: Int = 0
    /// Whether the broker has accepted the current connection.
    public var isConnected: Bool = false
    /// The size of the last batch handed to the sink.
    public var lastBatchSize: Int = 0
    /// Batches that ended on a cap (messages, bytes or delay) with more already waiting on the socket: a backlog
    /// draining.
    public var cappedBatches: Int = 0
    /// When the last of those was read (monotonic milliseconds; 0 for never).
    public var lastCappedAt: Int64 = 0

    public init() {}
}
