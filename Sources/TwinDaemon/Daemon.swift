import Foundation
import Logging
import Prometheus
import ServiceLifecycle
import Synchronization
import TwinCore
import TwinForward
import TwinMQTT
import TwinStore

/// Wires the configured parts together and runs them until SIGTERM or SIGINT.
public enum Daemon {
    /// `configPath` is the file to re-read on SIGHUP, if any.
    /// `metricsRegistry` is what `GET /metrics` exports (the executable bootstraps swift-metrics with it).
    public static func run(configuration config: TwinConfiguration, configPath: String? = nil,
                           metricsRegistry: PrometheusCollectorRegistry? = nil, logger: Logger) async throws {
        let databaseURL = URL(fileURLWithPath: config.database.path)
        try FileManager.default.createDirectory(at: databaseURL.deletingLastPathComponent(),
                                                withIntermediateDirectories: true)
        let store = try TwinStore(path: config.database.path, configuration: StoreConfiguration(
            mergeThreshold: config.database.mergeThreshold, quarantineMaxRows: config.database.quarantineMaxRows,
            queueForForwarding: !(config.forward?.streams.isDisjoint(with: ForwardStream.queued) ?? true)))
        // Merges and WAL checkpoints run on their own connection and thread, off the ack path.
        let mergeWorker = try MergeWorker(store: store)
        let metrics = IngestMetrics()
        let rules = try RuleEngine(rules: config.rules, metrics: config.derivedMetrics)
        let pipeline = IngestPipeline(decoder: MessageDecoder(routes: try config.routes(), limits: config.decodeLimits),
                                      store: store, rules: rules,
                                      snapshotIntervalMillis: config.ingest.snapshotIntervalMillis,
                                      alertTopic: config.alertTopic, metrics: metrics, logger: logger)
        let restored = try pipeline.restore()
        // Readings wait while a backlog drains (`forward.yield_to_ingest`), which the MQTT client knows; it is made
        // after the systemd status, which shows the forwarder's.
        let ingestClient = LateBound<MQTTIngestClient>()
        let forwarder = try config.forward.map {
            try Forwarder(settings: $0, store: store, logger: logger,
                          ingestBusy: { ingestClient.value?.isDrainingBacklog ?? false })
        }
        let mqtt = try mqttConfiguration(config)
        logger.info("starting", metadata: [
            "db.path": "\(config.database.path)", "mqtt.broker": "\(config.mqtt.broker)",
            "mqtt.subscriptions": "\(mqtt.subscriptions.joined(separator: " "))", "twins.restored": "\(restored.twins)",
            "twins.from_snapshots": "\(restored.fromSnapshots)", "twins.replayed_readings": "\(restored.replayedReadings)",
            "rules.count": "\(config.rules.count)",
        ])
        if restored.unreadableSnapshots > 0 {
            let message = "snapshots unreadable (written by a newer twind, or damaged): their twins were rebuilt"
                + " from their whole history"
            logger.warning("\(message)", metadata: ["twins.unreadable_snapshots": "\(restored.unreadableSnapshots)"])
        }
        let systemd = SystemdService(notifier: SystemdNotifier(logger: logger), broker: mqtt.url, metrics: metrics,
                                     pipeline: pipeline, intervalMillis: config.ingest.statusIntervalMillis,
                                     activeAlerts: { try? store.activeAlerts().count },
                                     forward: { forwarder?.status.description })
        let client = MQTTIngestClient(configuration: mqtt, logger: logger, onEvent: systemd.record)
        ingestClient.set(client)
        let ingest = IngestService(client: client, pipeline: pipeline, logger: logger)
        let status = StatusService(metrics: metrics, client: client, pipeline: pipeline,
                                   intervalMillis: config.ingest.statusIntervalMillis, logger: logger)
        let http = try httpServices(config, pipeline: pipeline, client: client, metrics: metrics,
                                    registry: metricsRegistry, logger: logger)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [
                .init(service: ingest, successTerminationBehavior: .gracefullyShutdownGroup,
                      failureTerminationBehavior: .gracefullyShutdownGroup),
                .init(service: MergeService(worker: mergeWorker, logger: logger)),
                .init(service: status),
                .init(service: RuleTickService(pipeline: pipeline, logger: logger)),
                .init(service: SnapshotService(pipeline: pipeline, logger: logger)),
                .init(service: RetentionService(store: store, settings: config.retention, logger: logger)),
                .init(service: ReloadService(configPath: configPath, pipeline: pipeline, logger: logger,
                                             notifier: systemd.notifier)),
            ] + (forwarder.map { [.init(service: $0)] } ?? [])
              + systemd.groupServices(heartbeat: { client.loopHeartbeat }, logger: logger) + http,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
        try store.checkpoint()
        try store.close()
        logger.info("stopped")
    }

