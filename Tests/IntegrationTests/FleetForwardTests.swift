import Foundation
import Testing
import TestSupport
import TwinStore

/// Forwarding to a real PostgreSQL (`forward:`), started by the harness: three gateways, an outage, a crash.
@Suite(.serialized) struct FleetForwardTests {
    /// One gateway: its broker, its daemon, its simulated fleet.
    struct Gateway {
        let name: String
        let broker: MosquittoBroker
        let daemon: DaemonProcess
    }

    static func forwardYAML(_ server: PostgresServer, gateway: String, url: String? = nil,
                            passwordFile: String? = nil, rollups: Bool = false) -> String {
        """
        forward:
          url: "\(url ?? server.url)"
          password_file: \(passwordFile ?? server.passwordFile)
          gateway: \(gateway)\(rollups ? "\n  streams: [alerts, maintenance, latest, readings, rollups, quarantine]" : "")
          batch_rows: 2000
          poll: 50ms
          retry: { min: 200ms, max: 2s }
        rules:
          - name: hot-bearing
            select: { asset: "pump-*" }
            metric: temp
            severity: warning
            threshold: { above: 70, clear_below: 65 }

        """
    }

    static func startGateway(_ name: String, _ server: PostgresServer, rollups: Bool = false) throws -> Gateway {
        let broker = try MosquittoBroker.start(persistence: true)
        let daemon = try DaemonProcess(broker: broker, clientID: "twind-\(name)",
                                       extraYAML: forwardYAML(server, gateway: name, rollups: rollups))
        try daemon.start()
        return Gateway(name: name, broker: broker, daemon: daemon)
    }

