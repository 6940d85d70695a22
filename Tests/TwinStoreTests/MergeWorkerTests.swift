import Foundation
import GRDB
import Synchronization
import Testing
import TwinCore

@testable import TwinStore

struct MergeWorkerTests {
    /// Readings of 40 series out of order, a fifth of them redeliveries, more of them (late ones and redeliveries of
    /// readings in transit) committed between the worker's transactions: after every transaction the `readings`
    /// view, the rollup views and the reader agree exactly with the model, and in the end every reading is merged
    /// once and the rollup tables alone hold the answer.
    @Test func chunkedMergeAgreesWithTheModelAfterEveryTransaction() throws {
        try withStore(StoreConfiguration(mergeThreshold: 400)) { store, directory in
            let worker = try MergeWorker(store: store, chunkRows: 97)
            defer { try? worker.close() }
            var random = SplitMix64(seed: 11)
            var model = ReadingModel()
            func batch(_ count: Int) -> [Reading] {
                (0..<count).map { _ in
                    if !model.sent.isEmpty, random.below(5) == 0 {
                        let old = model.sent[random.below(model.sent.count)]
                        return reading(old.asset, old.metric, old.timestamp, Double(random.below(8_000)) / 8)
                    }
                    let series = random.below(40)
                    return reading("a\(series / 4)", "m\(series % 4)", base + Int64(random.below(3 * 3_600_000)),
                                   Double(random.below(8_000) - 4_000) / 8)
                }
            }
            var transactions = 0
            for round in 0..<6 {
                let readings = batch(300)
                try store.commit(IngestBatch(readings: readings))
                model.add(readings)
                let report = try worker.mergeIfNeeded {
                    transactions += 1
                    try expectAgreement(store, directory, model, "round \(round), transaction \(transactions)")
                    let more = batch(20)
                    try store.commit(IngestBatch(readings: more))
                    model.add(more)
                }
                if let report { #expect(report.transactions > 2, "round \(round): \(report)") }
                try expectAgreement(store, directory, model, "round \(round)")
            }
            #expect(transactions > 10)
            try worker.merge()
            #expect(try store.count("readings_recent") == 0)
            #expect(store.recentRows.load(ordering: .relaxed) == 0)
            try expectAgreement(store, directory, model, "final")
            #expect(try store.rows("SELECT sum(n) FROM rollup_1m")[0][0] as Int == model.stored.count)
            #expect(try store.rows("SELECT sum(n) FROM rollup_1h")[0][0] as Int == model.stored.count)
        }
    }

    /// A cycle stopped between two transactions (a shutdown; a crash stops it anywhere) leaves merged readings in
    /// both tables, counted once; a new worker finishes the job without counting anything twice.
    @Test func cycleCutShortLeavesAConsistentFileThatTheNextCycleFinishes() throws {
        try withStore(StoreConfiguration(mergeThreshold: 1_000)) { store, directory in
            var model = ReadingModel()
            let readings = (0..<1_000).map { reading("a\($0 % 10)", "m", base + Int64($0) * 7_000, Double($0 % 50)) }
            try store.commit(IngestBatch(readings: readings))
            model.add(readings)
            struct Stop: Error {}
            var transactions = 0
            let worker = try MergeWorker(store: store, chunkRows: 150)
            #expect(throws: Stop.self) {
                try worker.merge {
                    transactions += 1
                    if transactions == 4 { throw Stop() }
                }
            }
            try worker.close()
            #expect(try store.count("readings_main") > 0)
            #expect(try store.count("readings_recent") == 1_000)
            try expectAgreement(store, directory, model, "cut short")
            let next = try MergeWorker(store: store, chunkRows: 150)
            defer { try? next.close() }
            let report = try next.merge()
            #expect(report.rowsMoved == 1_000)
            #expect(try store.count("readings_recent") == 0)
            try expectAgreement(store, directory, model, "finished")
            #expect(try store.rows("SELECT sum(n) FROM rollup_1m")[0][0] as Int == 1_000)
        }
    }

    /// While a worker is open the store does not merge at the threshold (only far behind it), and it does again
    /// once the worker is closed.
    @Test func storeLeavesMergesToAnOpenWorker() throws {
        try withStore(StoreConfiguration(mergeThreshold: 10)) { store, _ in
            let worker = try MergeWorker(store: store)
            try store.commit(IngestBatch(readings: (0..<20).map { reading("a", "m", Int64($0), 1) }))
            #expect(try store.mergeRecentIfNeeded() == nil)
            try store.commit(IngestBatch(readings: (20..<100).map { reading("a", "m", Int64($0), 1) }))
            #expect(try store.mergeRecentIfNeeded()?.rowsMoved == 100)
            try store.commit(IngestBatch(readings: (100..<120).map { reading("a", "m", Int64($0), 1) }))
            try worker.close()
            #expect(try store.mergeRecentIfNeeded()?.rowsMoved == 20)
        }
    }

