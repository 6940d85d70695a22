import TwinCore
import TwinForward
import TwinStore
import Yams

extension TwinConfiguration {
    /// `forward: { url: "postgres://twind@central:5432/fleet?sslmode=require", password_file: /etc/twind/pg-password,
    /// gateway: site-1, streams: [alerts, maintenance, latest, readings, rollups, quarantine], batch_rows: 10000,
    /// poll: 200ms, retry: { min: 1s, max: 60s }, max_backlog: 50000000, partitions_ahead: 3 }`
    mutating func readForward(_ node: Node?, _ r: inout ConfigReader) {
        guard let m = r.mapping(node, "forward", allowed: [
            "url", "password_file", "password_credential", "gateway", "streams", "batch_rows", "poll", "retry",
            "max_backlog", "partitions_ahead", "latest_interval", "yield_to_ingest",
        ]) else { return }
        guard let url = r.string(m["url"], "forward.url") else {
            if m["url"] == nil {
                r.fail("forward.url", "missing; e.g. url: \"postgres://twind@central.example:5432/fleet\"", node)
            }
            return
        }
        do {
            _ = try PostgresTarget(url: url)
        } catch {
            r.fail("forward.url", "\(error)", m["url"])
        }
        var settings = ForwardSettings(url: url)
        settings.passwordFile = r.string(m["password_file"], "forward.password_file")
        settings.passwordCredential = r.string(m["password_credential"], "forward.password_credential")
        if settings.passwordFile != nil && settings.passwordCredential != nil {
            r.fail("forward.password_credential", "set either password_file or password_credential, not both",
                   m["password_credential"])
        }
        settings.gateway = r.string(m["gateway"], "forward.gateway", default: settings.gateway)
        if settings.gateway.isEmpty || settings.gateway.count > 128 {
            r.fail("forward.gateway", "expected a name of 1 to 128 characters, e.g. gateway: site-1", m["gateway"])
        }
        if let streams = m["streams"] {
            let known = ForwardStream.allCases.map(\.rawValue)
            if case .sequence(let items) = streams {
                var chosen = Set<ForwardStream>()
                for (index, item) in items.enumerated() {
                    let name = r.oneOf(item, "forward.streams[\(index)]", known, default: "")
                    if let stream = ForwardStream(rawValue: name) { chosen.insert(stream) }
                }
                if items.isEmpty { r.fail("forward.streams", "expected at least one of \(known.joined(separator: ", "))", streams) }
                settings.streams = chosen
            } else {
                r.fail("forward.streams", "expected a list such as [\(known.joined(separator: ", "))], got "
                       + r.describe(streams), streams)
            }
        }
        settings.batchSize = r.int(m["batch_rows"], "forward.batch_rows", default: settings.batchSize,
                                   range: 1...1_000_000)
        settings.pollMillis = r.duration(m["poll"], "forward.poll", default: settings.pollMillis, minimum: 10)
        settings.latestIntervalMillis = r.duration(m["latest_interval"], "forward.latest_interval",
                                                   default: settings.latestIntervalMillis, minimum: 10)
        if let retry = r.mapping(m["retry"], "forward.retry", allowed: ["min", "max"]) {
            settings.minDelayMillis = r.duration(retry["min"], "forward.retry.min", default: settings.minDelayMillis,
                                                 minimum: 10)
            settings.maxDelayMillis = r.duration(retry["max"], "forward.retry.max", default: settings.maxDelayMillis,
                                                 minimum: 10)
            if settings.maxDelayMillis < settings.minDelayMillis {
                r.fail("forward.retry", "expected min <= max, got min \(DurationText.format(settings.minDelayMillis))"
                       + " and max \(DurationText.format(settings.maxDelayMillis))", m["retry"])
            }
        }
        settings.maxBacklog = r.int(m["max_backlog"], "forward.max_backlog", default: settings.maxBacklog,
                                    range: 1_000...2_000_000_000)
        settings.yieldMillis = r.duration(m["yield_to_ingest"], "forward.yield_to_ingest",
                                          default: settings.yieldMillis)
        settings.partitionsAhead = r.int(m["partitions_ahead"], "forward.partitions_ahead",
                                         default: settings.partitionsAhead, range: 1...60)
        forward = settings
    }
}
