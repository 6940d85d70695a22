import Foundation
import GRDB
import Testing
import TwinCore

@testable import TwinStore

struct RollupTests {
    /// Random readings over 5 hours of 6 series, out of order, a fifth of them redeliveries with other values,
    /// merged now and then: after every batch and every merge the views, the reader and aggregates computed from
    /// the raw `readings` agree exactly (values are multiples of 1/8, so every sum is exact in any order).
    @Test func rollupsAgreeWithRawAggregatesThroughMergesAndRedeliveries() throws {
        try withStore(StoreConfiguration(mergeThreshold: 1_000)) { store, directory in
            var random = SplitMix64(seed: 7)
            let series = [("a0", "m0"), ("a0", "m1"), ("a1", "m0"), ("a2", "m0"), ("a2", "m1"), ("b", "x")]
            let base: Int64 = 1_700_000_000_000
            var stored: [String: Reading] = [:]   // the model: the first value of each (asset, metric, ts) wins
            var sent: [Reading] = []
            var merges = 0
            for round in 0..<12 {
                var batch: [Reading] = []
                for _ in 0..<300 {
                    if !sent.isEmpty, random.below(5) == 0 {
                        let old = sent[random.below(sent.count)]
                        batch.append(Reading(asset: old.asset, metric: old.metric, timestamp: old.timestamp,
                                             value: Double(random.below(8_000)) / 8))
                    } else {
                        let (asset, metric) = series[random.below(series.count)]
                        let ts = base + Int64(random.below(5 * 3_600_000))
                        batch.append(Reading(asset: asset, metric: metric, timestamp: ts,
                                             value: Double(random.below(8_000) - 4_000) / 8))
                    }
                }
                try store.commit(IngestBatch(readings: batch))
                for r in batch where stored["\(r.asset)/\(r.metric)/\(r.timestamp)"] == nil {
                    stored["\(r.asset)/\(r.metric)/\(r.timestamp)"] = r
                }
                sent += batch
                try expectRollupsMatch(store, directory, model: Array(stored.values), "round \(round) before merge")
                if round % 3 == 1 {
                    try store.mergeRecent()
                    merges += 1
                } else if try store.mergeRecentIfNeeded() != nil {
                    merges += 1
                }
                try expectRollupsMatch(store, directory, model: Array(stored.values), "round \(round)")
            }
            #expect(merges >= 4)
            #expect(try store.count("rollup_1m") > 0)
            // Everything merged: the rollup tables alone hold the answer.
            try store.mergeRecent()
            #expect(try store.count("readings_recent") == 0)
            try expectRollupsMatch(store, directory, model: Array(stored.values), "final")
            let tableCount = try store.rows("SELECT sum(n) FROM rollup_1m")[0][0] as Int
            #expect(tableCount == stored.count)
        }
    }

    /// A redelivery of a merged reading waits in `readings_recent` until the next merge; neither the views nor the
    /// merge count it.
    @Test func redeliveryOfAMergedReadingIsNeverCounted() throws {
        try withStore { store, _ in
            try store.commit(IngestBatch(readings: [reading("a", "m", 60_000, 1), reading("a", "m", 60_500, 3)]))
            try store.mergeRecent()
            try store.commit(IngestBatch(readings: [reading("a", "m", 60_000, 100), reading("a", "m", 61_000, 5)]))
            let expected = Aggregate(asset: "a", metric: "m", bucket: 60_000, count: 3, min: 1, max: 5, sum: 9,
                                     firstTimestamp: 60_000, first: 1, lastTimestamp: 61_000, last: 5)
            #expect(try store.rollupView("readings_1m") == [expected])
            let report = try store.mergeRecent()
            #expect(report.duplicatesIgnored == 1)
            #expect(try store.rollupView("readings_1m") == [expected])
            let cell = try store.rows("SELECT n, total FROM rollup_1m")[0]
            #expect(cell[0] as Int == 3 && cell[1] as Double == 9)
        }
    }

