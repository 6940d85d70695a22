import ArgumentParser
import TwinDaemon

struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a config file: exit 0, or print every problem with its key path and exit 78.",
        discussion: """
            Example:
              twind check-config Config/twind.yaml
            """)

    @Argument(help: "The YAML config file to check.")
    var file: String

    func run() throws {
        do {
            let config = try TwinConfiguration.load(path: file)
            print("\(file): OK")
            print("  broker:        \(config.mqtt.broker) (client id \(config.mqtt.clientID))")
            print("  database:      \(config.database.path)")
            for topic in config.topics {
                print("  topic:         \(topic.template)  [\(topic.format.rawValue)] asset=\(topic.asset)")
            }
            print("  subscriptions: \(try config.subscriptions().joined(separator: " "))")
            for metric in config.derivedMetrics { print("  metric:        \(metric.name) = \(metric.expression)") }
            for rule in config.rules { print("  rule:          \(rule.name) (\(rule.kind.name), \(rule.severity.rawValue))") }
            if let http = config.http { print("  http:          \(http.host):\(http.port)") }
        } catch let error as ConfigError {
            printError(error.description)
            throw ExitCode(78)
        }
    }
}