    /// The HTTP API as a service of the group, when `http.listen` is set.
    static func httpServices(_ config: TwinConfiguration, pipeline: IngestPipeline, client: MQTTIngestClient,
                             metrics: IngestMetrics, registry: PrometheusCollectorRegistry?, logger: Logger) throws
        -> [ServiceGroupConfiguration.ServiceConfiguration] {
        guard let settings = config.http else { return [] }
        var token: String?
        if let file = settings.tokenFile {
            guard let data = FileManager.default.contents(atPath: file),
                  let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
                  !text.isEmpty
            else {
                throw ConfigError(file: file, issues: [.init(path: "http.token_file",
                                                             message: "cannot read a token from \(file)")])
            }
            token = text
        }
        let api = try HTTPAPI(pipeline: pipeline, client: client, metrics: metrics, databasePath: config.database.path,
                          registry: registry, token: token)
        logger.info("HTTP API listening", metadata: ["http.address": "\(settings.host):\(settings.port)",
                                                     "http.token": "\(token == nil ? "none" : "required")"])
        return [.init(service: api.application(settings, logger: logger))]
    }

    /// The MQTT client's settings from the config; the password is read from its file here, never logged.
    static func mqttConfiguration(_ config: TwinConfiguration) throws -> MQTTConfiguration {
        var mqtt = try MQTTConfiguration(url: config.mqtt.broker, clientID: config.mqtt.clientID,
                                         subscriptions: try config.subscriptions())
        mqtt.cleanSession = config.mqtt.cleanSession
        mqtt.keepAlive = config.mqtt.keepAlive
        mqtt.protocolVersion = config.mqtt.protocolVersion == "5" ? .v5 : .v311
        mqtt.username = config.mqtt.username
        mqtt.password = try readPassword(config.mqtt)
        if let ca = config.mqtt.tlsCAFile {
            mqtt.tls = MQTTConfiguration.TLS(caFile: ca, certFile: config.mqtt.tlsCertFile,
                                             keyFile: config.mqtt.tlsKeyFile)
        }
        mqtt.batchMaxMessages = config.mqtt.batchMaxMessages
        mqtt.batchMaxBytes = config.mqtt.batchMaxBytes
        mqtt.batchMaxDelayMillis = config.mqtt.batchMaxDelayMillis
        mqtt.reconnectMinDelayMillis = config.mqtt.reconnectMinDelayMillis
        mqtt.reconnectMaxDelayMillis = config.mqtt.reconnectMaxDelayMillis
        return mqtt
    }

    /// The MQTT password from `mqtt.password_file`, or from systemd's `$CREDENTIALS_DIRECTORY/mqtt-password`.
    static func readPassword(_ mqtt: TwinConfiguration.MQTT) throws -> String? {
        var path = mqtt.passwordFile
        var isCredential = false
        if path == nil, let credentials = ProcessInfo.processInfo.environment["CREDENTIALS_DIRECTORY"] {
            let candidate = credentials + "/mqtt-password"
            if FileManager.default.fileExists(atPath: candidate) { (path, isCredential) = (candidate, true) }
        }
        guard let path else { return nil }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            throw ConfigError(file: path, issues: [.init(path: "mqtt.password_file",
                                                         message: "cannot read the password file \(path)")])
        }
        let password = text.trimmingCharacters(in: .newlines)
        // The unit's SetCredential= default when /etc/twind/mqtt-password is missing: a lone newline.
        return isCredential && password.isEmpty ? nil : password
    }
}

/// A reference set once, after the closures that read it were made.
final class LateBound<T: AnyObject & Sendable>: Sendable {
    private let stored = Mutex<T?>(nil)

    func set(_ value: T) { stored.withLock { $0 = value } }
    var value: T? { stored.withLock { $0 } }
}
