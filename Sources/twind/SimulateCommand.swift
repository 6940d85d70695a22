import ArgumentParser
import Foundation
import TwinDaemon

struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Publish a simulated fleet of pumps (temp, pressure, vibration, current) at QoS 1.",
        discussion: """
            Every message is published at QoS 1 and counted as sent only when the broker acknowledged it. \
            One pump in ten wears out: its vibration and temperature creep up.

            Examples:
              twind simulate --broker mqtt://127.0.0.1:1883 \\
                  --assets 50 --rate 200 --duration 30
              twind simulate --broker mqtt://127.0.0.1:1883 \\
                  --assets 1000 --rate 0 --count 200000
            """)

    @Option(name: .long, help: "Broker URL, mqtt://HOST[:PORT].")
    var broker: String = "mqtt://127.0.0.1:1883"
    @Option(name: .long, help: "Number of pumps (assets pump-0001, pump-0002, ...).")
    var assets: Int = 10
    @Option(name: .long, help: "Messages per second in total; 0 = as fast as the broker acknowledges.")
    var rate: Double = 100
    @Option(name: .long, help: "Stop after this many seconds.")
    var duration: Double?
    @Option(name: .long, help: "Stop after this many messages.")
    var count: Int?
    @Option(name: .long, help: "Payload format: json (twin/<asset>/telemetry), senml (twin/<asset>/senml) or number (twin/<asset>/telemetry/<metric>).")
    var format: String = "json"
    @Option(name: .long, help: "Make every Nth message malformed, to see the quarantine at work.")
    var badEvery: Int?
    @Option(name: .long, help: "Seed of the fleet's random walk (same seed, same values).")
    var seed: UInt64 = 1
    @Option(name: .long, help: "Faults to grow, comma-separated: bearing-wear, overheat, sensor-dropout, stuck-sensor, drift. Scenario k runs on the pumps whose number ends in 4+k.")
    var scenario: String?
    @Flag(name: .long, help: "Print nothing but the final line.")
    var quiet = false

    func validate() throws {
        guard broker.hasPrefix("mqtt://") || broker.hasPrefix("mqtts://") else {
            throw ValidationError("--broker takes a URL like mqtt://127.0.0.1:1883")
        }
        guard assets >= 1 else { throw ValidationError("--assets takes a number of pumps, 1 or more, e.g. --assets 10") }
        guard rate >= 0 else { throw ValidationError("--rate takes messages per second, e.g. --rate 100 (0 = flat out)") }
        guard FleetModel.Format(rawValue: format) != nil else {
            throw ValidationError("--format takes json, senml or number")
        }
        if duration == nil && count == nil {
            throw ValidationError("say when to stop: --duration SECONDS or --count MESSAGES (or both)")
        }
        if let badEvery, badEvery < 2 { throw ValidationError("--bad-every takes 2 or more, e.g. --bad-every 100") }
        _ = try scenarios()
    }

    func scenarios() throws -> [FleetModel.Scenario] {
        guard let scenario else { return [] }
        return try scenario.split(separator: ",").map { name in
            guard let value = FleetModel.Scenario(rawValue: String(name)) else {
                let known = FleetModel.Scenario.allCases.map(\.rawValue).joined(separator: ", ")
                throw ValidationError("--scenario '\(name)' is unknown: use one or more of \(known), "
                                      + "e.g. --scenario bearing-wear,overheat")
            }
            return value
        }
    }

    func run() throws {
        var options = FleetSimulator.Options(broker: broker, assets: assets, rate: rate)
        options.count = count
        options.durationMillis = duration.map { Int64($0 * 1_000) }
        options.format = FleetModel.Format(rawValue: format) ?? .json
        options.badEvery = badEvery
        options.seed = seed
        options.scenarios = try scenarios()
        let quiet = self.quiet
        let result = try FleetSimulator(options: options).run { progress in
            guard !quiet else { return }
            printError("simulate: \(progress.sent) sent (\(Int(Double(progress.sent) / progress.elapsedSeconds)) msg/s)")
        }
        let rate = Int(Double(result.sent) / max(result.elapsedSeconds, 1e-3))
        print("simulate: \(result.sent) messages acknowledged by the broker (\(result.malformed) malformed on purpose) "
              + "in \(String(format: "%.1f", result.elapsedSeconds)) s, \(rate) msg/s")
    }
}
