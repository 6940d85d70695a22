import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization
import Testing
import TestSupport
import TwinCore
import TwinDaemon
import TwinMQTT
import TwinStore

/// Regression tests for "nothing lost": ack after commit, persistent sessions, idempotent inserts.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct CrashRecoveryTests {
    /// Publishes 20,000 QoS 1 messages to the daemon's persistent session, kills the daemon with SIGKILL at three
    /// random moments while it ingests, restarts it each time, and checks every reading is stored exactly once.
    /// The merge threshold is the lowest allowed, so the background merge runs all along and kills land mid-merge.
    @Test func killNineThreeTimesLosesNothingAndDuplicatesNothing() async throws {
        let total = 20_000
        let broker = try MosquittoBroker.start(persistence: true)
        let daemon = try DaemonProcess(broker: broker, clientID: "twind-crash-test", mergeThreshold: 1_000)
        try daemon.start()
        let publisher = try Harness.publisher(broker)
        defer { publisher.disconnect() }
        let probes = try await Harness.waitUntilIngesting(daemon, publisher)
        try await waitUntil(timeout: .seconds(30)) { (Harness.counts(daemon)?.readings ?? 0) >= 1 }

        // The messages go out from another thread at a steady ~2,000 msg/s (10 s) while the daemon is killed and
        // restarted: slower than the daemon ingests, so the kills land mid-ingest even on a busy machine.
        var model = FleetModel(assets: 1_000, format: .json, seed: 7)
        let base = Harness.now() - 3_600_000
        let messages = (0..<total).map { i in model.nextMessages(now: base + Int64(i / 1_000))[0] }
        let published = Atomic<Int>(0)
        let publishError = Mutex<String?>(nil)
        let thread = Thread {
            do {
                for (i, message) in messages.enumerated() {
                    try publisher.publish(topic: message.topic, payload: message.payload)
                    published.store(i + 1, ordering: .relaxed)
                    if i % 100 == 99 { Thread.sleep(forTimeInterval: 0.05) }
                }
                try publisher.waitForAllAcks(timeout: .seconds(60))
            } catch {
                publishError.withLock { $0 = "\(error)" }
            }
        }
        thread.start()

        var rng = SystemRandomNumberGenerator()
        let killPoints = (0..<3).map { _ in Int.random(in: 1_000...(total * 4 - 16_000), using: &rng) }.sorted()
        var killedAt: [Int] = []
        for point in killPoints {
            try await waitUntil(timeout: .seconds(120)) { (Harness.counts(daemon)?.readings ?? 0) >= point + 1 }
            killedAt.append(Harness.counts(daemon)?.readings ?? -1)
            try await daemon.kill9()
            try daemon.start()
        }
        try await waitUntil(timeout: .seconds(120)) { published.load(ordering: .relaxed) == total || publishError.withLock { $0 } != nil }
        #expect(publishError.withLock { $0 } == nil)
        let expected = total * 4
        try await waitUntil(timeout: .seconds(120)) { Harness.readingsExcludingProbes(daemon) >= expected }
        // Let any redelivery still in flight land before counting for duplicates.
        try await daemon.stop()
        let reader = try TwinStoreReader(path: daemon.databasePath)
        let counts = try reader.counts()
        var probeRows = 0
        try reader.history(asset: "probe", metric: "probe", from: nil, to: nil, limit: nil) { _ in probeRows += 1 }
        #expect(probeRows <= probes)
        #expect(counts.readings - probeRows == expected, "killed at readings \(killedAt)")
        #expect(counts.quarantined == 0)
        // Exactly once: every (asset, metric, ts) distinct, every published value present.
        for asset in ["pump-0001", "pump-0500", "pump-1000"] {
            var timestamps: [Int64] = []
            try reader.history(asset: asset, metric: "temp", from: nil, to: nil, limit: nil) {
                timestamps.append($0.timestamp)
            }
            #expect(timestamps.count == total / 1_000)
            #expect(Set(timestamps).count == timestamps.count)
        }
        #expect(killedAt.allSatisfy { $0 < expected }, "a kill came after ingest finished: \(killedAt)")
    }

    /// Issue #13's regression: the stored twin is its history. A burst from 500 pumps, two SIGKILLs while it is
    /// drained, then idle: every twin's snapshot (count, min, max of every metric) catches up with SQL over its
    /// readings within a few snapshot intervals (before, passes advanced only with batches and stayed behind while
    /// idle). A third SIGKILL and a restart: the restored twins (snapshot plus the readings after it) take one more
    /// reading each and their snapshots still equal the history.
    @Test(.timeLimit(.minutes(5))) func storedTwinsEqualTheirHistoryAfterKillsAndIdle() async throws {
        let (broker, daemon, publisher, _) = try await Harness.startDaemon(persistence: true, clientID: "twind-history-test", mergeThreshold: 1_000)
        defer { daemon.kill(); publisher.disconnect(); broker.stop() }

        var model = FleetModel(assets: 500, format: .json, seed: 11)
        let base = Harness.now() - 3_600_000
        let total = 10_000
        try Self.publish(&model, publisher, count: total, from: base)
        for point in [total, total * 2] {
            try await waitUntil(timeout: .seconds(60)) { Harness.readingsExcludingProbes(daemon) >= point }
            try await daemon.kill9()
            try daemon.start()
        }
        try await waitUntil(timeout: .seconds(120)) { Harness.readingsExcludingProbes(daemon) >= total * 4 }

        func compare() throws -> (twins: [String], history: [String]) { try Self.twinsAndHistory(daemon) }
        try? await waitUntil(timeout: .seconds(30)) { let c = try compare(); return c.twins == c.history }
        var (twins, history) = try compare()
        #expect(history.count == 500 * 4)
        #expect(twins == history, "first difference: \(Self.firstDifference(twins, history))")

        try await daemon.kill9()
        try daemon.start()
        try await Harness.waitUntilIngesting(daemon, publisher)
        try Self.publish(&model, publisher, count: 500, from: base + Int64(total))
        try await waitUntil(timeout: .seconds(60)) { Harness.readingsExcludingProbes(daemon) >= (total + 500) * 4 }
        try? await waitUntil(timeout: .seconds(30)) { let c = try compare(); return c.twins == c.history }
        (twins, history) = try compare()
        #expect(twins == history, "first difference: \(Self.firstDifference(twins, history))")
        #expect(try await daemon.stop() == 0)
    }

    /// Count, min and max of every pump series, as the stored twins have them and as SQL over the readings does.
    /// The snapshots are binary: they are decoded here (as `twind query twin` does), and both sides are printed
    /// the same way.
    static func twinsAndHistory(_ daemon: DaemonProcess) throws -> (twins: [String], history: [String]) {
        let reader = try TwinStoreReader(path: daemon.databasePath)
        var twins: [String] = []
        for asset in try sql(daemon, "SELECT asset FROM twin_snapshots WHERE asset LIKE 'pump-%' ORDER BY asset") {
            guard let state = try reader.twin(asset: asset)?.state else { continue }
            let twin = try SnapshotDocument.decode(state).twin
            for (metric, m) in twin.metrics.sorted(by: { $0.key < $1.key }) {
                twins.append("\(asset)|\(metric)|\(m.count)|\(m.min)|\(m.max)")
            }
        }
        let history = try sql(daemon, """
            SELECT asset, metric, COUNT(*), MIN(value), MAX(value) FROM readings
             WHERE asset LIKE 'pump-%' GROUP BY asset, metric ORDER BY 1, 2
            """).map { line in
            let f = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            return "\(f[0])|\(f[1])|\(f[2])|\(Double(f[3]) ?? .nan)|\(Double(f[4]) ?? .nan)"
        }
        return (twins, history)
    }

    /// The same after a disk-full episode: the database on a 2 MB tmpfs that a burst fills (commits fail, nothing
    /// is acknowledged), then grown to 256 MB: the broker redelivers, every reading is stored once, and every stored
    /// twin equals its history, so no failed commit left a trace in the twins.
    @Test(.timeLimit(.minutes(5)), .enabled(if: getuid() == 0, "mounts a tmpfs: needs root (CI runs as root)"))
    func storedTwinsEqualTheirHistoryAfterADiskFullEpisode() async throws {
        let volume = FileManager.default.temporaryDirectory.appendingPathComponent("twind-full-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: volume, withIntermediateDirectories: true)
        #expect(try Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", volume.path]) == 0)
        defer { _ = try? Self.run("/bin/umount", ["-l", volume.path]) }
        let port = freeLoopbackPort()
        let broker = try MosquittoBroker.start(persistence: true)
        let daemon = try DaemonProcess(broker: broker, clientID: "twind-disk-full-test",
                                       extraYAML: "http:\n  listen: \"127.0.0.1:\(port)\"\n", databaseDirectory: volume)
        try daemon.start()
        defer { daemon.kill() }
        let publisher = try Harness.publisher(broker)
        defer { publisher.disconnect() }
        try await Harness.waitUntilIngesting(daemon, publisher)

        var model = FleetModel(assets: 500, format: .json, seed: 13)
        let total = 20_000
        try Self.publish(&model, publisher, count: total, from: Harness.now() - 3_600_000)
        func commitFailures() async -> Int {
            guard let url = URL(string: "http://127.0.0.1:\(port)/healthz"),
                  let (data, _) = try? await URLSession.shared.data(from: url),
                  let health = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return 0 }
            return health["commitFailures"] as? Int ?? 0
        }
        let deadline = ContinuousClock.now + .seconds(60)
        while await commitFailures() == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(await commitFailures() > 0, "the disk never filled")
        #expect(Harness.readingsExcludingProbes(daemon) < total * 4)

        #expect(try Self.run("/bin/mount", ["-o", "remount,size=256m", volume.path]) == 0)
        try await waitUntil(timeout: .seconds(120)) { Harness.readingsExcludingProbes(daemon) >= total * 4 }
        #expect(Harness.readingsExcludingProbes(daemon) == total * 4)
        try? await waitUntil(timeout: .seconds(30)) { let c = try Self.twinsAndHistory(daemon); return c.twins == c.history }
        let (twins, history) = try Self.twinsAndHistory(daemon)
        #expect(history.count == 500 * 4)
        #expect(twins == history, "first difference: \(Self.firstDifference(twins, history))")
        #expect(daemon.isRunning)
        #expect(try await daemon.stop() == 0)
    }

    /// `count` messages of the fleet, one millisecond apart from `start`, each acknowledged by the broker.
    static func publish(_ model: inout FleetModel, _ publisher: MQTTPublisher, count: Int, from start: Int64) throws {
        for i in 0..<count {
            let message = model.nextMessages(now: start + Int64(i))[0]
            try publisher.publish(topic: message.topic, payload: message.payload)
        }
        try publisher.waitForAllAcks(timeout: .seconds(60))
    }

    static func run(_ tool: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Rows of a query on the daemon's database, through the sqlite3 tool (read-only, beside the running daemon).
    static func sql(_ daemon: DaemonProcess, _ query: String) throws -> [String] {
        let result = try runTool("/usr/bin/sqlite3", ["-readonly", daemon.databasePath, query])
        guard result.status == 0 else { throw TestFailure("sqlite3 failed: \(result.output)") }
        return result.output.split(separator: "\n").map(String.init)
    }

    static func firstDifference(_ a: [String], _ b: [String]) -> String {
        for (x, y) in zip(a, b) where x != y { return "twin \(x) vs history \(y)" }
        return a.count == b.count ? "none" : "\(a.count) twin rows vs \(b.count) history rows"
    }

    /// The broker goes away and comes back (with its persistence): the daemon reconnects, resubscribes, and
    /// everything published before, during and after the outage is stored.
    @Test func reconnectsAfterBrokerRestartWithoutLoss() async throws {
        let broker = try MosquittoBroker.start(persistence: true)
        let http = Harness.httpYAML()
        let daemon = try DaemonProcess(broker: broker, clientID: "twind-reconnect-test", extraYAML: http.yaml)
        try daemon.start()
        defer { daemon.kill() }
        var publisher = try Harness.publisher(broker)
        try await Harness.waitUntilIngesting(daemon, publisher)
        let start = try #require(Harness.counts(daemon)).readings

        var model = FleetModel(assets: 10, format: .json, seed: 3)
        let base = Harness.now() - 600_000
        func publish(_ n: Int, offset: Int) throws {
            for i in 0..<n {
                let message = model.nextMessages(now: base + Int64(offset + i))[0]
                try publisher.publish(topic: message.topic, payload: message.payload)
            }
            try publisher.waitForAllAcks(timeout: .seconds(10))
        }
        try publish(500, offset: 0)
        try await waitUntil(timeout: .seconds(30)) { (Harness.counts(daemon)?.readings ?? 0) >= start + 2_000 }

        publisher.disconnect()
        broker.stop()
        try await Harness.waitForHTTP(http.base + "/healthz") { $0.json["brokerConnected"] as? Bool == false }
        try broker.restart()
        publisher = try Harness.publisher(broker)
        defer { publisher.disconnect() }
        try publish(500, offset: 1_000)
        try await waitUntil(timeout: .seconds(60)) { (Harness.counts(daemon)?.readings ?? 0) >= start + 4_000 }
        #expect(Harness.counts(daemon)?.readings == start + 4_000)
        #expect(daemon.isRunning)
        #expect(try await daemon.stop() == 0)
    }
}