    static func sqlite(_ database: String, _ sql: String) throws -> String {
        let result = try runTool("/usr/bin/sqlite3", ["-readonly", database, sql])
        guard result.status == 0 else { throw TestFailure("sqlite3 failed: \(result.output)") }
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func count(_ text: String) -> Int { Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1 }

    /// Every reading of a gateway as `asset|metric|ts|value`, the value parsed to a Double on both sides (sqlite3
    /// prints 17 significant digits, PostgreSQL the shortest exact form), sorted.
    static func readings(sqlite database: String) throws -> [String] {
        try sqlite(database, "SELECT asset, metric, ts, printf('%!.17g', value) FROM readings ORDER BY 1, 2, 3")
            .split(separator: "\n").map(normalize)
    }

    static func readings(_ server: PostgresServer, gateway: String) throws -> [String] {
        try server.psql("SELECT asset, metric, ts, value FROM readings WHERE gateway = '\(gateway)' ORDER BY 1, 2, 3")
            .split(separator: "\n").map(normalize)
    }

    static func normalize(_ line: Substring) -> String {
        var fields = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        if let value = fields.last.flatMap(Double.init) { fields[fields.count - 1] = "\(value.bitPattern)" }
        return fields.joined(separator: "|")
    }

    /// The first series whose readings differ, for the failure message.
    static func firstDifference(_ local: [String], _ central: [String]) -> String {
        func bySeries(_ rows: [String]) -> [String: [String]] {
            Dictionary(grouping: rows) { $0.split(separator: "|").prefix(2).joined(separator: "|") }
        }
        let (a, b) = (bySeries(local), bySeries(central))
        for key in Set(a.keys).union(b.keys).sorted() where a[key] != b[key] {
            return "\(key): \(a[key]?.count ?? 0) local, \(b[key]?.count ?? 0) central"
        }
        return "none"
    }

    /// The first minute whose min, max or sum differs between the gateway's `readings_1m` and the central one
    /// (min and max exactly, sums to 1e-9 relative: added in another order), or nil.
    static func minuteDifference(_ database: String, _ server: PostgresServer, gateway: String) throws -> String? {
        let local = try sqlite(database, "SELECT asset, metric, ts, printf('%!.17g', min), printf('%!.17g', max), "
                               + "printf('%!.17g', sum) FROM readings_1m ORDER BY 1, 2, 3").split(separator: "\n")
        let central = try server.psql("SELECT asset, metric, ts, min, max, sum FROM readings_1m "
                                      + "WHERE gateway = '\(gateway)' ORDER BY 1, 2, 3").split(separator: "\n")
        guard local.count == central.count else { return "\(local.count) local minutes, \(central.count) central" }
        for (a, b) in zip(local, central) {
            let (x, y) = (a.split(separator: "|"), b.split(separator: "|"))
            guard x.count == 6, y.count == 6, x[0..<3] == y[0..<3] else { return "\(a) vs \(b)" }
            let (u, v) = (x[3...].compactMap { Double($0) }, y[3...].compactMap { Double($0) })
            guard u.count == 3, v.count == 3, u[0] == v[0], u[1] == v[1],
                  abs(u[2] - v[2]) <= 1e-9 * max(1, abs(u[2])) else { return "\(a) vs \(b)" }
        }
        return nil
    }

    /// The value of the Prometheus sample `name` (with its labels) in a `/metrics` text.
    static func sample(_ text: String, _ name: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1))
        }
        return nil
    }

    static func pause(_ seconds: Double) async throws { try await Task.sleep(for: .milliseconds(Int(seconds * 1000))) }

    @Test("three gateways forward exactly their history through a 30 s PostgreSQL outage and a kill -9")
    func threeGatewaysThroughOutageAndCrash() async throws {
        let server = try PostgresServer.start()
        defer { try? server.stop() }
        var gateways: [Gateway] = []
        defer { for gateway in gateways { gateway.daemon.kill() } }
        // Site 2, the one killed mid-forward, also forwards 1-minute rollups (its readings_1m then reads them).
        for index in 1...3 { gateways.append(try Self.startGateway("site-\(index)", server, rollups: index == 2)) }
        for gateway in gateways {
            let publisher = try Harness.publisher(gateway.broker)
            try await Harness.waitUntilIngesting(gateway.daemon, publisher)
            publisher.disconnect()
        }
        // Each site's fleet: 12 pumps at 150 msg/s for 48 s; overheating pumps raise and clear alerts.
        var fleets: [ChildProcess] = []
        for (index, gateway) in gateways.enumerated() {
            fleets.append(try ChildProcess.spawn(Twind.executable, arguments: [
                "simulate", "--broker", gateway.broker.url, "--assets", "12", "--rate", "150", "--duration", "48",
                "--scenario", "overheat", "--seed", "\(index + 1)", "--quiet",
            ], outputPath: gateway.daemon.directory.appendingPathComponent("simulate.log").path))
        }
        defer { for fleet in fleets { fleet.signal(SIGKILL) } }
        try await Self.pause(6)

        // The outage: PostgreSQL away for 30 s. Ingest must go on committing all the while.
        try server.stop()
        let before = try gateways.map { Self.count(try Self.sqlite($0.daemon.databasePath,
                                                                     "SELECT count(*) FROM readings")) }
        try await Self.pause(30)
        let during = try gateways.map { Self.count(try Self.sqlite($0.daemon.databasePath,
                                                                     "SELECT count(*) FROM readings")) }
        for (index, gateway) in gateways.enumerated() {
            // 150 msg/s × 4 readings for ~30 s: ~18,000; ask for a third of it.
            #expect(during[index] - before[index] > 7_000,
                    "\(gateway.name) committed only \(during[index] - before[index]) readings while PostgreSQL was down")
            let status = try Self.sqlite(gateway.daemon.databasePath,
                                         "SELECT error FROM forward_cursors WHERE stream = 'readings'")
            #expect(!status.isEmpty, "\(gateway.name) recorded no forwarding error during the outage")
        }
        try server.launch()

        // A crash mid-forward: gateway 2 is killed as soon as it has forwarded part of its backlog, and restarted.
        let crashed = gateways[1]
        let forwardedBefore = Self.count(try Self.sqlite(crashed.daemon.databasePath,
                                                         "SELECT forwarded FROM forward_cursors WHERE stream = 'readings'"))
        for _ in 0..<400 {
            let now = Self.count(try Self.sqlite(crashed.daemon.databasePath,
                                                 "SELECT forwarded FROM forward_cursors WHERE stream = 'readings'"))
            if now > forwardedBefore { break }
            try await Self.pause(0.05)
        }
        try await crashed.daemon.kill9()
        let pendingAtCrash = Self.count(try Self.sqlite(crashed.daemon.databasePath,
                                                        "SELECT coalesce(sum(rows), 0) FROM forward_queue"))
        try crashed.daemon.start()

        for (index, fleet) in fleets.enumerated() {
            try await waitUntil(timeout: .seconds(60)) { !fleet.isRunning }
            #expect(((fleet.exitStatus ?? -1) >> 8) & 0xFF == 0, "the fleet of \(gateways[index].name) failed")
        }
        // Caught up: every gateway's queue empty and its readings count matched in PostgreSQL.
        for gateway in gateways {
            var caughtUp = false
            for _ in 0..<240 {
                let local = Self.count(try Self.sqlite(gateway.daemon.databasePath, "SELECT count(*) FROM readings"))
                let queued = Self.count(try Self.sqlite(gateway.daemon.databasePath,
                                                        "SELECT coalesce(sum(rows), 0) FROM forward_queue"))
                let central = Self.count(try server.psql(
                    "SELECT count(*) FROM readings WHERE gateway = '\(gateway.name)'"))
                if queued == 0 && local == central {
                    caughtUp = true
                    break
                }
                try await Self.pause(0.5)
            }
            #expect(caughtUp, "\(gateway.name) did not catch up:\n\(gateway.daemon.log.suffix(2_000))")
        }
        // Latest values and alerts settle within a forward pass after the last change.
        try await Self.pause(2)

        var alertsSeen = 0
        for gateway in gateways {
            let local = try Self.readings(sqlite: gateway.daemon.databasePath)
            let central = try Self.readings(server, gateway: gateway.name)
            #expect(local.count > 25_000, "\(gateway.name) stored only \(local.count) readings")
            let difference = local == central ? "none" : Self.firstDifference(local, central)
            #expect(local == central,
                    "\(gateway.name): \(local.count) local vs \(central.count) central readings; first difference: \(difference)")
            let alertColumns = "id, asset, rule, severity, state, raised_at, coalesce(cleared_at, -1)"
            let localAlerts = try Self.sqlite(gateway.daemon.databasePath,
                                              "SELECT \(alertColumns) FROM alerts ORDER BY id")
            let centralAlerts = try server.psql(
                "SELECT \(alertColumns) FROM alerts WHERE gateway = '\(gateway.name)' ORDER BY id")
            #expect(localAlerts == centralAlerts, "\(gateway.name) alerts differ")
            let eventColumns = "id, alert_id, ts, event"
            let localEvents = try Self.sqlite(gateway.daemon.databasePath,
                                              "SELECT \(eventColumns) FROM alert_events ORDER BY id")
            let centralEvents = try server.psql(
                "SELECT \(eventColumns) FROM alert_events WHERE gateway = '\(gateway.name)' ORDER BY id")
            #expect(localEvents == centralEvents, "\(gateway.name) alert events differ")
            alertsSeen += localAlerts.split(separator: "\n").count
            let localLatest = try Self.sqlite(gateway.daemon.databasePath,
                                              "SELECT asset, metric, ts FROM twin_latest ORDER BY 1, 2")
            let centralLatest = try server.psql(
                "SELECT asset, metric, ts FROM twin_latest WHERE gateway = '\(gateway.name)' ORDER BY 1, 2")
            #expect(localLatest == centralLatest, "\(gateway.name) twin_latest differs")
            // The central minute view over the narrow table: the same minutes and counts as the gateway's own.
            let minutes = "SELECT asset, metric, ts, count FROM readings_1m"
            let localMinutes = try Self.sqlite(gateway.daemon.databasePath, minutes + " ORDER BY 1, 2, 3")
            let centralMinutes = try server.psql(minutes + " WHERE gateway = '\(gateway.name)' ORDER BY 1, 2, 3")
            #expect(localMinutes == centralMinutes, "\(gateway.name) readings_1m differs")
            let minuteDifference = try Self.minuteDifference(gateway.daemon.databasePath, server, gateway: gateway.name)
            #expect(minuteDifference == nil, "\(gateway.name) readings_1m: \(minuteDifference ?? "")")
        }
        let rollupGateways = try server.psql("SELECT gateway FROM gateways WHERE rollups ORDER BY 1")
        #expect(rollupGateways == "site-2", "gateways forwarding rollups: \(rollupGateways)")
        let rollupCells = Self.count(try server.psql(
            "SELECT count(*) FROM rollups_1m_data r JOIN series s ON s.id = r.series WHERE s.gateway = 'site-2'"))
        // 12 pumps × 4 metrics, each in at least one minute.
        #expect(rollupCells >= 48, "site-2 forwarded only \(rollupCells) rollup cells")
        #expect(alertsSeen > 0, "no alerts were raised: the alert streams went untested")
        // The kill came mid-forward (readings still queued), and the restarted gateway went on from its cursor.
        #expect(pendingAtCrash > 0, "gateway 2 had forwarded everything before the kill: not a mid-forward crash")
        let duplicates = Self.count(try server.psql("""
            SELECT count(*) FROM (SELECT 1 FROM alert_events GROUP BY gateway, id HAVING count(*) > 1) d
            """))
        #expect(duplicates == 0)
        let partitions = Self.count(try server.psql(
            "SELECT count(*) FROM pg_inherits WHERE inhparent = 'readings_data'::regclass"))
        #expect(partitions >= 4, "expected daily partitions created ahead, found \(partitions)")
    }

    @Test("TLS: verify-full against the right CA forwards over TLS; an unrelated CA is refused")
    func tlsVerifyFull() async throws {
        let certificates = try TestCertificates.make()
        let server = try PostgresServer.start(tls: certificates)
        defer { try? server.stop() }
        let base = "postgres://\(server.user)@127.0.0.1:\(server.port)/\(server.database)?sslmode=verify-full&sslrootcert="
        let http = Harness.httpYAML()
        let (broker, daemon, publisher, _) = try await Harness.startDaemon(
            extraYAML: Self.forwardYAML(server, gateway: "tls", url: base + certificates.caFile) + http.yaml)
        defer {
            daemon.kill()
            publisher.disconnect()
        }
        var central = 0
        for _ in 0..<100 where central == 0 {
            central = Self.count(try server.psql("SELECT count(*) FROM readings WHERE gateway = 'tls'"))
            try await Self.pause(0.1)
        }
        #expect(central > 0, "nothing forwarded over TLS:\n\(daemon.log.suffix(1_500))")
        let encrypted = try server.psql("""
            SELECT bool_and(s.ssl) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
            WHERE a.usename = 'twind' AND a.client_addr IS NOT NULL
            """)
        #expect(encrypted == "t", "the forwarder's connection is not encrypted (\(encrypted))")
        // Its metrics count what went.
        try await Harness.waitForHTTP(http.base + "/metrics") { reply in
            Self.sample(reply.text, "twind_forward_rows_total{stream=\"readings\"}").map { $0 > 0 } ?? false
        }

        let otherHTTP = Harness.httpYAML()
        let (otherBroker, refused, otherPublisher, _) = try await Harness.startDaemon(
            extraYAML: Self.forwardYAML(server, gateway: "wrong-ca", url: base + certificates.otherCAFile)
                + otherHTTP.yaml)
        defer {
            refused.kill()
            otherPublisher.disconnect()
            otherBroker.stop()
        }
        var error = ""
        for _ in 0..<100 where !error.contains("certificate") {
            error = try Self.sqlite(refused.databasePath,
                                    "SELECT coalesce(error, '') FROM forward_cursors WHERE stream = 'readings'")
            try await Self.pause(0.1)
        }
        #expect(error.contains("certificate failed verification"), "forward status shows \"\(error)\"")
        #expect(Self.count(try server.psql("SELECT count(*) FROM readings WHERE gateway = 'wrong-ca'")) == 0)
        try await Harness.waitForHTTP(otherHTTP.base + "/metrics") { reply in
            (Self.sample(reply.text, "twind_forward_errors_total").map { $0 > 0 } ?? false)
                && Self.sample(reply.text, "twind_forward_connected") == 0
        }
        broker.stop()
    }

    @Test("a batch forwarded twice (a crash between PostgreSQL's commit and the cursor) lands once, rollups too")
    func batchForwardedTwiceLandsOnce() async throws {
        let server = try PostgresServer.start()
        defer { try? server.stop() }
        let (broker, daemon, publisher, _) = try await Harness.startDaemon(
            extraYAML: Self.forwardYAML(server, gateway: "again", rollups: true))
        defer {
            daemon.kill()
            publisher.disconnect()
            broker.stop()
        }
        for index in 0..<200 {
            try publisher.publish(topic: "twin/pump-\(index % 5)/telemetry",
                                  payload: Array("{\"ts\":\(Harness.now() - 10_000 + Int64(index)),\"temp\":\(index)}".utf8))
        }
        let local = { Self.count(try Self.sqlite(daemon.databasePath, "SELECT count(*) FROM readings")) }
        let central = { Self.count(try server.psql("SELECT count(*) FROM readings WHERE gateway = 'again'")) }
        for _ in 0..<100 where try local() < 201 || central() != local() { try await Self.pause(0.1) }
        #expect(try central() == local())
        // What a crash after PostgreSQL's commit leaves: the same readings queued again, cursor not moved.
        try await daemon.stop()
        // The same readings queued again, as one chunk (the form a commit queues them in).
        let stored = try Self.sqlite(daemon.databasePath, """
            SELECT series_id, ts, printf('%!.17g', value) FROM readings_recent
            UNION ALL SELECT series_id, ts, printf('%!.17g', value) FROM readings_main
            """)
        var chunk = ForwardChunk()
        for line in stored.split(separator: "\n") {
            let fields = line.split(separator: "|")
            try #require(fields.count == 3, "\(line)")
            chunk.append(series: try #require(Int64(fields[0])), timestamp: try #require(Int64(fields[1])),
                         value: try #require(Double(fields[2])))
        }
        let hex = chunk.encoded().map { String(format: "%02x", $0) }.joined()
        // The rollups cursor's count (the token) goes back by the batch too, as a crash before the advance leaves it.
        let result = try runTool("/usr/bin/sqlite3", [daemon.databasePath, """
            INSERT INTO forward_queue (ts, rows, total, data) VALUES (\(chunk.oldest ?? 0), \(chunk.count),
                coalesce((SELECT total FROM forward_queue ORDER BY seq DESC LIMIT 1), 0) + \(chunk.count), X'\(hex)');
            UPDATE forward_cursors SET forwarded = forwarded - \(chunk.count) WHERE stream = 'rollups';
            """])
        #expect(result.status == 0, "\(result.output)")
        let requeued = Self.count(try Self.sqlite(daemon.databasePath, "SELECT coalesce(sum(rows), 0) FROM forward_queue"))
        #expect(requeued >= 201)
        try daemon.start()
        for _ in 0..<100 {
            if Self.count(try Self.sqlite(daemon.databasePath, "SELECT coalesce(sum(rows), 0) FROM forward_queue")) == 0 { break }
            try await Self.pause(0.1)
        }
        #expect(Self.count(try Self.sqlite(daemon.databasePath, "SELECT coalesce(sum(rows), 0) FROM forward_queue")) == 0)
        #expect(try central() == local())
        #expect(daemon.log.contains("partly in PostgreSQL already"))
        #expect(daemon.log.contains("rollups are in PostgreSQL already"))
        // The central minutes come from the forwarded rollups, each reading counted once.
        let difference = try Self.minuteDifference(daemon.databasePath, server, gateway: "again")
        #expect(difference == nil, "readings_1m: \(difference ?? "")")
        let minutes = "SELECT asset, metric, ts, count FROM readings_1m"
        #expect(try Self.sqlite(daemon.databasePath, minutes + " ORDER BY 1, 2, 3")
                == server.psql(minutes + " WHERE gateway = 'again' ORDER BY 1, 2, 3"))
        #expect(Self.count(try server.psql("SELECT count(*) FROM rollups_1m_data")) > 0)
    }

    @Test("quarantined messages pruned locally before they were forwarded are counted as dropped, not skipped silently")
    func prunedQuarantineIsCounted() async throws {
        let server = try PostgresServer.start()
        defer { try? server.stop() }
        let (broker, daemon, publisher, _) = try await Harness.startDaemon(
            extraYAML: Self.forwardYAML(server, gateway: "pruned"))
        defer {
            daemon.kill()
            publisher.disconnect()
            broker.stop()
        }
        for index in 0..<3 { try publisher.publish(topic: "twin/pump-\(index)/telemetry", payload: Array("{oops".utf8)) }
        let central = { Self.count(try server.psql("SELECT count(*) FROM quarantine WHERE gateway = 'pruned'")) }
        for _ in 0..<100 where try central() < 3 { try await Self.pause(0.1) }
        #expect(try central() == 3)
        // What the local cap does while PostgreSQL is away: ten more arrive, the oldest five of them are pruned.
        try await daemon.stop()
        let result = try runTool("/usr/bin/sqlite3", [daemon.databasePath, """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10)
            INSERT INTO quarantine_entries (received_at, topic, reason, payload) SELECT i, 'twin/x/telemetry', 'invalid_json', X'00' FROM n;
            DELETE FROM quarantine_entries WHERE id BETWEEN 4 AND 8;
            """])
        #expect(result.status == 0, "\(result.output)")
        try daemon.start()
        let cursor = { try Self.sqlite(daemon.databasePath,
                                       "SELECT position || '/' || dropped FROM forward_cursors WHERE stream = 'quarantine'") }
        for _ in 0..<100 where try cursor() != "13/5" { try await Self.pause(0.1) }
        #expect(try cursor() == "13/5")
        #expect(try central() == 8)
        #expect(daemon.log.contains("pruned locally before they were forwarded"))
    }

    @Test("a wrong password or a missing database: one clear line per retry, no crash, ingest goes on")
    func wrongPasswordAndMissingDatabase() async throws {
        let server = try PostgresServer.start()
        defer { try? server.stop() }
        let wrongPassword = server.directory + "-wrong"
        try "not-the-password\n".write(toFile: wrongPassword, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: wrongPassword) }
        let missing = server.url.replacingOccurrences(of: "/\(server.database)?", with: "/nosuchdb?")
        let cases: [(yaml: String, expected: String)] = [
            (Self.forwardYAML(server, gateway: "a", passwordFile: wrongPassword), "password authentication failed"),
            (Self.forwardYAML(server, gateway: "b", url: missing), "database \"nosuchdb\" does not exist"),
        ]
        for (yaml, expected) in cases {
            let (broker, daemon, publisher, _) = try await Harness.startDaemon(extraYAML: yaml)
            defer {
                daemon.kill()
                publisher.disconnect()
                broker.stop()
            }
            var error = ""
            for _ in 0..<100 where !error.contains(expected) {
                error = try Self.sqlite(daemon.databasePath,
                                        "SELECT coalesce(error, '') FROM forward_cursors WHERE stream = 'readings'")
                try await Self.pause(0.1)
            }
            #expect(error.contains(expected), "forward status shows \"\(error)\"")
            try await Self.pause(3)
            #expect(daemon.isRunning)
            let lines = daemon.log.split(separator: "\n").filter { $0.contains("forwarding failed, retrying") }
            // Retries of 200 ms doubling to 2 s over ≥ 3 s: a handful of lines, each with the reason, not a flood.
            #expect(lines.count >= 2 && lines.count <= 12, "\(lines.count) failure lines")
            #expect(lines.allSatisfy { $0.contains(expected) })
            #expect(!daemon.log.contains(server.password))
            // Ingest is not held up: a probe still goes in.
            try await Harness.waitUntilIngesting(daemon, publisher, timeout: .seconds(20))
        }
    }
}
