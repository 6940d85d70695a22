import ArgumentParser
import TwinDaemon

struct ProfilePipelineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile-pipeline",
        abstract: "Run the standard stream through decode, twins and rules in memory (benchmarks).",
        discussion: """
            No broker, no database: --messages messages of the standard stream (twin/pump-NNNN/telemetry, JSON \
            with ts and 4 metrics, 1,000 pumps) are built first, then processed as the daemon processes a batch, \
            without the commit. Made for `valgrind --tool=callgrind`: run it at two sizes and divide the difference \
            of instructions by the difference of readings, so start-up cancels (scripts/bench does).
            """,
        shouldDisplay: false)

    @Option(name: .long, help: "Messages to process.")
    var messages: Int = 10_000
    @Option(name: .long, help: "The config whose routes, rules and derived metrics to use.")
    var config: String = "Config/twind.yaml"
    @Flag(name: .long, help: "Then time snapshotting every twin: the compact form against JSON, per twin.")
    var snapshots = false

    func validate() throws {
        if messages < 1 { throw ValidationError("--messages takes a number of messages, 1 or more") }
    }

    func run() throws {
        let settings: TwinConfiguration
        do {
            settings = try TwinConfiguration.load(path: config)
        } catch let error as ConfigError {
            printError(error.description)
            throw ExitCode(78)
        }
        let start: Int64 = 1_764_000_000_000
        let stream = PipelineProfile.standardStream(count: messages, start: start)
        var profile = try PipelineProfile(config: settings)
        let result = profile.run(stream, receivedAt: start + Int64(messages))
        print("messages=\(result.messages) readings=\(result.readings) derived=\(result.derived) "
              + "alert_transitions=\(result.alertTransitions) quarantined=\(result.quarantined)")
        if snapshots {
            let cost = try profile.snapshotCost()
            func f(_ v: Double) -> String { String(format: "%.1f", v) }
            print("snapshots twins=\(cost.twins) (fastest of 5 passes, per twin)")
            print("  compact  encode \(f(cost.compactEncodeMicros)) µs  decode \(f(cost.compactDecodeMicros)) µs  "
                  + "\(f(cost.compactBytes)) B")
            print("  json     encode \(f(cost.jsonEncodeMicros)) µs  decode \(f(cost.jsonDecodeMicros)) µs  "
                  + "\(f(cost.jsonBytes)) B")
            print("  ratio    encode \(String(format: "%.2f", cost.compactEncodeMicros / cost.jsonEncodeMicros))  "
                  + "decode \(String(format: "%.2f", cost.compactDecodeMicros / cost.jsonDecodeMicros))  "
                  + "size \(String(format: "%.2f", cost.compactBytes / cost.jsonBytes))")
        }
    }
}
