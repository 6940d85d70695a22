import TwinCore
import TwinStore

/// The daemon's per-message work without a broker or a database, for instruction counts under callgrind
/// (`twind profile-pipeline`): the standard stream's messages are built in memory first, then decoded, applied to
/// the twins and run through the rules as ``IngestPipeline/process(_:)`` does, batch by batch; batches are
/// dropped instead of committed.
public struct PipelineProfile {
    public struct Result: Sendable {
        public var messages: Int
        /// Decoded readings (4 per message of the standard stream).
        public var readings: Int
        /// Readings the derived metrics added.
        public var derived: Int
        public var alertTransitions: Int
        public var quarantined: Int
    }

    private let decoder: MessageDecoder
    private var model: TwinModel
    private let batchSize: Int

    public init(config: TwinConfiguration) throws {
        decoder = MessageDecoder(routes: try config.routes(), limits: config.decodeLimits)
        model = TwinModel(rules: try RuleEngine(rules: config.rules, metrics: config.derivedMetrics))
        batchSize = config.mqtt.batchMaxMessages
    }

    /// `count` messages of the standard stream (`twin/pump-NNNN/telemetry`, JSON with `ts` and 4 metrics, from
    /// `assets` pumps), as `twind simulate` publishes them, one millisecond apart.
    public static func standardStream(count: Int, assets: Int = 1_000, start: Int64 = 1_764_000_000_000)
        -> [(topic: String, payload: [UInt8])] {
        var model = FleetModel(assets: assets, seed: 1)
        var messages: [(topic: String, payload: [UInt8])] = []
        messages.reserveCapacity(count)
        var clock = start
        while messages.count < count {
            messages += model.nextMessages(now: clock)
            clock += 1
        }
        return Array(messages.prefix(count))
    }

    /// Runs `messages` through decode, twins and rules; the only function to count instructions in.
    @inline(never)
    public mutating func run(_ messages: [(topic: String, payload: [UInt8])], receivedAt: Int64) -> Result {
        var result = Result(messages: messages.count, readings: 0, derived: 0, alertTransitions: 0, quarantined: 0)
        for start in stride(from: 0, to: messages.count, by: batchSize) {
            let slice = messages[start..<min(start + batchSize, messages.count)]
            var batch = IngestBatch()
            batch.readings.reserveCapacity(slice.count * 4)
            for message in slice {
                // As IngestPipeline.process: control topics first (none in this stream), then the decoder.
                if ControlMessage.parse(topic: message.topic, payload: message.payload, receivedAt: receivedAt) != nil {
                    continue
                }
                let decoded = message.payload.withUnsafeBytes {
                    decoder.decode(topic: message.topic, payload: $0, receivedAt: receivedAt)
                }
                switch decoded {
                case .decoded(let readings, let properties):
                    for property in properties { model.apply(property) }
                    batch.properties.append(contentsOf: properties)
                    for reading in readings {
                        let before = batch.readings.count
                        model.apply(reading, transitions: &batch.alerts, derived: &batch.readings)
                        result.derived += batch.readings.count - before
                        batch.readings.append(reading)
                        result.readings += 1
                    }
                case .quarantined:
                    result.quarantined += 1
                }
            }
            result.alertTransitions += batch.alerts.count
        }
        return result
    }
}