    @Test func viewsHaveTheDocumentedColumnsAndAverage() throws {
        try withStore { store, _ in
            try store.commit(IngestBatch(readings: [reading("a", "m", 3_600_000, 1), reading("a", "m", 3_660_000, 2)]))
            let row = try #require(try store.rows("SELECT * FROM readings_1h").first)
            #expect(Array(row.columnNames) == [
                "asset", "metric", "ts", "count", "min", "max", "sum", "avg", "first_ts", "first", "last_ts", "last",
            ])
            #expect(row["avg"] as Double == 1.5)
            #expect(try store.rollupView("readings_1m").map(\.bucket) == [3_600_000, 3_660_000])
        }
    }

    /// A database written before rollups existed gets them from its merged readings when it is opened.
    @Test func upgradeBackfillsRollupsFromMergedReadings() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let queue = try DatabaseQueue(path: directory.databasePath)
        try StoreMigrator.migrator.migrate(queue, upTo: "v2-alerts-maintenance")
        var readings: [Reading] = []
        try queue.write { db in
            try db.execute(sql: "INSERT INTO series (id, asset, metric) VALUES (1, 'p', 't'), (2, 'q', 't')")
            for i in 0..<5_000 {
                let r = reading(i % 2 == 0 ? "p" : "q", "t", Int64(i) * 1_700, Double(i % 97) / 4)
                readings.append(r)
                try db.execute(sql: "INSERT INTO readings_main (series_id, ts, value) VALUES (?, ?, ?)",
                               arguments: [i % 2 + 1, r.timestamp, r.value])
            }
        }
        try queue.close()
        let store = try TwinStore(path: directory.databasePath)
        defer { try? store.close() }
        #expect(try store.rollupView("readings_1m") == Aggregate.compute(readings, width: 60_000))
        #expect(try store.rollupView("readings_1h") == Aggregate.compute(readings, width: 3_600_000))
    }

    private func expectRollupsMatch(_ store: TwinStore, _ directory: TemporaryDirectory, model: [Reading],
                                    _ label: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let raw = try store.allReadings()
        let sortedModel = model.sorted { ($0.asset, $0.metric, $0.timestamp) < ($1.asset, $1.metric, $1.timestamp) }
        #expect(raw == sortedModel, "\(label): readings view", sourceLocation: sourceLocation)
        let reader = try TwinStoreReader(path: directory.databasePath)
        for (view, width, step) in [("readings_1m", Int64(60_000), HistoryStep.minute),
                                    ("readings_1h", 3_600_000, .hour)] {
            let expected = Aggregate.compute(raw, width: width)
            let actual = try store.rollupView(view)
            #expect(actual == expected, "\(label): \(view)", sourceLocation: sourceLocation)
            // The reader's merge of table and pending readings, per series, whole and in a sub-range.
            var fromReader: [Aggregate] = []
            for key in Set(raw.map { "\($0.asset)\u{0}\($0.metric)" }).sorted() {
                let parts = key.split(separator: "\u{0}").map(String.init)
                try reader.history(asset: parts[0], metric: parts[1], from: nil, to: nil, step: step, limit: nil) {
                    fromReader.append(Aggregate(asset: parts[0], metric: parts[1], $0))
                }
            }
            #expect(fromReader == expected, "\(label): reader \(step)", sourceLocation: sourceLocation)
            let from: Int64 = 1_700_000_000_000 + 3_600_000 + 1
            let to: Int64 = from + 2 * 3_600_000
            var window: [Aggregate] = []
            try reader.history(asset: "a0", metric: "m0", from: from, to: to, step: step, limit: nil) {
                window.append(Aggregate(asset: "a0", metric: "m0", $0))
            }
            let inWindow = expected.filter {
                $0.asset == "a0" && $0.metric == "m0" && $0.bucket >= from - (from % width) && $0.bucket <= to
            }
            #expect(window == inWindow, "\(label): reader \(step) window", sourceLocation: sourceLocation)
        }
    }
}
