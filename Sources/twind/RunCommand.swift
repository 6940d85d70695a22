import ArgumentParser
import Logging
import Metrics
import Prometheus
import TwinDaemon

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon: subscribe, decode, update twins, commit to SQLite, acknowledge.",
        discussion: """
            Runs until SIGTERM or SIGINT, then commits the batch in hand, acknowledges it and exits. \
            Command-line options override the config file.

            Example:
              twind run --config Config/twind.yaml \\
                  --broker mqtt://127.0.0.1:1883 --db ./twind.sqlite
            """)

    @Option(name: .long, help: "The YAML config file.")
    var config: String = "/etc/twind/twind.yaml"

    @Option(name: .long, help: "Broker URL, mqtt://HOST[:PORT] or mqtts://HOST[:PORT] (overrides mqtt.broker).")
    var broker: String?

    @Option(name: .long, help: "SQLite database file (overrides database.path); created if missing.")
    var db: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error (overrides log.level).")
    var logLevel: String?

    func validate() throws {
        if let broker, !(broker.hasPrefix("mqtt://") || broker.hasPrefix("mqtts://")) {
            throw ValidationError("--broker takes a URL like mqtt://127.0.0.1:1883 or mqtts://broker.example:8883")
        }
        if let logLevel, Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("--log-level takes one of: trace, debug, info, notice, warning, error")
        }
    }

    func run() async throws {
        var configuration: TwinConfiguration
        do {
            configuration = try TwinConfiguration.load(path: config)
        } catch let error as ConfigError {
            printError(error.description)
            throw ExitCode(78)  // EX_CONFIG
        }
        if let broker { configuration.mqtt.broker = broker }
        if let db { configuration.database.path = db }
        if let logLevel { configuration.logLevel = logLevel }
        LoggingSetup.bootstrap(level: LoggingSetup.level(configuration.logLevel))
        let logger = Logger(label: "twind")
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        do {
            try await Daemon.run(configuration: configuration, configPath: config, metricsRegistry: registry,
                                 logger: logger)
        } catch {
            logger.critical("twind stopped on an error", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
    }
}
