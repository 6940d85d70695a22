import Foundation
import Logging
import ServiceLifecycleTestKit
import Testing
import TwinCore
import TwinMQTT
import TwinStore
@testable import TwinDaemon

/// The snapshot service in-process, under swift-service-lifecycle's test kit: it writes snapshots on its own clock
/// while no batch arrives, and stops at a graceful shutdown.
@Suite(.timeLimit(.minutes(1)))
struct SnapshotServiceTests {
    @Test func idleTwinsAreSnapshottedOnTheServiceClockAndShutdownStopsIt() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("twind-snapsvc-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try TwinStore(path: directory + "/twind.sqlite")
        defer { try? store.close() }
        // One batch of 300 new twins: its commit starts a snapshot pass but carries only a slice of it
        // (`snapshotsPerBatch`); no batch follows, so the rest is the service's to write.
        let pipeline = IngestPipeline(decoder: MessageDecoder(routes: try TwinConfiguration().routes()), store: store,
                                      rules: nil, snapshotIntervalMillis: 200, metrics: IngestMetrics(),
                                      logger: Logger(label: "test"))
        let now = unixMillis()
        try pipeline.process((0..<300).map { i in
            InboundMessage(topic: "twin/p\(i)/telemetry", payload: Array("{\"ts\":\(now),\"temp\":\(i)}".utf8),
                           qos: 1, retain: false, receivedAt: now)
        })
        let before = try store.loadSnapshots().count
        #expect(before < 300)

        try await testGracefulShutdown { trigger in
            let service = SnapshotService(pipeline: pipeline, logger: Logger(label: "test"), intervalMillis: 50)
            let running = Task { try await service.run() }
            let deadline = ContinuousClock.now + .seconds(20)
            var stored = before
            while stored < 300, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
                stored = try store.loadSnapshots().count
            }
            #expect(stored == 300, "the service wrote \(stored - before) of the \(300 - before) idle twins")
            trigger.triggerGracefulShutdown()
            try await running.value
        }
        // Every stored snapshot decodes to its twin as it is.
        for snapshot in try store.loadSnapshots() {
            let document = try SnapshotDocument.decode(snapshot.state)
            #expect(document.twin == pipeline.twin(snapshot.asset))
            #expect(snapshot.status == "online")
        }
    }
}
