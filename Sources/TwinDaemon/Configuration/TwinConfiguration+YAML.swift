import Foundation
import TwinCore
import TwinMQTT
import Yams

extension TwinConfiguration {
    /// Reads and validates a config file; every problem is reported at once with its key path.
    public static func load(path: String) throws -> TwinConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(file: path, issues: [.init(path: "", message: "cannot read the file (\(error.localizedDescription))")])
        }
        return try parse(yaml: text, file: path)
    }

    public static func parse(yaml: String, file: String = "<config>") throws -> TwinConfiguration {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigError(file: file, issues: [.init(path: "", message: "not valid YAML: \(error)")])
        }
        var reader = ConfigReader()
        if file != "<config>" { reader.baseDirectory = (file as NSString).deletingLastPathComponent }
        if reader.baseDirectory.isEmpty { reader.baseDirectory = "." }
        var config = TwinConfiguration()
        if let root {
            config.read(root, &reader)
        }
        reader.checkRoutes(config)
        guard reader.issues.isEmpty else { throw ConfigError(file: file, issues: reader.issues) }
        return config
    }

    private mutating func read(_ root: Node, _ r: inout ConfigReader) {
        guard let top = r.mapping(root, "", allowed: [
            "mqtt", "topics", "database", "ingest", "log", "rules", "metrics", "http", "alerts", "retention",
            "forward",
        ]) else { return }
        if let m = r.mapping(top["mqtt"], "mqtt", allowed: [
            "broker", "client_id", "clean_session", "keepalive", "protocol", "username", "password_file", "tls",
            "batch", "reconnect",
        ]) {
            mqtt.read(m, &r)
        }
        if let node = top["topics"] {
            readTopics(node, &r)
        }
        if let m = r.mapping(top["database"], "database", allowed: ["path", "merge_threshold", "quarantine_max_rows"]) {
            database.path = r.string(m["path"], "database.path", default: database.path)
            if database.path.isEmpty { r.fail("database.path", "expected a file path, got nothing", m["path"]) }
            database.mergeThreshold = r.int(m["merge_threshold"], "database.merge_threshold",
                                            default: database.mergeThreshold, range: 1_000...100_000_000)
            database.quarantineMaxRows = r.int(m["quarantine_max_rows"], "database.quarantine_max_rows",
                                               default: database.quarantineMaxRows, range: 10...100_000_000)
        }
        if let m = r.mapping(top["ingest"], "ingest", allowed: [
            "max_payload_bytes", "max_future_skew", "retention", "snapshot_interval", "status_interval",
        ]) {
            ingest.maxPayloadBytes = r.int(m["max_payload_bytes"], "ingest.max_payload_bytes",
                                           default: ingest.maxPayloadBytes, range: 16...(64 << 20))
            ingest.maxFutureSkewMillis = r.duration(m["max_future_skew"], "ingest.max_future_skew",
                                                    default: ingest.maxFutureSkewMillis)
            ingest.retentionMillis = r.duration(m["retention"], "ingest.retention", default: ingest.retentionMillis,
                                                minimum: 60_000)
            ingest.snapshotIntervalMillis = r.duration(m["snapshot_interval"], "ingest.snapshot_interval",
                                                       default: ingest.snapshotIntervalMillis, minimum: 100)
            ingest.statusIntervalMillis = r.duration(m["status_interval"], "ingest.status_interval",
                                                     default: ingest.statusIntervalMillis, minimum: 100)
        }
        if let m = r.mapping(top["log"], "log", allowed: ["level"]) {
            logLevel = r.oneOf(m["level"], "log.level", ["trace", "debug", "info", "notice", "warning", "error"],
                               default: logLevel)
        }
        readRules(rules: top["rules"], metrics: top["metrics"], &r)
        readHTTP(top["http"], &r)
        readRetention(top["retention"], &r)
        readForward(top["forward"], &r)
        if let m = r.mapping(top["alerts"], "alerts", allowed: ["topic"]) {
            alertTopic = r.string(m["topic"], "alerts.topic", default: alertTopic)
        }
    }

    private mutating func readTopics(_ node: Node, _ r: inout ConfigReader) {
        guard case .sequence(let sequence) = node, !sequence.isEmpty else {
            r.fail("topics", "expected a non-empty list of {template, format} entries, got \(r.describe(node))", node)
            return
        }
        topics = []
        for (index, item) in sequence.enumerated() {
            let path = "topics[\(index)]"
            guard let m = r.mapping(item, path, allowed: ["template", "format", "asset", "metric"]) else { continue }
            guard let template = r.string(m["template"], "\(path).template") else {
                if m["template"] == nil { r.fail("\(path).template", "missing; e.g. template: \"twin/{asset}/telemetry\"", item) }
                continue
            }
            let formats = PayloadFormat.allCases.map(\.rawValue)
            let format = r.oneOf(m["format"], "\(path).format", formats, default: "json")
            var topic = Topic(template: template, format: PayloadFormat(rawValue: format) ?? .json)
            topic.asset = r.string(m["asset"], "\(path).asset", default: topic.asset)
            topic.metric = r.string(m["metric"], "\(path).metric")
            topics.append(topic)
        }
    }
}

