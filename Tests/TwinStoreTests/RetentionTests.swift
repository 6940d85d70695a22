import Foundation
import GRDB
import Testing
import TwinCore

@testable import TwinStore

struct RetentionTests {
    static let day: Int64 = 86_400_000
    static let base: Int64 = 1_700_000_000_000 - 1_700_000_000_000 % day

    /// One reading a minute of each series over `days` days from `start`.
    static func minuteReadings(_ series: [(String, String)], start: Int64, days: Int64) -> [Reading] {
        stride(from: start, to: start + days * day, by: 60_000).flatMap { ts in
            series.map { reading($0.0, $0.1, ts, Double((ts / 60_000) % 100) / 4) }
        }
    }

    @Test func prunesEachTableToItsAgeWithPerAssetOverrides() throws {
        try withStore { store, _ in
            let readings = Self.minuteReadings([("test-1", "m"), ("prod-1", "m")], start: Self.base, days: 3)
            try store.commit(IngestBatch(readings: readings))
            try store.mergeRecent()
            let hoursBefore = try store.rollupView("readings_1h")
            let now = Self.base + 3 * Self.day
            let policy = RetentionPolicy(raw: .millis(2 * Self.day), rollup1m: .millis(5 * Self.day / 2),
                                         rollup1h: .forever,
                                         overrides: [.init(assetGlob: "test-*", raw: .days(1))])
            let pass = try store.applyRetention(policy, now: now, maxRowsPerTransaction: 500)

            let oldestRaw = try store.rows("SELECT asset, min(ts), count(*) FROM readings GROUP BY asset ORDER BY asset")
            #expect(oldestRaw.map { $0[0] as String } == ["prod-1", "test-1"])
            #expect(oldestRaw[0][1] as Int64 == now - 2 * Self.day)
            #expect(oldestRaw[1][1] as Int64 == now - Self.day)
            let minutes = try store.rows("SELECT asset, min(ts) FROM readings_1m GROUP BY asset ORDER BY asset")
            #expect(minutes.allSatisfy { ($0[1] as Int64) >= now - 5 * Self.day / 2 })
            #expect(minutes.allSatisfy { ($0[1] as Int64) < now - 5 * Self.day / 2 + 60_000 })
            // Hours are kept forever, and still count the raw readings that are gone.
            #expect(try store.rollupView("readings_1h") == hoursBefore)

            let rawDeleted = (3 - 2) * 1_440 + (3 - 1) * 1_440
            #expect(pass.deleted[.raw] == rawDeleted)
            #expect(pass.deleted[.rollup1m] == 2 * 720)
            #expect(pass.deleted[.rollup1h] == nil)
            #expect(pass.transactions >= (rawDeleted + 1_440) / 500)
            #expect(pass.isFinished)
            // A second pass finds nothing.
            #expect(try store.planRetention(policy, now: now).isFinished)
        }
    }

    @Test func eachStepDeletesAtMostItsBudgetAndResumes() throws {
        try withStore { store, _ in
            try store.commit(IngestBatch(readings: (0..<12_345).map { reading("a", "m", Int64($0), 1) }))
            try store.mergeRecent()
            let policy = RetentionPolicy(raw: .millis(1_000_000), rollup1m: .forever, rollup1h: .forever)
            var pass = try store.planRetention(policy, now: 1_000_000 + 20_000)
            var steps: [Int] = []
            while !pass.isFinished {
                steps.append(try store.pruneStep(&pass, maxRows: 5_000))
            }
            #expect(steps == [5_000, 5_000, 2_345])
            #expect(try store.count("readings_main") == 0)
        }
    }

    /// After retention deleted a reading, its redelivery (still inside `ingest.retention` when raw retention is
    /// shorter) is neither stored again nor counted twice in the rollups.
    @Test func redeliveryOfAPrunedReadingIsDroppedAtMerge() throws {
        try withStore { store, _ in
            let readings = Self.minuteReadings([("test-1", "m")], start: Self.base, days: 2)
            try store.commit(IngestBatch(readings: readings))
            try store.mergeRecent()
            let now = Self.base + 2 * Self.day
            try store.applyRetention(RetentionPolicy(raw: .days(1)), now: now)
            let hours = try store.rollupView("readings_1h")
            let rawCount = try store.count("readings_main")
            try store.commit(IngestBatch(readings: Array(readings.prefix(10)) + [reading("test-1", "m", now, 7)]))
            let report = try store.mergeRecent()
            #expect(report.rowsMoved == 11)
            #expect(try store.count("readings_main") == rawCount + 1)
            #expect(try store.rollupView("readings_1h").dropLast() == hours[...])
        }
    }

