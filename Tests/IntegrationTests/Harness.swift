import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestSupport
import TwinCore
import TwinMQTT
import TwinStore

/// Shared steps of the integration tests.
enum Harness {
    static func publisher(_ broker: MosquittoBroker, maxInFlight: Int = 1_000) throws -> MQTTPublisher {
        var configuration = try MQTTConfiguration(url: broker.url, clientID: "it-pub-\(UUID().uuidString.prefix(8))",
                                                  subscriptions: [])
        configuration.cleanSession = true
        let publisher = try MQTTPublisher(configuration: configuration, maxInFlight: maxInFlight)
        try publisher.connect(timeout: .seconds(10))
        return publisher
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1_000) }

    /// Counts from the daemon's database, or nil while it does not exist yet.
    static func counts(_ daemon: DaemonProcess) -> (readings: Int, series: Int, quarantined: Int, assets: Int)? {
        guard FileManager.default.fileExists(atPath: daemon.databasePath) else { return nil }
        return try? TwinStoreReader(path: daemon.databasePath).counts()
    }

    /// Publishes probe readings (asset `probe`) until one is in the database: the daemon is then subscribed and
    /// committing. Returns how many probe messages were published (each is one reading if it arrives).
    @discardableResult
    static func waitUntilIngesting(_ daemon: DaemonProcess, _ publisher: MQTTPublisher,
                                   timeout: Duration = .seconds(60)) async throws -> Int {
        var sent = 0
        var lastProbe = ContinuousClock.now - .seconds(1)
        do {
            try await waitUntil(timeout: timeout) {
                if ContinuousClock.now - lastProbe > .milliseconds(300) {
                    sent += 1
                    try publisher.publish(topic: "twin/probe/telemetry",
                                          payload: Array("{\"ts\":\(now()),\"probe\":\(sent)}".utf8))
                    lastProbe = .now
                }
                guard FileManager.default.fileExists(atPath: daemon.databasePath) else { return false }
                let latest = try? TwinStoreReader(path: daemon.databasePath).latest(asset: "probe")
                return !(latest ?? []).isEmpty
            }
        } catch {
            throw TestFailure("daemon never ingested a probe: \(error)\n--- daemon log tail ---\n"
                              + daemon.log.split(separator: "\n").suffix(30).joined(separator: "\n"))
        }
        return sent
    }

    /// The fixture of most integration tests: a private broker, a daemon with the given config ingesting from it
    /// (checked with a probe reading), and a publisher. The caller kills the daemon and disconnects the publisher in
    /// a `defer`; a test that checks a clean stop calls `daemon.stop()` itself.
    static func startDaemon(persistence: Bool = false, clientID: String? = nil, extraYAML: String = "",
                            topics: String? = nil, mergeThreshold: Int? = nil,
                            databaseDirectory: URL? = nil) async throws
        -> (broker: MosquittoBroker, daemon: DaemonProcess, publisher: MQTTPublisher, probes: Int) {
        let broker = try MosquittoBroker.start(persistence: persistence)
        let daemon = try DaemonProcess(broker: broker, clientID: clientID ?? "twind-test-\(UInt32.random(in: 0...UInt32.max))",
                                       extraYAML: extraYAML, topics: topics, mergeThreshold: mergeThreshold,
                                       databaseDirectory: databaseDirectory)
        try daemon.start()
        do {
            let publisher = try publisher(broker)
            let probes = try await waitUntilIngesting(daemon, publisher)
            return (broker, daemon, publisher, probes)
        } catch {
            daemon.kill()
            throw error
        }
    }

    /// Stored readings other than the probes of `waitUntilIngesting`.
    static func readingsExcludingProbes(_ daemon: DaemonProcess) -> Int {
        guard let counts = counts(daemon), let reader = try? TwinStoreReader(path: daemon.databasePath) else { return 0 }
        var probes = 0
        try? reader.history(asset: "probe", metric: "probe", from: nil, to: nil, limit: nil) { _ in probes += 1 }
        return counts.readings - probes
    }

    struct Reply {
        let status: Int
        let json: [String: Any]
        let text: String
    }

    /// One request to the daemon's HTTP API.
    static func http(_ url: String, token: String? = nil, method: String = "GET") async throws -> Reply {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        request.timeoutInterval = 10
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: request)
        let text = String(decoding: data, as: UTF8.self)
        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return Reply(status: (response as? HTTPURLResponse)?.statusCode ?? 0, json: json, text: text)
    }

    /// The config lines that serve the HTTP API (no token: loopback only) on a free port, and its base URL.
    static func httpYAML() -> (yaml: String, base: String) {
        let port = freeLoopbackPort()
        return ("http:\n  listen: \"127.0.0.1:\(port)\"\n", "http://127.0.0.1:\(port)")
    }

    /// Waits until a GET of `url` answers a body for which `condition` holds; fails at `timeout` with the last body.
    static func waitForHTTP(_ url: String, timeout: Duration = .seconds(20),
                            _ condition: (Reply) -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        var last = "(no answer)"
        while ContinuousClock.now < deadline {
            if let reply = try? await http(url) {
                if condition(reply) { return }
                last = reply.text
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("\(url) did not answer as expected within \(timeout); last:\n" + String(last.suffix(2_000)))
    }

    /// Waits until the daemon's `/metrics` holds the sample `line`, e.g. `twind_x_total{a="b"} 1`.
    static func waitForMetric(_ base: String, _ line: String, timeout: Duration = .seconds(20)) async throws {
        try await waitForHTTP(base + "/metrics", timeout: timeout) { reply in
            reply.text.split(separator: "\n").contains { $0 == line }
        }
    }

    static func latest(_ daemon: DaemonProcess, _ asset: String) throws -> [String: Reading] {
        let readings = try TwinStoreReader(path: daemon.databasePath).latest(asset: asset)
        return Dictionary(readings.map { ($0.metric, $0) }, uniquingKeysWith: { a, _ in a })
    }
}
