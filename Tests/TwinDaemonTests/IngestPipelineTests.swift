import Foundation
import Logging
import Testing
import TwinCore
import TwinMQTT
import TwinStore
@testable import TwinDaemon

/// The pipeline with a real SQLite file and no broker.
struct IngestPipelineTests {
    private let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("twind-pipeline-\(UUID().uuidString)").path

    private func makePipeline(_ store: TwinStore, snapshotInterval: Int64 = 0,
                              rules: RuleEngine? = nil) throws -> IngestPipeline {
        let routes = try TwinConfiguration().routes()
        return IngestPipeline(decoder: MessageDecoder(routes: routes), store: store, rules: rules,
                              snapshotIntervalMillis: snapshotInterval, metrics: IngestMetrics(),
                              logger: Logger(label: "test"))
    }

    /// Rules whose state moves with every reading: a run counter, an EWMA, a window.
    private func statefulRules() throws -> RuleEngine {
        try RuleEngine(rules: [
            RuleSpec(name: "hot-run", metric: "temp", kind: .sustained(Sustained(Threshold(.above, 50), readings: 3))),
            RuleSpec(name: "odd", metric: "temp", kind: .anomaly(Anomaly(z: 3, alpha: 0.2, warmup: 5))),
            RuleSpec(name: "climb", metric: "temp", kind: .trend(Trend(Threshold(.above, 200), window: 60_000,
                                                                         horizon: 60_000))),
        ])
    }

    /// A real SQLite failure on the pipeline's own file: a trigger (created by the sqlite3 tool, as another
    /// process would) that aborts every insert of a reading, and dropping it again.
    private func failInserts(_ path: String, _ on: Bool) throws {
        let sql = on ? "CREATE TRIGGER fail_readings BEFORE INSERT ON readings_recent BEGIN SELECT RAISE(ABORT, 'disk says no'); END;"
            : "DROP TRIGGER fail_readings;"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [path, sql]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    private func batch(_ round: Int, now: Int64) -> [InboundMessage] {
        (0..<5).map { pump in
            let value = Double((round * 7 + pump * 13) % 40) + (round % 5 == 0 ? 30 : 20)
            return message("twin/p\(pump)/telemetry",
                           "{\"ts\":\(now - 100_000 + Int64(round) * 100),\"temp\":\(value)}", at: now)
        }
    }

    private func message(_ topic: String, _ payload: String, at time: Int64) -> InboundMessage {
        InboundMessage(topic: topic, payload: Array(payload.utf8), qos: 1, retain: false, receivedAt: time)
    }

    private func withStore(_ body: (TwinStore, String) throws -> Void) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/twind.sqlite"
        let store = try TwinStore(path: path)
        try body(store, path)
    }

    @Test func batchIsCommittedAndCounted() throws {
        try withStore { store, path in
            let pipeline = try makePipeline(store)
            let now = unixMillis()
            try pipeline.process([
                message("twin/p1/telemetry", "{\"ts\":\(now - 1_000),\"temp\":20,\"fw\":\"2.0\"}", at: now),
                message("twin/p1/telemetry", "{\"ts\":\(now),\"temp\":22}", at: now),
                message("twin/p1/telemetry/rpm", "1480", at: now),
                message("twin/p1/telemetry", "{oops", at: now),
            ])
            #expect(pipeline.metrics.messagesReceived.load(ordering: .relaxed) == 4)
            #expect(pipeline.metrics.readingsCommitted.load(ordering: .relaxed) == 3)
            #expect(pipeline.metrics.quarantinedCounts == [.invalidJSON: 1])
            let twin = try #require(pipeline.twin("p1"))
            #expect(twin.metrics["temp"]?.value == 22)
            #expect(twin.metrics["temp"]?.count == 2)
            #expect(twin.properties == ["fw": "2.0"])
            let reader = try TwinStoreReader(path: path)
            #expect(try reader.counts().readings == 3)
            #expect(try reader.quarantine(limit: 10).map(\.reason) == ["invalid_json"])
        }
    }

