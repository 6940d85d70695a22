import TwinCore
import TwinForward
import TwinMQTT

/// The daemon's configuration, read from YAML (see `Config/twind.yaml` for every key with its default).
public struct TwinConfiguration: Sendable {
    public struct MQTT: Sendable {
        public var broker = "mqtt://127.0.0.1:1883"
        public var clientID = "twind"
        public var cleanSession = false
        public var keepAlive = 30
        public var protocolVersion = "3.1.1"
        public var username: String?
        /// File holding the password; never the password itself, so configs can be shared.
        public var passwordFile: String?
        public var tlsCAFile: String?
        public var tlsCertFile: String?
        public var tlsKeyFile: String?
        public var batchMaxMessages = MQTTConfiguration.defaultBatchMaxMessages
        public var batchMaxBytes = MQTTConfiguration.defaultBatchMaxBytes
        public var batchMaxDelayMillis = MQTTConfiguration.defaultBatchMaxDelayMillis
        public var reconnectMinDelayMillis = 250
        public var reconnectMaxDelayMillis = 30_000
    }

    public struct Topic: Sendable {
        public var template: String
        public var format: PayloadFormat
        public var asset = "{asset}"
        public var metric: String?
    }

    public struct Database: Sendable {
        public var path = "/var/lib/twind/twind.sqlite"
        public var mergeThreshold = 200_000
        public var quarantineMaxRows = 100_000
    }

    public struct Ingest: Sendable {
        public var maxPayloadBytes = 65_536
        public var maxFutureSkewMillis: Int64 = 300_000
        /// Raw readings older than this are refused (they would be pruned at once).
        public var retentionMillis: Int64 = 30 * 86_400_000
        public var snapshotIntervalMillis: Int64 = 10_000
        public var statusIntervalMillis: Int64 = 10_000
    }

    public var mqtt = MQTT()
    public var topics: [Topic] = TwinConfiguration.defaultTopics
    public var database = Database()
    public var ingest = Ingest()
    public var logLevel = "info"
    /// Where alert changes are published (`{asset}` is filled in); empty: not published.
    public var alertTopic = "twin/{asset}/alerts"
    /// The HTTP API; nil (the default) keeps it off.
    public var http: HTTPSettings?
    /// Predictive-maintenance rules (`rules:`), in config order.
    public var rules: [RuleSpec] = []
    /// Derived metrics (`metrics:`), in config order.
    public var derivedMetrics: [DerivedMetricSpec] = []
    /// How long readings and rollups are kept (`retention:`).
    public var retention = RetentionSettings()
    /// Forwarding to a central PostgreSQL (`forward:`); nil (the default) keeps it off.
    public var forward: ForwardSettings?

    public init() {}

    public static let defaultTopics: [Topic] = [
        Topic(template: "twin/{asset}/telemetry", format: .json),
        Topic(template: "twin/{asset}/telemetry/{metric}", format: .number),
        Topic(template: "twin/{asset}/senml", format: .senml),
    ]

    /// The decoder's routes, in config order (the first matching template wins).
    public func routes() throws -> [Route] {
        try topics.map { try Route(template: $0.template, format: $0.format, asset: $0.asset, metric: $0.metric) }
    }

    /// The MQTT topic filters to subscribe to, one per template, then the control topics (maintenance events,
    /// alert acknowledgements), without repeats.
    public func subscriptions() throws -> [String] {
        var seen = Set<String>()
        let telemetry = try topics.map { try TopicTemplate($0.template).subscriptionFilter }
        return (telemetry + ControlMessage.subscriptions).filter { seen.insert($0).inserted }
    }

    public var decodeLimits: DecodeLimits {
        DecodeLimits(maxPayloadBytes: ingest.maxPayloadBytes, maxFutureSkewMillis: ingest.maxFutureSkewMillis,
                     maxAgeMillis: ingest.retentionMillis)
    }
}