    @Test func newFilesUseIncrementalAutoVacuum() throws {
        try withStore { store, _ in
            let statistics = try store.storageStatistics()
            #expect(statistics.autoVacuum == "incremental")
        }
    }

    /// Write a day, prune what is older than a day, repeat: the file stays at about one day's size, while the same
    /// writes without retention keep growing.
    @Test func retentionBoundsTheFileSize() throws {
        let pruned = try sizesOverDays(retention: true)
        let unpruned = try sizesOverDays(retention: false)
        #expect(pruned.last! < pruned.first! * 13 / 10, "sizes with retention: \(pruned)")
        #expect(unpruned.last! > unpruned.first! * 4, "sizes without retention: \(unpruned)")
    }

    /// A file created before auto-vacuum was turned on does not shrink, but reuses the pages retention frees.
    @Test func olderFilesReuseFreedPages() throws {
        let sizes = try sizesOverDays(retention: true, legacyFile: true)
        // From the second day on, the file holds two days at its peak (the new day is merged before the old one
        // is pruned) and no more.
        #expect(sizes.last! < sizes[1] * 11 / 10, "sizes: \(sizes)")
        #expect(try sizesOverDays(retention: false, legacyFile: true).last! > sizes.last! * 2)
    }

    @Test func reclaimingPagesShrinksTheFile() throws {
        try withStore { store, _ in
            try store.commit(IngestBatch(readings: Self.minuteReadings([("a", "m"), ("b", "m")], start: Self.base,
                                                                       days: 20)))
            try store.mergeRecent()
            try store.checkpoint()
            let full = try store.storageStatistics()
            let policy = RetentionPolicy(raw: .days(1), rollup1m: .days(1), rollup1h: .days(1))
            var pass = try store.planRetention(policy, now: Self.base + 20 * Self.day)
            while !pass.isFinished { try store.pruneStep(&pass) }
            #expect(try store.storageStatistics().freelistCount > full.pageCount / 2)
            while try store.reclaimFreePages(maxPages: 100) > 0 {}
            try store.checkpoint()
            let after = try store.storageStatistics()
            #expect(after.freelistCount == 0)
            #expect(after.fileBytes < full.fileBytes / 4)
            #expect(try FileManager.default.attributesOfItem(atPath: store.path)[.size] as? Int == after.fileBytes)
        }
    }

    /// File sizes after each of 6 simulated days of 20 series at one reading a minute.
    private func sizesOverDays(retention: Bool, legacyFile: Bool = false) throws -> [Int] {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        if legacyFile {
            let queue = try DatabaseQueue(path: directory.databasePath)
            try StoreMigrator.migrator.migrate(queue, upTo: "v2-alerts-maintenance")
            try queue.close()
        }
        let store = try TwinStore(path: directory.databasePath)
        defer { try? store.close() }
        #expect(try store.storageStatistics().autoVacuum == (legacyFile ? "none" : "incremental"))
        let series = (0..<20).map { ("asset-\($0)", "m") }
        let policy = RetentionPolicy(raw: .days(1), rollup1m: .days(1), rollup1h: .days(1))
        var sizes: [Int] = []
        for day in 0..<6 {
            let start = Self.base + Int64(day) * Self.day
            try store.commit(IngestBatch(readings: Self.minuteReadings(series, start: start, days: 1)))
            try store.mergeRecent()
            if retention {
                try store.applyRetention(policy, now: start + Self.day, maxRowsPerTransaction: 5_000)
            }
            try store.checkpoint()
            sizes.append(try FileManager.default.attributesOfItem(atPath: directory.databasePath)[.size] as? Int ?? 0)
        }
        return sizes
    }
}
