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
