import Foundation
import GRDB
import Testing
import TwinCore

@testable import TwinStore

struct TwinStoreReaderTests {
    /// Series "a/m" at ts 0, 10, ..., 90: 0-49 merged into readings_main, 50-90 still in readings_recent.
    private func seed(_ store: TwinStore) throws {
        try store.commit(IngestBatch(readings: (0..<5).map { reading("a", "m", Int64($0 * 10), Double($0)) }))
        try store.commit(IngestBatch(readings: [reading("b", "m", 5, -1), reading("a", "n", 5, -2)]))
        try store.mergeRecent()
        try store.commit(IngestBatch(readings: (5..<10).map { reading("a", "m", Int64($0 * 10), Double($0)) }))
        // A redelivery of a merged reading, with another value.
        try store.commit(IngestBatch(readings: [reading("a", "m", 20, 99)]))
    }

    private func history(
        _ reader: TwinStoreReader,
        from: Int64? = nil,
        to: Int64? = nil,
        limit: Int? = nil
    ) throws -> [Int64] {
        var timestamps: [Int64] = []
        try reader.history(asset: "a", metric: "m", from: from, to: to, limit: limit) { reading in
            #expect(reading.asset == "a" && reading.metric == "m")
            #expect(reading.value == Double(reading.timestamp / 10))
            timestamps.append(reading.timestamp)
        }
        return timestamps
    }

    @Test func historyStreamsAcrossBothTablesWithBoundsAndLimit() throws {
        try withStore { store, directory in
            try seed(store)
            let reader = try TwinStoreReader(path: directory.databasePath)
            #expect(try history(reader) == Array(stride(from: 0, through: 90, by: 10)))
            #expect(try history(reader, from: 30, to: 60) == [30, 40, 50, 60])
            #expect(try history(reader, from: 35) == [40, 50, 60, 70, 80, 90])
            #expect(try history(reader, to: 15) == [0, 10])
            #expect(try history(reader, from: 10, limit: 3) == [10, 20, 30])
            #expect(try history(reader, from: 1_000) == [])

            struct Stop: Error {}
            var seen = 0
            #expect(throws: Stop.self) {
                try reader.history(asset: "a", metric: "m", from: nil, to: nil, limit: nil) { _ in
                    seen += 1
                    if seen == 2 { throw Stop() }
                }
            }
            #expect(seen == 2)
        }
    }

    /// The history reads readings_main and the unmerged readings itself: it must give what the `readings` view
    /// gives, also for late readings that fall between merged ones, redeliveries, bounds and limits.
    @Test func historyMatchesTheReadingsView() throws {
        try withStore { store, directory in
            var rng = SplitMix64(seed: 11)
            for round in 0..<12 {
                let batch = (0..<40).map { _ in
                    reading(rng.next() % 3 == 0 ? "b" : "a", "m", Int64(rng.next() % 2_000), Double(round))
                }
                try store.commit(IngestBatch(readings: batch))
                if round % 3 == 1 { try store.mergeRecent() }
            }
            let reader = try TwinStoreReader(path: directory.databasePath)
            for (from, to, limit) in [(nil, nil, nil), (100, 900, nil), (250, nil, 7), (nil, 1_500, 30),
                                      (1_999, 1_999, nil)] as [(Int64?, Int64?, Int?)] {
                var got: [String] = []
                try reader.history(asset: "a", metric: "m", from: from, to: to, limit: limit) { reading in
                    got.append("\(reading.timestamp)=\(reading.value)")
                }
                let expected = try reader.read("the view") { db in
                    try Row.fetchAll(db, sql: """
                        SELECT ts, value FROM readings WHERE asset = 'a' AND metric = 'm' AND ts BETWEEN ? AND ?
                        ORDER BY ts LIMIT ?
                        """, arguments: [from ?? .min, to ?? .max, limit ?? -1]).map { row -> String in
                        let timestamp: Int64 = row[0]
                        let value: Double = row[1]
                        return "\(timestamp)=\(value)"
                    }
                }
                #expect(!expected.isEmpty || from == 1_999)
                #expect(got == expected, "from \(String(describing: from)) to \(String(describing: to))")
            }
        }
    }

    @Test func latestCountsAndAssets() throws {
        try withStore { store, directory in
            try seed(store)
            try store.commit(
                IngestBatch(
                    properties: [PropertyUpdate(asset: "c", key: "k", value: "v", timestamp: 1)],
                    quarantine: [QuarantineEntry(receivedAt: 1, topic: "t", reason: "invalid_json", payload: [1])]
                )
            )
            let reader = try TwinStoreReader(path: directory.databasePath)
            #expect(
                try reader.latest(asset: nil) == [
                    reading("a", "m", 90, 9), reading("a", "n", 5, -2), reading("b", "m", 5, -1),
                ]
            )
            #expect(try reader.latest(asset: "a").map(\.metric) == ["m", "n"])
            #expect(try reader.latest(asset: "zzz") == [])
            let counts = try reader.counts()
            #expect(counts.readings == 12)
            #expect(counts.series == 3)
            #expect(counts.quarantined == 1)
            #expect(counts.assets == 3)
            #expect(try reader.assets() == ["a", "b", "c"])
        }
    }

    @Test func readerSeesCommitsWhileTheWriterKeepsWriting() throws {
        try withStore(StoreConfiguration(mergeThreshold: 500)) { store, directory in
            try store.commit(IngestBatch(readings: [reading("a", "m", 0, 0)]))
            let reader = try TwinStoreReader(path: directory.databasePath)
            var timestamps: Int64 = 1
            for batch in 0..<20 {
                try store.commit(
                    IngestBatch(
                        readings: (0..<100).map { _ in
                            defer { timestamps += 1 }
                            return reading("a", "m", timestamps, Double(timestamps))
                        }
                    )
                )
                try store.mergeRecentIfNeeded()
                // 1 + 100 per batch of a/m, and one b/m per earlier batch.
                #expect(try reader.counts().readings == 1 + 100 * (batch + 1) + batch)
                // A reader in the middle of a history scan does not block the writer (WAL).
                var streamed = 0
                try reader.history(asset: "a", metric: "m", from: nil, to: nil, limit: nil) { _ in
                    if streamed == 0 {
                        try store.commit(IngestBatch(readings: [reading("b", "m", Int64(batch), 0)]))
                    }
                    streamed += 1
                }
                #expect(streamed == 1 + 100 * (batch + 1))
            }
            #expect(try reader.latest(asset: "b") == [reading("b", "m", 19, 0)])
        }
    }

    @Test func readerOpensAfterTheWriterClosed() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try TwinStore(path: directory.databasePath)
        try store.commit(IngestBatch(readings: [reading("a", "m", 1, 1)]))
        try store.checkpoint()
        try store.close()
        let reader = try TwinStoreReader(path: directory.databasePath)
        #expect(try reader.latest(asset: nil) == [reading("a", "m", 1, 1)])
    }

    @Test func missingFileErrorNamesThePathAndTheFix() throws {
        let path = "/tmp/does-not-exist-\(UUID().uuidString)/twin.db"
        let error = #expect(throws: StoreError.self) { try TwinStoreReader(path: path) }
        let description = error?.description ?? ""
        #expect(description.contains(path))
        #expect(description.contains("twind run"))
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func notATwinDatabaseIsRejected() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try Data("hello".utf8).write(to: URL(fileURLWithPath: directory.databasePath))
        #expect(throws: StoreError.self) { try TwinStoreReader(path: directory.databasePath) }
    }
}
