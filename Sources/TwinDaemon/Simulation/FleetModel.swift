import TwinCore

/// A deterministic fleet of pumps whose telemetry drifts and, for some, degrades: the payloads `twind simulate`
/// publishes. Pure, so tests can predict exactly what was sent.
public struct FleetModel: Sendable {
    public enum Format: String, Sendable, CaseIterable {
        case json, senml, number
    }

    /// A fault grown on some pumps, starting after `onset` messages of that pump.
    public enum Scenario: String, Sendable, CaseIterable {
        /// Vibration trends upwards, temperature follows.
        case bearingWear = "bearing-wear"
        /// Temperature climbs fast.
        case overheat
        /// The pump stops publishing.
        case sensorDropout = "sensor-dropout"
        /// Pressure freezes at one value.
        case stuckSensor = "stuck-sensor"
        /// Pressure creeps away slowly.
        case drift
    }

    /// Messages of a pump before its fault starts (lets the rules warm up).
    public static let onset = 30

    /// The share of the distance to its setpoint a reading recovers each step.
    static let reversion = 0.1

    struct Pump: Sendable {
        var temp: Double
        var pressure: Double
        var vibration: Double
        var current: Double
        /// Where a healthy pump's readings return to (noise is mean-reverting, not a random walk); faults move them.
        var setpoints: (temp: Double, pressure: Double, vibration: Double, current: Double)
        /// Vibration growth per message for a degrading pump, 0 for a healthy one.
        var wear: Double
        var scenario: Scenario?
        var step = 0
        var lastTimestamp: Int64 = 0
    }

    public let assetPrefix: String
    public let format: Format
    private var pumps: [Pump]
    private var rng: SplitMix64
    private var next = 0

    /// Without scenarios one pump in ten (pump-0004, pump-0014, …) wears slowly. With them, scenario k runs on the
    /// pumps whose number ends in 4 + k (bearing-wear on pump-0004, overheat on pump-0005, …), the rest are healthy.
    public init(assets: Int, format: Format = .json, assetPrefix: String = "pump-", seed: UInt64 = 1,
                scenarios: [Scenario] = []) {
        self.assetPrefix = assetPrefix
        self.format = format
        var rng = SplitMix64(seed: seed)
        pumps = (0..<assets).map { index in
            let slot = index % 10 - 3
            let scenario = scenarios.indices.contains(slot) ? scenarios[slot] : nil
            let (temp, pressure) = (55 + rng.unit() * 10, 1.8 + rng.unit() * 0.4)
            let (vibration, current) = (0.02 + rng.unit() * 0.01, 10 + rng.unit() * 4)
            return Pump(temp: temp, pressure: pressure, vibration: vibration, current: current,
                        setpoints: (temp, pressure, vibration, current),
                        wear: scenarios.isEmpty && index % 10 == 3 ? 0.000_2 : 0, scenario: scenario)
        }
        self.rng = rng
    }

    public var assetCount: Int { pumps.count }

    public func assetID(_ index: Int) -> String {
        let digits = String(index + 1)
        return assetPrefix + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    public static let metrics = ["temp", "pressure", "vibration", "current"]

    /// The next asset's next set of readings as MQTT messages (one for json and senml, one per metric for number).
    /// Timestamps strictly increase per asset, so every reading is distinct even at high rates.
    public mutating func nextMessages(now: Int64) -> [(topic: String, payload: [UInt8])] {
        let index = next
        next = (next + 1) % pumps.count
        var pump = pumps[index]
        pump.step += 1
        let faulty = pump.step > Self.onset ? pump.scenario : nil
        if faulty == .sensorDropout && pump.step > Self.onset + 20 {
            pumps[index] = pump
            return []
        }
        // Faults move the setpoints; the readings follow with noise that pulls back towards them (10 % a step).
        pump.setpoints.temp += pump.wear * 20
        pump.setpoints.vibration += pump.wear
        switch faulty {
        case .bearingWear:
            pump.setpoints.vibration += 0.000_6
            pump.setpoints.temp += 0.01
        case .overheat:
            pump.setpoints.temp += 0.25
        case .drift:
            pump.setpoints.pressure += 0.002
        case .sensorDropout, .stuckSensor, nil:
            break
        }
        func follow(_ value: Double, _ setpoint: Double, noise: Double) -> Double {
            value + Self.reversion * (setpoint - value) + noise
        }
        pump.temp = follow(pump.temp, pump.setpoints.temp, noise: (rng.unit() - 0.5) * 0.4)
        let pressureNoise = (rng.unit() - 0.5) * 0.02
        if faulty != .stuckSensor {
            pump.pressure = follow(pump.pressure, pump.setpoints.pressure, noise: pressureNoise)
        }
        pump.vibration = max(0.001, follow(pump.vibration, pump.setpoints.vibration,
                                           noise: (rng.unit() - 0.5) * 0.002))
        pump.current = follow(pump.current, pump.setpoints.current, noise: (rng.unit() - 0.5) * 0.1)
        pump.lastTimestamp = max(now, pump.lastTimestamp + 1)
        pumps[index] = pump
        let asset = assetID(index)
        let values = [pump.temp, pump.pressure, pump.vibration, pump.current].map { ($0 * 10_000).rounded() / 10_000 }
        let ts = pump.lastTimestamp
        switch format {
        case .json:
            let fields = zip(Self.metrics, values).map { "\"\($0)\":\($1)" }.joined(separator: ",")
            return [("twin/\(asset)/telemetry", Array("{\"ts\":\(ts),\(fields)}".utf8))]
        case .senml:
            let seconds = Double(ts) / 1_000
            let records = zip(Self.metrics, values).enumerated().map { offset, pair in
                offset == 0 ? "{\"bn\":\"\",\"bt\":\(seconds),\"n\":\"\(pair.0)\",\"v\":\(pair.1)}"
                    : "{\"n\":\"\(pair.0)\",\"v\":\(pair.1)}"
            }
            return [("twin/\(asset)/senml", Array("[\(records.joined(separator: ","))]".utf8))]
        case .number:
            return zip(Self.metrics, values).map { ("twin/\(asset)/telemetry/\($0)", Array("\($1)".utf8)) }
        }
    }

    /// Readings per message set: what `nextMessages` produces for one asset.
    public var readingsPerStep: Int { Self.metrics.count }
}
