import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What twind tells systemd under `Type=notify`: readiness, a status line for `systemctl status`, watchdog pings,
/// reloads and the stop. Every call is a no-op when `NOTIFY_SOCKET` is unset.
public final class SystemdNotifier: Sendable {
    private struct State {
        var isReady = false
        /// `READY=1` waits for the SIGHUP handler: `systemctl reload` must not find SIGHUP's default action.
        var isReloadHandled = false
        var isReadyPending = false
        var lastStatus = "Starting"
        var failuresLogged = false
    }

    private let socket: NotifySocket?
    /// The watchdog timeout systemd set for this process (`WATCHDOG_USEC`, `WATCHDOG_PID`), nil when there is none.
    public let watchdogTimeout: Duration?
    private let logger: Logger
    private let state = Mutex(State())

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` from `environment`.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment, logger: Logger) {
        self.logger = logger
        socket = environment["NOTIFY_SOCKET"].flatMap { NotifySocket(name: $0) }
        if let name = environment["NOTIFY_SOCKET"], socket == nil {
            logger.warning("NOTIFY_SOCKET is not a usable socket name; not talking to systemd",
                           metadata: ["systemd.notify_socket": "\(name)"])
        }
        watchdogTimeout = Self.watchdogTimeout(environment)
    }

    /// Whether systemd asked for notifications.
    public var isEnabled: Bool { socket != nil }

    var isReady: Bool { state.withLock { $0.isReady } }

    /// `READY=1`: startup is complete. Sent once, and only once SIGHUP is handled; later calls update the status.
    func ready(status: String) {
        let line = remember(status)
        let sendReady = state.withLock { state -> Bool? in
            if state.isReady { return false }
            guard state.isReloadHandled else {
                state.isReadyPending = true
                return nil
            }
            state.isReady = true
            return true
        }
        switch sendReady {
        case true?: send(["READY=1", "STATUS=" + line])
        case false?: send(["STATUS=" + line])
        case nil: break
        }
    }

    /// Called once SIGHUP is trapped; sends a `READY=1` that was waiting for it.
    func reloadHandlerInstalled() {
        let status = state.withLock { state -> String? in
            state.isReloadHandled = true
            guard state.isReadyPending && !state.isReady else { return nil }
            state.isReady = true
            return state.lastStatus
        }
        if let status { send(["READY=1", "STATUS=" + status]) }
    }

    /// `STATUS=`: one line for `systemctl status`.
    func status(_ text: String) {
        send(["STATUS=" + remember(text)])
    }

    /// `RELOADING=1` with the monotonic time systemd wants for it; `reloaded()` ends the reload.
    func reloading() {
        send(["RELOADING=1", "MONOTONIC_USEC=\(Self.monotonicMicros())", "STATUS=Reloading the configuration"])
    }

    /// `READY=1` after a reload, with the status line from before it; nothing before the first readiness.
    func reloaded() {
        let (ready, status) = state.withLock { ($0.isReady, $0.lastStatus) }
        guard ready else { return }
        send(["READY=1", "STATUS=" + status])
    }

    /// `STOPPING=1`: the graceful shutdown has begun.
    func stopping(status: String) {
        send(["STOPPING=1", "STATUS=" + remember(status)])
    }

    /// `WATCHDOG=1`: the daemon is alive and making progress.
    func watchdog() {
        send(["WATCHDOG=1"])
    }

    /// Sends newline-separated assignments in one datagram; a failure is logged once as a warning, then at debug.
    func send(_ assignments: [String]) {
        guard let socket else { return }
        guard let error = socket.send(assignments.joined(separator: "\n")) else { return }
        let first = state.withLock { state in
            defer { state.failuresLogged = true }
            return !state.failuresLogged
        }
        logger.log(level: first ? .warning : .debug, "could not notify systemd", metadata: [
            "systemd.notify_socket": "\(socket.name)", "systemd.message": "\(assignments.first ?? "")",
            "systemd.error": "\(String(cString: strerror(error)))",
        ])
    }

    /// Stores `text` (on one line) as the last status and returns it.
    private func remember(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        state.withLock { $0.lastStatus = line }
        return line
    }

    /// As `sd_watchdog_enabled(3)`: `WATCHDOG_USEC` applies only if `WATCHDOG_PID` is unset or names this process.
    static func watchdogTimeout(_ environment: [String: String]) -> Duration? {
        guard let text = environment["WATCHDOG_USEC"], let micros = UInt64(text), micros > 0 else { return nil }
        if let pid = environment["WATCHDOG_PID"], pid != String(getpid()) { return nil }
        return .microseconds(Int64(clamping: micros))
    }

    static func monotonicMicros() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
    }
}