    @Test func restartRestoresTwinsFromSnapshotsAndLatest() throws {
        try withStore { store, _ in
            let pipeline = try makePipeline(store)
            let now = unixMillis()
            for i in 0..<10 {
                try pipeline.process([message("twin/p\(i % 3)/telemetry",
                                              "{\"ts\":\(now - 10_000 + Int64(i)),\"temp\":\(i)}", at: now)])
            }
            let before = try #require(pipeline.twin("p0"))
            let restored = try makePipeline(store)
            #expect(try restored.restore().twins == 3)
            #expect(restored.twin("p0") == before)
        }
    }

    /// Snapshot plus log: a restart long after the last snapshot (here, the first batch's) finds every twin and
    /// every rule's state exactly as the crashed process had them, by replaying the stored readings after it.
    @Test func restartReplaysTheHistoryAfterTheSnapshots() throws {
        try withStore { store, _ in
            let live = try makePipeline(store, snapshotInterval: 3_600_000, rules: try statefulRules())
            let now = unixMillis()
            for round in 0..<40 { try live.process(batch(round, now: now)) }
            // A twin with no snapshot at all: its whole history is replayed.
            try live.process([message("twin/late/telemetry", "{\"ts\":\(now - 50_000),\"temp\":70}", at: now)])
            #expect(try store.loadSnapshots().count == 5)
            let restarted = try makePipeline(store, snapshotInterval: 3_600_000, rules: try statefulRules())
            let report = try restarted.restore()
            #expect(report.twins == 6 && report.fromSnapshots == 5)
            #expect(report.replayedReadings == 39 * 5 + 1)
            #expect(restarted.allTwins() == live.allTwins())
            for asset in ["p0", "p1", "p2", "p3", "p4", "late"] {
                let a = live.state.withLock { $0.model.rules.state(of: asset) }
                let b = restarted.state.withLock { $0.model.rules.state(of: asset) }
                #expect(a == b, "\(asset)")
            }
        }
    }

    /// A failed commit puts back exactly the assets the batch touched; the redelivered batch then leaves twins and
    /// rule state as if it had been applied once.
    @Test func failedCommitThenRedeliveryEqualsApplyingOnce() throws {
        try withStore { store, path in
            let once = directory + "/once.sqlite"
            let reference = try makePipeline(try TwinStore(path: once), snapshotInterval: 3_600_000,
                                             rules: try statefulRules())
            let pipeline = try makePipeline(store, snapshotInterval: 3_600_000, rules: try statefulRules())
            let now = unixMillis()
            for round in 0..<12 {
                try reference.process(batch(round, now: now))
                try pipeline.process(batch(round, now: now))
            }
            let before = pipeline.allTwins()
            try failInserts(path, true)
            #expect(throws: (any Error).self) { try pipeline.process(batch(12, now: now)) }
            #expect(pipeline.metrics.commitFailures.load(ordering: .relaxed) == 1)
            #expect(pipeline.allTwins() == before)
            try failInserts(path, false)
            try pipeline.process(batch(12, now: now))  // the broker's redelivery
            try reference.process(batch(12, now: now))
            #expect(pipeline.allTwins() == reference.allTwins())
            for pump in 0..<5 {
                let a = pipeline.state.withLock { $0.model.rules.state(of: "p\(pump)") }
                let b = reference.state.withLock { $0.model.rules.state(of: "p\(pump)") }
                #expect(a == b, "p\(pump)")
            }
            #expect(try TwinStoreReader(path: path).counts().readings == 13 * 5)
        }
    }

    /// A snapshot pass carries a bounded number of twins per batch; when every twin keeps changing, a pass longer
    /// than the interval must still reach them all rather than start over with the same ones.
    @Test func snapshotPassesReachEveryTwinOfABusyFleet() throws {
        try withStore { store, _ in
            let pipeline = try makePipeline(store)  // interval 0: a new pass is due at every batch
            let now = unixMillis()
            for round in 0..<20 {
                // 100 twins, all changed in every batch: 16 snapshots per batch of 100 messages.
                try pipeline.process((0..<100).map {
                    message("twin/p\($0)/telemetry", "{\"ts\":\(now - 100_000 + Int64(round)),\"temp\":\(round)}",
                            at: now)
                })
            }
            #expect(try Set(store.loadSnapshots().map(\.asset)) == Set((0..<100).map { "p\($0)" }))
        }
    }

