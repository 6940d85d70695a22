import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A real `mosquitto` broker on a loopback port, with its config, log and persistence in a temporary directory.
public final class MosquittoBroker: @unchecked Sendable {
    /// Where the broker binary is looked for, first match wins.
    public static let executableCandidates = ["/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto", "/usr/bin/mosquitto"]

    public let port: Int
    public let directory: String
    public var url: String { "mqtt://127.0.0.1:\(port)" }
    public var configPath: String { directory + "/mosquitto.conf" }
    public var logPath: String { directory + "/mosquitto.log" }

    private let lock = NSLock()
    private var pid: pid_t?

    private init(port: Int, directory: String) {
        self.port = port
        self.directory = directory
    }

    deinit {
        stop()
    }

    /// Writes the config and starts the broker; returns once it accepts TCP connections.
    public static func start(persistence: Bool = false, extraConfig: String = "", port: Int? = nil,
                             directory: String? = nil) throws -> MosquittoBroker {
        let directory = try directory ?? makeTemporaryDirectory()
        var lastError: (any Error)?
        // A port picked by freeLoopbackPort() can be taken before mosquitto binds it: try a few.
        for _ in 0..<(port == nil ? 3 : 1) {
            let broker = MosquittoBroker(port: port ?? freeLoopbackPort(), directory: directory)
            do {
                try broker.writeConfig(persistence: persistence, extraConfig: extraConfig)
                try broker.launch()
                return broker
            } catch {
                lastError = error
            }
        }
        throw lastError ?? BrokerError("mosquitto did not start")
    }

    /// SIGTERM, then waits for the exit (the broker saves its persistence file on the way out).
    public func stop() {
        signalAndWait(SIGTERM)
    }

    /// SIGKILL: no persistence save, no goodbye to clients.
    public func kill() {
        signalAndWait(SIGKILL)
    }

    /// Starts the broker again on the same port with the same directory and persistence.
    public func restart() throws {
        stop()
        try launch()
    }

    /// The last `lines` lines of the broker's log.
    public func logTail(lines: Int = 20) -> String {
        guard let text = try? String(contentsOfFile: logPath, encoding: .utf8) else { return "(no log)" }
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    private func writeConfig(persistence: Bool, extraConfig: String) throws {
        var lines = [
            "listener \(port) 127.0.0.1",
            "allow_anonymous true",
            "max_queued_messages 1000000",
            "max_inflight_messages 20000",
            "log_dest file \(logPath)",
            "log_type error", "log_type warning", "log_type notice", "log_type information",
            "connection_messages true",
        ]
        // As root, mosquitto 2 drops to the `mosquitto` user, which cannot write into our directory.
        if geteuid() == 0 { lines.append("user root") }
        if persistence {
            lines += ["persistence true", "persistence_location \(directory)/", "autosave_interval 1"]
        }
        let text = (lines + [extraConfig, ""]).joined(separator: "\n")
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    private func launch() throws {
        let candidates = Self.executableCandidates
        guard let executable = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw BrokerError("mosquitto is not installed (looked in \(candidates.joined(separator: ", ")))")
        }
        let pid = try spawn(executable, arguments: ["-c", configPath])
        lock.withLock { self.pid = pid }
        do {
            try waitUntil(timeout: .seconds(10)) {
                if let status = reap(pid, block: false) {
                    lock.withLock { self.pid = nil }
                    throw BrokerError("mosquitto exited with status \(status) on port \(port)")
                }
                return canConnect(port: port)
            }
        } catch {
            signalAndWait(SIGKILL)
            throw BrokerError("\(error); broker log:\n\(logTail())")
        }
    }

    private func signalAndWait(_ signal: Int32) {
        let pid = lock.withLock { () -> pid_t? in
            defer { self.pid = nil }
            return self.pid
        }
        guard let pid else { return }
        sendSignal(signal, to: pid)
        let exited = (try? waitUntil(timeout: .seconds(10)) { reap(pid, block: false) != nil }) != nil
        if !exited {
            sendSignal(SIGKILL, to: pid)
            _ = reap(pid, block: true)
        }
    }

    private static func makeTemporaryDirectory() throws -> String {
        var template = Array((NSTemporaryDirectory() + "/twind-mosquitto-XXXXXX").utf8CString)
        guard let path = mkdtemp(&template) else {
            throw BrokerError("cannot create a temporary directory: \(String(cString: strerror(errno)))")
        }
        return String(cString: path)
    }
}

/// A harness failure, in a sentence.
public struct BrokerError: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}

private func sendSignal(_ signal: Int32, to pid: pid_t) {
    kill(pid, signal)
}
