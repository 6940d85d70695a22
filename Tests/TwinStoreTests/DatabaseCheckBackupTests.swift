import Foundation
import GRDB
import Synchronization
import Testing
import TwinCore

@testable import TwinStore

struct DatabaseCheckBackupTests {
    /// While a writer commits batches of 1,000 readings (and merges), `check` passes and `backup` copies a
    /// consistent snapshot: whole batches only, at least those committed before it started.
    @Test func checkAndBackupWhileAWriterWrites() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try TwinStore(path: directory.databasePath, configuration: StoreConfiguration(mergeThreshold: 5_000))
        defer { try? store.close() }
        try store.commit(IngestBatch(readings: (0..<1_000).map { reading("a\($0 % 10)", "m", Int64($0), 1) }))
        let stop = Atomic<Bool>(false)
        // On a thread of its own: a loop that never awaits would hold one of the cooperative pool's two threads.
        let writer = Task {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int, any Error>) in
                Thread {
                    continuation.resume(with: Result {
                        var batch = 1
                        while !stop.load(ordering: .relaxed) {
                            let readings = (0..<1_000).map {
                                reading("a\($0 % 10)", "m", Int64(batch * 1_000 + $0), Double(batch))
                            }
                            try store.commit(IngestBatch(readings: readings))
                            try store.mergeRecentIfNeeded()
                            batch += 1
                        }
                        return batch
                    })
                }.start()
            }
        }
        defer { stop.store(true, ordering: .relaxed) }
        let reader = try TwinStoreReader(path: directory.databasePath)
        // Let the writer get going.
        let started = ContinuousClock.now + .seconds(60)
        while try reader.counts().readings < 10_000, ContinuousClock.now < started {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(try reader.counts().readings >= 10_000, "the writer did not reach 10,000 readings within 60 s")

        let report = try reader.check()
        #expect(report.isIntact)
        #expect(report.hasSizes)
        let main = try #require(report.objects.first { $0.name == "readings_main" })
        #expect(main.kind == "table" && (main.rows ?? 0) > 0 && (main.bytes ?? 0) > 0)
        #expect(report.objects.contains { $0.name == "rollup_1m" && $0.rows != nil })
        #expect(report.objects.contains { $0.kind == "index" })
        #expect(report.storage.pageCount > 0)

        let before = try reader.counts().readings
        let copy = directory.path + "/backup.sqlite"
        try reader.backup(to: copy)
        let backedUp = try reader.counts().readings
        // The writer was never locked out: it goes on committing (on a slow disk a commit can outlast the backup,
        // so wait for it rather than expect one to have landed already).
        let deadline = ContinuousClock.now + .seconds(30)
        while try reader.counts().readings <= backedUp, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        let after = try reader.counts().readings
        stop.store(true, ordering: .relaxed)
        let batches = try await writer.value
        #expect(after > backedUp, "the writer kept writing after the backup")
        #expect(batches > 10)

        let restored = try TwinStoreReader(path: copy)
        #expect(try restored.check().isIntact)
        let copied = try restored.counts().readings
        #expect(copied % 1_000 == 0, "a backup holds whole batches, got \(copied) readings")
        #expect(copied >= before && copied <= after)
        // Rollups came along and agree with the copied readings.
        let rollupCount = try restored.read("count") { db in
            try Int.fetchOne(db, sql: "SELECT sum(count) FROM readings_1m") ?? 0
        }
        #expect(rollupCount == copied)
        #expect(throws: StoreError.self) { try reader.backup(to: copy) }
    }

    @Test func checkReportsCorruption() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try TwinStore(path: directory.databasePath)
        try store.commit(IngestBatch(readings: (0..<20_000).map { reading("a\($0 % 10)", "m", Int64($0), 1) }))
        try store.mergeRecent()
        // No free pages left: every page of the file is in use, so the garbage below lands in a table.
        while try store.reclaimFreePages() > 0 {}
        try store.checkpoint()
        #expect(try store.storageStatistics().freelistCount == 0)
        try store.close()
        #expect(try TwinStoreReader(path: directory.databasePath).check().isIntact)
        // Overwrite a page in the middle of the file with garbage.
        let handle = try #require(FileHandle(forUpdatingAtPath: directory.databasePath))
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: size / 2 / 4_096 * 4_096)
        try handle.write(contentsOf: Data(repeating: 0x5A, count: 4_096))
        try handle.close()
        let report = try? TwinStoreReader(path: directory.databasePath).check()
        #expect(report?.isIntact != true)
    }
}