extension TwinConfiguration.MQTT {
    fileprivate mutating func read(_ m: [String: Node], _ r: inout ConfigReader) {
        broker = r.string(m["broker"], "mqtt.broker", default: broker)
        if !(broker.hasPrefix("mqtt://") || broker.hasPrefix("mqtts://")) {
            r.fail("mqtt.broker", "expected mqtt://HOST[:PORT] or mqtts://HOST[:PORT], got \"\(broker)\"", m["broker"])
        } else {
            do {
                _ = try MQTTConfiguration(url: broker, clientID: "check", subscriptions: [])
            } catch {
                r.fail("mqtt.broker", "\(error)", m["broker"])
            }
        }
        clientID = r.string(m["client_id"], "mqtt.client_id", default: clientID)
        if clientID.isEmpty || clientID.utf8.count > 23 * 10 {
            r.fail("mqtt.client_id", "expected a non-empty fixed client id (the broker keeps our session under it)",
                   m["client_id"])
        }
        cleanSession = r.bool(m["clean_session"], "mqtt.clean_session", default: cleanSession)
        keepAlive = r.int(m["keepalive"], "mqtt.keepalive", default: keepAlive, range: 5...65_535)
        protocolVersion = r.oneOf(m["protocol"], "mqtt.protocol", ["3.1.1", "5"], default: protocolVersion)
        username = r.string(m["username"], "mqtt.username")
        passwordFile = r.string(m["password_file"], "mqtt.password_file")
        if let tls = r.mapping(m["tls"], "mqtt.tls", allowed: ["ca_file", "cert_file", "key_file"]) {
            tlsCAFile = r.string(tls["ca_file"], "mqtt.tls.ca_file")
            tlsCertFile = r.string(tls["cert_file"], "mqtt.tls.cert_file")
            tlsKeyFile = r.string(tls["key_file"], "mqtt.tls.key_file")
            if tlsCAFile == nil { r.fail("mqtt.tls.ca_file", "missing; TLS needs the CA certificate file", m["tls"]) }
            if broker.hasPrefix("mqtt://") {
                r.fail("mqtt.tls", "TLS settings need an mqtts:// broker URL (mqtt.broker is \(broker))", m["tls"])
            }
            if (tlsCertFile == nil) != (tlsKeyFile == nil) {
                r.fail("mqtt.tls", "cert_file and key_file go together: give both or neither", m["tls"])
            }
        }
        if let batch = r.mapping(m["batch"], "mqtt.batch", allowed: ["max_messages", "max_bytes", "max_delay"]) {
            batchMaxMessages = r.int(batch["max_messages"], "mqtt.batch.max_messages", default: batchMaxMessages,
                                     range: 1...1_000_000)
            batchMaxBytes = r.int(batch["max_bytes"], "mqtt.batch.max_bytes", default: batchMaxBytes,
                                  range: 1_024...(1 << 30))
            batchMaxDelayMillis = Int(r.duration(batch["max_delay"], "mqtt.batch.max_delay",
                                                 default: Int64(batchMaxDelayMillis), minimum: 1))
        }
        if let reconnect = r.mapping(m["reconnect"], "mqtt.reconnect", allowed: ["min_delay", "max_delay"]) {
            reconnectMinDelayMillis = Int(r.duration(reconnect["min_delay"], "mqtt.reconnect.min_delay",
                                                     default: Int64(reconnectMinDelayMillis), minimum: 10))
            reconnectMaxDelayMillis = Int(r.duration(reconnect["max_delay"], "mqtt.reconnect.max_delay",
                                                     default: Int64(reconnectMaxDelayMillis), minimum: 10))
        }
    }
}

extension ConfigReader {
    /// Template syntax, the variables the asset/metric compositions use, a metric name for number payloads.
    mutating func checkRoutes(_ config: TwinConfiguration) {
        for (index, topic) in config.topics.enumerated() {
            do {
                _ = try Route(template: topic.template, format: topic.format, asset: topic.asset, metric: topic.metric)
            } catch {
                fail("topics[\(index)].template", "\(error)", nil)
            }
        }
    }
}
