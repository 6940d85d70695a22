import TwinStore
import Logging
import ServiceLifecycle
import Synchronization
import TwinMQTT

/// Keeps systemd informed: `READY=1` once the first broker connection attempt has an outcome (the database is
/// open and migrated before the ingest loop starts), a `STATUS=` line every status interval, and `STOPPING=1` as
/// soon as a graceful shutdown begins (SIGTERM). Put it last in the group, so it is the first to hear of the stop.
final class SystemdService: Service, Sendable {
    private struct State {
        var status: ServiceStatus
        var attemptStarted = false
    }

    let notifier: SystemdNotifier
    private let metrics: IngestMetrics
    private let pipeline: IngestPipeline
    private let intervalMillis: Int64
    /// The number of active alerts, for the status line; nil leaves alerts out (no rule engine yet).
    private let activeAlerts: @Sendable () -> Int?
    /// The forwarder's part of the status line; nil when not forwarding.
    private let forward: @Sendable () -> String?
    /// The status line's alert count reads SQLite: off the cooperative pool.
    private let statusQueue = BlockingQueue(label: "systemd-status")
    private let state: Mutex<State>
    private let connections = Atomic<Int>(0)

    init(notifier: SystemdNotifier, broker: String, metrics: IngestMetrics, pipeline: IngestPipeline,
         intervalMillis: Int64, activeAlerts: @escaping @Sendable () -> Int? = { nil },
         forward: @escaping @Sendable () -> String? = { nil }) {
        self.notifier = notifier
        self.metrics = metrics
        self.pipeline = pipeline
        self.intervalMillis = intervalMillis
        self.activeAlerts = activeAlerts
        self.forward = forward
        state = Mutex(State(status: ServiceStatus(broker: broker)))
    }

    /// The MQTT client's `onEvent`: runs on its loop thread, and sends `READY=1` when the first attempt has ended.
    func record(_ event: MQTTConnectionEvent) {
        // Every connection after the first is a reconnect (twind_mqtt_reconnects_total).
        if case .connected = event, connections.add(1, ordering: .relaxed).oldValue > 0 { metrics.didReconnect() }
        let readyStatus = state.withLock { state -> ServiceStatus? in
            state.status.apply(event)
            switch event {
            case .connecting:
                state.attemptStarted = true
                return nil
            case .connected, .disconnected:
                return state.attemptStarted ? state.status : nil
            case .subscribed, .backingOff:
                return nil
            }
        }
        guard var readyStatus, !notifier.isReady else { return }
        readyStatus.twins = pipeline.twinCount
        readyStatus.quarantined = metrics.messagesQuarantined.load(ordering: .relaxed)
        readyStatus.activeAlerts = activeAlerts()
        notifier.ready(status: readyStatus.description)
    }

    func run() async throws {
        var lastReadings = metrics.readingsCommitted.load(ordering: .relaxed)
        var lastTime = ContinuousClock.now
        let interval = Duration.milliseconds(intervalMillis)
        while !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown {
                    try await Task.sleep(for: interval)
                }
            } catch {
                break
            }
            let readings = metrics.readingsCommitted.load(ordering: .relaxed)
            let now = ContinuousClock.now
            let elapsed = now - lastTime
            let seconds = max(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
                              1e-3)
            var status = state.withLock { $0.status }
            status.readingsPerSecond = Int((Double(readings - lastReadings) / seconds).rounded())
            status.twins = pipeline.twinCount
            status.quarantined = metrics.messagesQuarantined.load(ordering: .relaxed)
            let count = activeAlerts
            status.activeAlerts = try? await statusQueue.run { count() }
            status.forward = forward()
            (lastReadings, lastTime) = (readings, now)
            // Before readiness the line would claim more than is known; READY=1 carries the first one.
            if notifier.isReady { notifier.status(status.description) }
        }
        notifier.stopping(status: "Stopping: committing the batch in hand, then closing the database")
    }
}

extension SystemdService {
    /// The watchdog, if systemd set one, and this service last; none when systemd is not listening.
    func groupServices(heartbeat: @escaping @Sendable () -> Int, logger: Logger)
        -> [ServiceGroupConfiguration.ServiceConfiguration] {
        guard notifier.isEnabled else { return [] }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let timeout = notifier.watchdogTimeout {
            let watchdog = WatchdogService(notifier: notifier, timeout: timeout, heartbeat: heartbeat, logger: logger)
            services.append(.init(service: watchdog))
        }
        services.append(.init(service: self))
        return services
    }
}
