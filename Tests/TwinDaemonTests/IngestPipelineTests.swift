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

    private func makePipeline(_ store: TwinStore) throws -> IngestPipeline {
        let routes = try TwinConfiguration().routes()
        return IngestPipeline(decoder: MessageDecoder(routes: routes), store: store, snapshotIntervalMillis: 0,
                              metrics: IngestMetrics(), logger: Logger(label: "test"))
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
            #expect(try restored.restore() == 3)
            #expect(restored.twin("p0") == before)
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

    @Test func failedCommitLeavesTwinsAsTheDatabaseHasThem() throws {
        try withStore { store, _ in
            let pipeline = try makePipeline(store)
            let now = unixMillis()
            try pipeline.process([message("twin/p1/telemetry", "{\"ts\":\(now - 5_000),\"temp\":20}", at: now)])
            try store.close()  // every later commit fails
            #expect(throws: (any Error).self) {
                try pipeline.process([message("twin/p1/telemetry", "{\"ts\":\(now),\"temp\":99}", at: now)])
            }
            #expect(pipeline.metrics.commitFailures.load(ordering: .relaxed) == 1)
            #expect(pipeline.metrics.readingsCommitted.load(ordering: .relaxed) == 1)
            // The twins are reloaded from the database; with the store closed that gives no twins, but never a
            // twin that saw the uncommitted reading.
            #expect(pipeline.twin("p1")?.metrics["temp"]?.value != 99)
        }
    }
}
