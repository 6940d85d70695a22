import Foundation
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

    /// What snapshotting every twin costs, in the compact form the daemon writes and in the JSON it wrote before
    /// (the baseline, measured in the same run): encode and decode time per twin, bytes per twin. Run after `run`,
    /// so the twins carry their rule windows. Each form is timed over `rounds` passes, and the fastest pass kept.
    public func snapshotCost(rounds: Int = 5) throws -> SnapshotCost {
        let documents = model.twins.twins.keys.sorted().compactMap { asset in
            model.snapshot(of: asset).map { SnapshotDocument(twin: $0.twin, rules: $0.rules) }
        }
        let json = JSONEncoder()
        json.outputFormatting = .sortedKeys
        var cost = SnapshotCost(twins: documents.count)
        let clock = ContinuousClock()
        func fastest(_ body: () throws -> Void) rethrows -> Double {
            var best = Duration.seconds(1_000_000)
            for _ in 0..<rounds { best = min(best, try clock.measure(body)) }
            let seconds = Double(best.components.seconds) + Double(best.components.attoseconds) * 1e-18
            return seconds * 1e6 / Double(max(1, documents.count))
        }
        var compact: [[UInt8]] = [], text: [Data] = []
        cost.compactEncodeMicros = try fastest { compact = try documents.map { try $0.encoded() } }
        cost.jsonEncodeMicros = try fastest { text = try documents.map { try json.encode($0) } }
        cost.compactDecodeMicros = try fastest { for bytes in compact { _ = try SnapshotDocument.decode(bytes) } }
        cost.jsonDecodeMicros = try fastest { for data in text { _ = try SnapshotDocument.decode(Array(data)) } }
        cost.compactBytes = Double(compact.reduce(0) { $0 + $1.count }) / Double(max(1, documents.count))
        cost.jsonBytes = Double(text.reduce(0) { $0 + $1.count }) / Double(max(1, documents.count))
        return cost
    }

    public struct SnapshotCost: Sendable {
        public var twins: Int
        public var compactEncodeMicros = 0.0, jsonEncodeMicros = 0.0
        public var compactDecodeMicros = 0.0, jsonDecodeMicros = 0.0
        public var compactBytes = 0.0, jsonBytes = 0.0
    }
}
