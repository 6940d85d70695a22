import TwinStore
import Logging
import Metrics
import TwinCore
import ServiceLifecycle
import UnixSignals

/// Answers SIGHUP (systemd's `ExecReload`) by re-reading the config file: a valid one swaps the rules and derived
/// metrics in without dropping a reading (unchanged rules keep their state); an invalid one is logged with every
/// problem and the running rules stay. Topics, broker and database take effect at the next start.
struct ReloadService: Service {
    let configPath: String?
    let pipeline: IngestPipeline
    let logger: Logger
    /// Told `RELOADING=1` before and `READY=1` after each reload.
    var notifier: SystemdNotifier? = nil

    /// `twind_config_reloads_total{result}`: reloads that swapped the rules in, and those refused.
    static let applied = Counter(label: "twind_config_reloads_total", dimensions: [("result", "applied")])
    static let invalid = Counter(label: "twind_config_reloads_total", dimensions: [("result", "invalid")])

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        notifier?.reloadHandlerInstalled()
        for await _ in signals.cancelOnGracefulShutdown() {
            notifier?.reloading()
            defer { notifier?.reloaded() }
            guard let configPath else {
                logger.notice("SIGHUP: no config file to re-read")
                continue
            }
            do {
                let config = try TwinConfiguration.load(path: configPath)
                let (pipeline, rules) = (self.pipeline, try RuleEngine(rules: config.rules, metrics: config.derivedMetrics))
                // The swap waits for the batch in hand: off the cooperative pool.
                try await BlockingQueue(label: "reload").run { try pipeline.replaceRules(with: rules) }
                logger.notice(
                    "SIGHUP: config re-read and valid; rules swapped in (the rest applies at the next restart)",
                    metadata: ["config.path": "\(configPath)", "rules.count": "\(config.rules.count)"])
                Self.applied.increment()
            } catch {
                logger.error("SIGHUP: config is invalid; keeping the running one", metadata: [
                    "config.path": "\(configPath)", "config.error": "\(error)",
                ])
                Self.invalid.increment()
            }
        }
    }
}