    /// The writer commits from one thread while the worker merges on another (two connections to one file): every
    /// commit succeeds (it waits for the worker's transaction) and nothing is lost or counted twice.
    @Test func commitsAndMergesRunSideBySide() throws {
        try withStore(StoreConfiguration(mergeThreshold: 1_000)) { store, directory in
            let worker = try MergeWorker(store: store, chunkRows: 300)
            defer { try? worker.close() }
            let done = Atomic<Bool>(false)
            let failure = Mutex<String?>(nil)
            let merges = Atomic<Int>(0)
            let thread = Thread {
                while !done.load(ordering: .relaxed) {
                    do {
                        if try worker.mergeIfNeeded() != nil { merges.add(1, ordering: .relaxed) }
                    } catch {
                        failure.withLock { $0 = "\(error)" }
                        return
                    }
                    usleep(1_000)
                }
            }
            thread.start()
            var model = ReadingModel()
            for i in 0..<60 {
                // Each batch redelivers half of the one before, which may be anywhere in the merge by now.
                let readings = (0..<200).map { reading("a\($0 % 50)", "m", base + Int64(i * 100 + $0 / 50), 1) }
                    + (i > 0 ? (0..<100).map { reading("a\($0 % 50)", "m", base + Int64((i - 1) * 100 + $0 / 50), 9) }
                              : [])
                try store.commit(IngestBatch(readings: readings))
                model.add(readings)
            }
            let deadline = ContinuousClock.now + .seconds(60)
            while merges.load(ordering: .relaxed) < 3, failure.withLock({ $0 }) == nil, ContinuousClock.now < deadline {
                usleep(1_000)
            }
            #expect(merges.load(ordering: .relaxed) >= 3, "fewer than 3 merges within 60 s")
            done.store(true, ordering: .relaxed)
            while !thread.isFinished, ContinuousClock.now < deadline + .seconds(30) { usleep(1_000) }
            #expect(thread.isFinished, "the merge thread did not finish")
            #expect(failure.withLock { $0 } == nil)
            // One merge takes at most four thresholds' worth; on a loaded machine the thread may have left more.
            while try worker.merge().rowsMoved > 0 {}
            try expectAgreement(store, directory, model, "after")
            #expect(try store.count("readings_recent") == 0)
            #expect(try store.rows("SELECT sum(n) FROM rollup_1h")[0][0] as Int == model.stored.count)
        }
    }
}

private let base: Int64 = 1_700_000_000_000

/// What the views must show: the first value of each (asset, metric, ts) committed.
private struct ReadingModel {
    var stored: [String: Reading] = [:]
    var sent: [Reading] = []

    mutating func add(_ readings: [Reading]) {
        for r in readings where stored["\(r.asset)/\(r.metric)/\(r.timestamp)"] == nil {
            stored["\(r.asset)/\(r.metric)/\(r.timestamp)"] = r
        }
        sent += readings
    }

    var sorted: [Reading] {
        stored.values.sorted { ($0.asset, $0.metric, $0.timestamp) < ($1.asset, $1.metric, $1.timestamp) }
    }
}

/// The `readings` view equals the model; both rollup views and the reader's 1-minute history equal aggregates of it.
private func expectAgreement(_ store: TwinStore, _ directory: TemporaryDirectory, _ model: ReadingModel,
                             _ label: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let raw = try store.allReadings()
    #expect(raw == model.sorted, "\(label): readings view", sourceLocation: sourceLocation)
    #expect(try store.rollupView("readings_1m") == Aggregate.compute(raw, width: 60_000), "\(label): readings_1m",
            sourceLocation: sourceLocation)
    #expect(try store.rollupView("readings_1h") == Aggregate.compute(raw, width: 3_600_000), "\(label): readings_1h",
            sourceLocation: sourceLocation)
    let reader = try TwinStoreReader(path: directory.databasePath)
    var fromReader: [Aggregate] = []
    for key in Set(raw.map { "\($0.asset)\u{0}\($0.metric)" }).sorted() {
        let parts = key.split(separator: "\u{0}").map(String.init)
        try reader.history(asset: parts[0], metric: parts[1], from: nil, to: nil, step: .minute, limit: nil) {
            fromReader.append(Aggregate(asset: parts[0], metric: parts[1], $0))
        }
    }
    #expect(fromReader == Aggregate.compute(raw, width: 60_000), "\(label): reader", sourceLocation: sourceLocation)
}
