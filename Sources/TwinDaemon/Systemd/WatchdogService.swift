import Logging
import ServiceLifecycle

/// Pings systemd's watchdog (`WATCHDOG=1`) every half `WATCHDOG_USEC`, but only while the MQTT loop thread keeps
/// turning. The loop turns at least once a second when healthy (idle, ingesting or backing off between
/// reconnects), so a heartbeat that stands still for half the timeout means the thread is stuck, in a commit or
/// in the network library, and the missing pings let systemd restart twind (`Restart=on-failure`).
struct WatchdogService: Service {
    let notifier: SystemdNotifier
    let timeout: Duration
    /// The MQTT loop's heartbeat counter (`MQTTIngestClient.loopHeartbeat`).
    let heartbeat: @Sendable () -> Int
    let logger: Logger

    func run() async throws {
        var progress = WatchdogProgress(heartbeat: heartbeat())
        while !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown {
                    try await Task.sleep(for: timeout / 2)
                }
            } catch {
                return
            }
            if progress.advance(to: heartbeat()) {
                notifier.watchdog()
            } else {
                logger.warning("the MQTT loop made no progress; not pinging the systemd watchdog", metadata: [
                    "systemd.watchdog_timeout": "\(timeout)", "mqtt.loop_heartbeat": "\(progress.heartbeat)",
                ])
            }
        }
    }
}

/// Whether a heartbeat counter moved between two looks.
struct WatchdogProgress: Sendable, Equatable {
    private(set) var heartbeat: Int

    init(heartbeat: Int) {
        self.heartbeat = heartbeat
    }

    /// Records `current`; true if it differs from the last value seen.
    mutating func advance(to current: Int) -> Bool {
        defer { heartbeat = current }
        return current != heartbeat
    }
}
