import Foundation
import TwinMQTT

/// Publishes a simulated fleet's telemetry at QoS 1 and waits for every PUBACK, so what it reports as sent the
/// broker really has.
public struct FleetSimulator: Sendable {
    public struct Options: Sendable {
        public var broker: String
        public var assets: Int
        /// Messages per second; 0 publishes as fast as the broker acknowledges.
        public var rate: Double
        public var count: Int?
        public var durationMillis: Int64?
        public var format: FleetModel.Format = .json
        /// Every Nth message is replaced by a malformed one (to show the quarantine); nil for none.
        public var badEvery: Int?
        public var clientID = "twind-simulate-\(getpid())"
        public var maxInFlight = 1_000
        public var seed: UInt64 = 1
        public var scenarios: [FleetModel.Scenario] = []

        public init(broker: String, assets: Int, rate: Double) {
            self.broker = broker
            self.assets = assets
            self.rate = rate
        }
    }

    public struct Progress: Sendable {
        public var sent: Int
        public var malformed: Int
        public var elapsedSeconds: Double
    }

    public let options: Options

    public init(options: Options) {
        self.options = options
    }

    /// Publishes until `count` messages or `durationMillis` (whichever is given; both: the first reached).
    public func run(progress: (Progress) -> Void = { _ in }) throws -> Progress {
        var mqtt = try MQTTConfiguration(url: options.broker, clientID: options.clientID, subscriptions: [])
        mqtt.cleanSession = true
        let publisher = try MQTTPublisher(configuration: mqtt, maxInFlight: options.maxInFlight)
        try publisher.connect(timeout: .seconds(10))
        defer { publisher.disconnect() }
        var model = FleetModel(assets: options.assets, format: options.format, seed: options.seed,
                               scenarios: options.scenarios)
        let start = Date()
        var status = Progress(sent: 0, malformed: 0, elapsedSeconds: 0)
        var lastReport = start
        func elapsed() -> Double { Date().timeIntervalSince(start) }
        func done() -> Bool {
            if let count = options.count, status.sent >= count { return true }
            if let duration = options.durationMillis, elapsed() * 1_000 >= Double(duration) { return true }
            return false
        }
        while !done() {
            if options.rate > 0 {
                let due = Double(status.sent) / options.rate
                let ahead = due - elapsed()
                if ahead > 0.000_5 { Thread.sleep(forTimeInterval: min(ahead, 0.1)); continue }
            }
            let now = Int64(Date().timeIntervalSince1970 * 1_000)
            for message in model.nextMessages(now: now) {
                if let count = options.count, status.sent >= count { break }
                if let every = options.badEvery, every > 0, (status.sent + 1) % every == 0 {
                    try publisher.publish(topic: message.topic, payload: Self.malformed(status.malformed))
                    status.malformed += 1
                } else {
                    try publisher.publish(topic: message.topic, payload: message.payload)
                }
                status.sent += 1
            }
            if Date().timeIntervalSince(lastReport) >= 1 {
                lastReport = Date()
                status.elapsedSeconds = elapsed()
                progress(status)
            }
        }
        try publisher.waitForAllAcks(timeout: .seconds(60))
        status.elapsedSeconds = elapsed()
        return status
    }

    /// Bad payloads of several kinds, in turn.
    static func malformed(_ n: Int) -> [UInt8] {
        let samples: [[UInt8]] = [
            Array("{\"temp\": 71.5,".utf8),         // truncated JSON
            Array("{\"ts\": 1, \"temp\": 20}".utf8), // a timestamp from 1970: older than the retention
            [0xFF, 0xFE, 0x00, 0x41],                // not UTF-8
            Array("{\"temp\": NaN}".utf8),          // not JSON
        ]
        return samples[n % samples.count]
    }
}