    /// At shutdown the changed twins are written until the budget is spent, and what is left out is counted.
    @Test func shutdownSnapshotKeepsToItsBudget() throws {
        try withStore { store, _ in
            let pipeline = try makePipeline(store)
            let now = unixMillis()
            try pipeline.process((0..<50).map {
                message("twin/p\($0)/telemetry", "{\"ts\":\(now - 1_000),\"temp\":1}", at: now)
            })
            try pipeline.process((0..<50).map {
                message("twin/p\($0)/telemetry", "{\"ts\":\(now),\"temp\":2}", at: now)
            })
            func current() throws -> Int {
                try store.loadSnapshots().filter { $0.version == pipeline.twin($0.asset)?.version }.count
            }
            // The batches' own pass wrote some (16 per batch); the rest changed since their last snapshot.
            let changed = 50 - (try current())
            #expect(changed > 0)
            let spent = try pipeline.snapshotNow(budget: .zero)
            #expect(spent.written == 0)
            #expect(spent.skipped == changed)
            let all = try pipeline.snapshotNow()
            #expect(all.written == changed && all.skipped == 0)
            #expect(try current() == 50)
            #expect(try pipeline.snapshotNow() == (0, 0))
        }
    }

    @Test func failedCommitLeavesTwinsAsTheyWere() throws {
        try withStore { store, _ in
            let pipeline = try makePipeline(store)
            let now = unixMillis()
            try pipeline.process([message("twin/p1/telemetry", "{\"ts\":\(now - 5_000),\"temp\":20}", at: now)])
            let before = pipeline.allTwins()
            try store.close()  // every later commit fails
            #expect(throws: (any Error).self) {
                try pipeline.process([message("twin/p1/telemetry", "{\"ts\":\(now),\"temp\":99}", at: now),
                                      message("twin/p2/telemetry", "{\"ts\":\(now),\"temp\":1}", at: now)])
            }
            #expect(pipeline.metrics.commitFailures.load(ordering: .relaxed) == 1)
            #expect(pipeline.metrics.readingsCommitted.load(ordering: .relaxed) == 1)
            // Exactly as before the batch: p1 unchanged, p2 (new in the batch) gone.
            #expect(pipeline.allTwins() == before)
            // A failure before the commit (the look-up of a late reading) takes back what came before it too.
            #expect(throws: (any Error).self) {
                try pipeline.process([message("twin/p3/telemetry", "{\"ts\":\(now),\"temp\":5}", at: now),
                                      message("twin/p1/telemetry", "{\"ts\":\(now - 9_000),\"temp\":7}", at: now)])
            }
            #expect(pipeline.allTwins() == before)
            #expect(pipeline.state.withLock { $0.model["p3"] } == nil)
        }
    }

    /// A maintenance event changes rule state but not the twin's version: the twin is snapshotted again anyway, so
    /// a restart without any later reading of the asset still knows its counter was reset.
    @Test func maintenanceMakesTheTwinDueForASnapshot() throws {
        try withStore { store, _ in
            let rules = try RuleEngine(rules: [RuleSpec(name: "run", metric: "current",
                                                        kind: .usage(Usage(.runTime(Threshold(.above, 1)), every: 1)))])
            let pipeline = try makePipeline(store, rules: rules)
            let now = unixMillis()
            try pipeline.process([message("twin/p1/telemetry", "{\"ts\":\(now - 7_200_000),\"current\":5}", at: now),
                                  message("twin/p1/telemetry", "{\"ts\":\(now - 3_600_000),\"current\":5}", at: now)])
            try pipeline.snapshotDue(now: unixMillis())
            func storedUsage() throws -> Double? {
                let snapshot = try #require(try store.loadSnapshots().first { $0.asset == "p1" })
                return (try? SnapshotDocument.decode(snapshot.state))?.rules?.usage(of: "run")
            }
            #expect(try storedUsage() == 1)
            try pipeline.process([message("twin/p1/maintenance", "{\"kind\":\"service\",\"counter\":\"run\"}", at: now)])
            try pipeline.snapshotDue(now: unixMillis())
            #expect(try storedUsage() == 0)
        }
    }
}
