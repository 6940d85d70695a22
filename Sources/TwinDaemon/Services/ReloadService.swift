import Logging
import ServiceLifecycle
import UnixSignals

/// Answers SIGHUP (systemd's `ExecReload`) by re-reading and validating the config file, so a reload never kills
/// the daemon. Nothing is swapped in yet: topics, broker and database take effect at the next start; live reload
/// of rules arrives with the rule engine.
struct ReloadService: Service {
    let configPath: String?
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            guard let configPath else {
                logger.notice("SIGHUP: no config file to re-read")
                continue
            }
            do {
                _ = try TwinConfiguration.load(path: configPath)
                logger.notice("SIGHUP: config re-read and valid; changes take effect at the next restart",
                              metadata: ["config.path": "\(configPath)"])
            } catch {
                logger.error("SIGHUP: config is invalid; keeping the running one", metadata: [
                    "config.path": "\(configPath)", "config.error": "\(error)",
                ])
            }
        }
    }
}
