import Foundation
import TwinStore

/// The `forward:` section: where and what to forward to a central PostgreSQL.
public struct ForwardSettings: Sendable, Hashable {
    /// `postgres://USER@HOST:PORT/DATABASE?sslmode=…`, without a password (that comes from a file).
    public var url: String
    /// A file holding the password (one line), or nil for none (trust or peer authentication).
    public var passwordFile: String?
    /// The name of a systemd credential (`LoadCredential=`) holding the password: read from
    /// `$CREDENTIALS_DIRECTORY/NAME`.
    public var passwordCredential: String?
    /// This gateway's name in the central tables; the host name by default.
    public var gateway: String
    public var streams: Set<ForwardStream> = ForwardStream.defaults
    /// Rows per PostgreSQL transaction.
    public var batchSize = 10_000
    public var minDelayMillis: Int64 = 1_000
    public var maxDelayMillis: Int64 = 60_000
    /// How often to look for new rows once caught up.
    public var pollMillis: Int64 = 200
    /// How often changed latest values are sent to `twin_latest`.
    public var latestIntervalMillis: Int64 = 1_000
    /// Readings kept for forwarding while PostgreSQL is away; older ones beyond it are dropped, counted and logged.
    public var maxBacklog = 50_000_000
    /// The longest a PostgreSQL query may take before the connection is given up and opened again.
    public var queryTimeoutMillis: Int64 = 60_000
    /// While ingest is busy (a backlog draining), readings wait this long at most before they are forwarded all the
    /// same: forwarding and PostgreSQL then leave the CPU to ingest. 0 forwards at once, whatever ingest is doing.
    /// Alerts, maintenance and latest values never wait.
    public var yieldMillis: Int64 = 10_000
    /// Daily partitions of `readings` created ahead of today.
    public var partitionsAhead = 3

    public init(url: String, gateway: String = ForwardSettings.hostName) {
        self.url = url
        self.gateway = gateway
    }

    public static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "gateway" }
        let name = String(cString: buffer)
        return name.isEmpty ? "gateway" : name
    }

    /// The password from the file or the credential; nil if neither is set. Throws if one is set but unreadable.
    public func password() throws -> String? {
        var path = passwordFile
        if let name = passwordCredential {
            guard let directory = ProcessInfo.processInfo.environment["CREDENTIALS_DIRECTORY"] else {
                throw ForwardError.setup("forward.password_credential is '\(name)' but CREDENTIALS_DIRECTORY is not "
                                         + "set: add LoadCredential=\(name):/path/to/file to the unit")
            }
            path = directory + "/" + name
        }
        guard let path else { return nil }
        do {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            return String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
        } catch {
            throw ForwardError.setup("cannot read the PostgreSQL password from \(path): \(error.localizedDescription)")
        }
    }
}

public enum ForwardError: Error, CustomStringConvertible {
    case setup(String)
    case url(String)

    public var description: String {
        switch self {
        case .setup(let message), .url(let message): message
        }
    }
}
