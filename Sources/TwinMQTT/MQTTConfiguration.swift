/// Everything the MQTT clients need to reach a broker and ingest from it.
public struct MQTTConfiguration: Sendable, CustomStringConvertible {
    public enum ProtocolVersion: String, Sendable {
        case v311 = "3.1.1"
        case v5 = "5"
    }

    /// Server-authenticated TLS, optionally with a client certificate.
    public struct TLS: Sendable {
        /// PEM file of the certificate authorities that sign the broker's certificate; empty: the system's CAs.
        public var caFile: String
        public var certFile: String?
        public var keyFile: String?
        /// Skips the check that the broker's certificate names `host`. For tests only.
        public var insecureSkipHostnameCheck: Bool = false

        public init(caFile: String, certFile: String? = nil, keyFile: String? = nil,
                    insecureSkipHostnameCheck: Bool = false) {
            self.caFile = caFile
            self.certFile = certFile
            self.keyFile = keyFile
            self.insecureSkipHostnameCheck = insecureSkipHostnameCheck
        }
    }

    /// A batch ends when the socket has nothing more to read, so under a steady stream that twind keeps up with the
    /// caps are rarely reached: they bite when a backlog is drained. There one transaction per 10,000 messages
    /// spreads the fsync and the latest-value upserts (one per series per batch) over five times as many readings
    /// as 2,000 did (bench stream, 1,000 pumps: 14.6k msg/s at 2,000 / 20 ms, 22-27k at 10,000 / 50 ms; 20,000
    /// messages were no faster and held about 8 MB more).
    public static let defaultBatchMaxMessages = 10_000
    /// Bounds the memory one batch holds when payloads are large.
    public static let defaultBatchMaxBytes = 4 * 1024 * 1024
    /// Time from the first message of a batch to the end of its read burst.
    public static let defaultBatchMaxDelayMillis = 50

    public var host: String
    public var port: Int
    public var tls: TLS?
    public var username: String?
    public var password: String?
    public var clientID: String
    /// `false` keeps the session (subscriptions, unacknowledged QoS 1 messages) on the broker between connections.
    public var cleanSession: Bool = false
    public var keepAlive: Int = 30
    public var protocolVersion: ProtocolVersion = .v311
    /// Topic filters, subscribed at QoS 1 on every connect.
    public var subscriptions: [String]
    public var batchMaxMessages: Int = MQTTConfiguration.defaultBatchMaxMessages
    public var batchMaxBytes: Int = MQTTConfiguration.defaultBatchMaxBytes
    public var batchMaxDelayMillis: Int = MQTTConfiguration.defaultBatchMaxDelayMillis
    public var reconnectMinDelayMillis: Int = 250
    public var reconnectMaxDelayMillis: Int = 30_000

    public init(host: String, port: Int, tls: TLS? = nil, clientID: String, subscriptions: [String]) {
        self.host = host
        self.port = port
        self.tls = tls
        self.clientID = clientID
        self.subscriptions = subscriptions
    }

    /// Parses `mqtt://host[:port]` (default port 1883) or `mqtts://host[:port]` (default 8883, the system's CAs).
    public init(url: String, clientID: String, subscriptions: [String]) throws(MQTTError) {
        let (secure, host, port) = try Self.parse(url: url)
        self.init(host: host, port: port, tls: secure ? TLS(caFile: "") : nil, clientID: clientID,
                  subscriptions: subscriptions)
    }

    /// The broker address as a URL, e.g. `mqtts://broker.local:8883`.
    public var url: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "\(tls == nil ? "mqtt" : "mqtts")://\(shownHost):\(port)"
    }

    public var description: String {
        var parts = ["\(url)", "client id \(clientID)", "MQTT \(protocolVersion.rawValue)",
                     cleanSession ? "clean session" : "persistent session", "keep-alive \(keepAlive) s",
                     "subscriptions [\(subscriptions.joined(separator: ", "))]",
                     "batches of at most \(batchMaxMessages) messages, \(batchMaxBytes) bytes, "
                        + "\(batchMaxDelayMillis) ms"]
        if let username { parts.append("user \(username)") }
        if password != nil { parts.append("password set") }
        if let tls { parts.append("CA file \(tls.caFile)") }
        return parts.joined(separator: ", ")
    }

    /// Checks what libmosquitto would only report later, with every problem in one error.
    func validate() throws(MQTTError) {
        var problems: [String] = []
        if host.isEmpty { problems.append("host is empty") }
        if !(1...65_535).contains(port) { problems.append("port \(port) is not between 1 and 65535") }
        if clientID.isEmpty && !cleanSession { problems.append("a persistent session needs a client id") }
        if clientID.utf8.count > 65_535 { problems.append("client id is longer than 65535 bytes") }
        if subscriptions.isEmpty { problems.append("no topic filter to subscribe to") }
        if !(0...65_535).contains(keepAlive) { problems.append("keepAlive \(keepAlive) is not between 0 and 65535") }
        if batchMaxMessages < 1 || batchMaxBytes < 1 || batchMaxDelayMillis < 0 {
            problems.append("batch caps must be positive")
        }
        if reconnectMinDelayMillis < 1 || reconnectMaxDelayMillis < reconnectMinDelayMillis {
            problems.append("reconnect delays must satisfy 1 <= min <= max")
        }
        if password != nil && username == nil { problems.append("a password needs a username") }
        guard problems.isEmpty else {
            throw MQTTError(.invalidConfiguration, "the MQTT configuration for \(url) cannot be used",
                            reason: problems.joined(separator: "; "))
        }
    }

    private static func parse(url: String) throws(MQTTError) -> (secure: Bool, host: String, port: Int) {
        // Credentials in the URL are never echoed back.
        let shown = url.split(separator: "@").count > 1
            ? (url.split(separator: "://", maxSplits: 1).first.map { $0 + "://***@" } ?? "***@")
                + url.split(separator: "@").last!
            : Substring(url)
        func invalid(_ why: String) -> MQTTError {
            MQTTError(.invalidConfiguration, "the broker URL \"\(shown)\" is not of the form mqtt://host:port or "
                        + "mqtts://host:port", reason: why)
        }
        let pieces = url.split(separator: "://", maxSplits: 1, omittingEmptySubsequences: false)
        guard pieces.count == 2 else { throw invalid("it has no scheme") }
        let scheme = pieces[0].lowercased()
        let secure: Bool
        switch scheme {
        case "mqtt", "tcp": secure = false
        case "mqtts", "ssl": secure = true
        default: throw invalid("the scheme \"\(scheme)\" is not mqtt or mqtts")
        }
        var rest = pieces[1]
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.contains("@") else {
            throw MQTTError(.invalidConfiguration, "the broker URL must not contain credentials",
                            reason: "set username and password separately")
        }
        guard !rest.contains("/"), !rest.contains("?"), !rest.contains("#") else {
            throw invalid("it has a path or query")
        }
        var host: Substring
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw invalid("an IPv6 address lacks its ]") }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw invalid("unexpected text after the IPv6 address") }
                portText = after.dropFirst()
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        } else {
            host = rest
        }
        guard !host.isEmpty else { throw invalid("the host is empty") }
        var port = secure ? 8883 : 1883
        if let portText {
            guard let value = Int(portText), (1...65_535).contains(value) else {
                throw invalid("the port \"\(portText)\" is not a number between 1 and 65535")
            }
            port = value
        }
        return (secure, String(host), port)
    }
}
