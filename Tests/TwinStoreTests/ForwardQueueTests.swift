import Foundation
import Testing
import TwinCore

@testable import TwinStore

/// The store's side of forwarding: the queue written in each commit, cursors, the backlog cap.
struct ForwardQueueTests {
    @Test func commitsQueueEveryReadingInCommitOrderOnlyWhenAskedTo() throws {
        try withStore { store, _ in
            try store.commit(IngestBatch(readings: [reading("a", "m", 1, 1)]))
            #expect(try store.count("forward_queue") == 0)
        }
        try withStore(StoreConfiguration(queueForForwarding: true)) { store, directory in
            // A late reading (ts 5 after ts 10) keeps its commit position; a redelivery is queued again and left to
            // the central ON CONFLICT DO NOTHING, where the first copy (the one SQLite kept) wins.
            try store.commit(IngestBatch(readings: [reading("a", "m", 10, 1), reading("b", "m", 10, 2)]))
            try store.commit(IngestBatch(readings: [reading("a", "m", 5, 3), reading("a", "m", 10, 99)]))
            let reader = try TwinStoreReader(path: directory.databasePath)
            let batch = try reader.queuedReadings(limit: 100)
            #expect(batch.count == 4)
            #expect(batch.assets == ["a", "b", "a", "a"])
            #expect(batch.timestamps == [10, 10, 5, 10])
            #expect(batch.values == [1, 2, 3, 99])
            let backlog = try reader.forwardBacklog()
            #expect(backlog.pending == 4)
            #expect(backlog.oldest == 10)

            // Forwarded up to the second row: those two leave the queue, the cursor moves, the count adds up.
            let firstTwo = try reader.queuedReadings(limit: 2)
            try store.advanceForward(.readings, to: firstTwo.last, rows: firstTwo.count, at: 1_000)
            let rest = try reader.queuedReadings(limit: 100)
            #expect(rest.timestamps == [5, 10])
            let cursor = try #require(try reader.forwardCursors().first { $0.stream == "readings" })
            #expect(cursor.position == firstTwo.last)
            #expect(cursor.forwarded == 2)
            #expect(cursor.pending == 2)
            #expect(cursor.forwardedAt == 1_000)
        }
    }

    @Test func readingsAndRollupsMoveTogetherAndShareTheCap() throws {
        try withStore(StoreConfiguration(queueForForwarding: true)) { store, directory in
            let reader = try TwinStoreReader(path: directory.databasePath)
            // `rollups` is shown once it has a cursor (it is not forwarded by default).
            #expect(try reader.forwardCursors().map(\.stream) == ["alerts", "maintenance", "latest", "readings",
                                                                   "quarantine"])
            try store.commit(IngestBatch(readings: (0..<10).map { reading("a", "m", Int64($0), 1) }))
            try store.commit(IngestBatch(readings: (10..<30).map { reading("a", "m", Int64($0), 1) }))
            let first = try reader.queuedReadings(limit: 10)
            try store.advanceForward([.readings, .rollups], to: first.last, rows: first.count, at: 5)
            #expect(try store.forwardedCount(.rollups) == 10)
            #expect(try store.count("forward_queue") == 1)
            #expect(try store.capForwardQueue(maxRows: 5, queuedStreams: [.readings, .rollups]) == 15)
            let cursors = try reader.forwardCursors()
            #expect(cursors.map(\.stream).contains("rollups"))
            for name in ["readings", "rollups"] {
                let cursor = try #require(cursors.first { $0.stream == name })
                #expect(cursor.forwarded == 10 && cursor.dropped == 15 && cursor.pending == 5, "\(name)")
            }
            // The cap does not move the token: only forwarded readings count.
            #expect(try store.forwardedCount(.rollups) == 10)
        }
    }

    @Test func anErrorIsShownUntilTheNextSuccess() throws {
        try withStore { store, directory in
            try store.recordForwardError(.alerts, "connection refused", at: 5)
            let reader = try TwinStoreReader(path: directory.databasePath)
            var alerts = try #require(try reader.forwardCursors().first { $0.stream == "alerts" })
            #expect(alerts.error == "connection refused")
            #expect(alerts.errorAt == 5)
            try store.advanceForward(.alerts, to: 0, rows: 0, at: 6)
            alerts = try #require(try reader.forwardCursors().first { $0.stream == "alerts" })
            #expect(alerts.error == nil)
            // Rows found gone before they were forwarded (quarantine pruned by its local cap) add to `dropped`.
            try store.advanceForward(.quarantine, to: 10, rows: 3, dropped: 7, at: 7)
            try store.advanceForward(.quarantine, to: 12, rows: 2, dropped: 0, at: 8)
            let quarantine = try #require(try reader.forwardCursors().first { $0.stream == "quarantine" })
            #expect(quarantine.forwarded == 5 && quarantine.dropped == 7 && quarantine.position == 12)
        }
    }

    @Test func theCapDropsTheOldestAndCountsThem() throws {
        try withStore(StoreConfiguration(queueForForwarding: true)) { store, directory in
            let readings = (0..<50).map { reading("a", "m", Int64($0), Double($0)) }
            try store.commit(IngestBatch(readings: readings))
            #expect(try store.capForwardQueue(maxRows: 60) == 0)
            #expect(try store.capForwardQueue(maxRows: 20) == 30)
            let reader = try TwinStoreReader(path: directory.databasePath)
            let left = try reader.queuedReadings(limit: 100)
            #expect(left.timestamps == (30..<50).map(Int64.init))
            let cursor = try #require(try reader.forwardCursors().first { $0.stream == "readings" })
            #expect(cursor.dropped == 30)
            #expect(cursor.pending == 20)
            // The readings themselves stay in the history.
            #expect(try store.count("readings") == 50)
        }
    }

    @Test func aChunkComesBackBitForBit() throws {
        var chunk = ForwardChunk()
        let values: [Double] = [0, -0.0, 1.5, -1e300, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 3.14159, 42]
        let times: [Int64] = [1_700_000_000_000, 1_699_999_999_000, 0, -5, .max, .min, 12, 12]
        for index in values.indices {
            chunk.append(series: Int64(index * 1_000_003), timestamp: times[index], value: values[index])
        }
        let decoded = try ForwardChunk(decoding: chunk.encoded())
        #expect(decoded.seriesIDs == chunk.seriesIDs)
        #expect(decoded.timestamps == chunk.timestamps)
        #expect(decoded.values.map(\.bitPattern) == chunk.values.map(\.bitPattern))
        #expect(try ForwardChunk(decoding: ForwardChunk().encoded()).isEmpty)
        // Truncated or padded bytes are refused, not read as fewer or other readings.
        let bytes = chunk.encoded()
        #expect(throws: DecodingError.self) { try ForwardChunk(decoding: Array(bytes.dropLast())) }
        #expect(throws: DecodingError.self) { try ForwardChunk(decoding: bytes + [0]) }
    }

    @Test func oneQueueRowPerCommitAndBatchesOfWholeCommits() throws {
        try withStore(StoreConfiguration(queueForForwarding: true)) { store, directory in
            for commit in 0..<5 {
                try store.commit(IngestBatch(readings: (0..<3).map {
                    reading("a\($0)", "m", Int64(commit * 10 + $0), Double(commit))
                }))
            }
            #expect(try store.count("forward_queue") == 5)
            let reader = try TwinStoreReader(path: directory.databasePath)
            #expect(try reader.forwardBacklog().pending == 15)
            // A limit of 4 readings takes two whole commits (6 readings), never half of one.
            let batch = try reader.queuedReadings(limit: 4)
            #expect(batch.count == 6)
            #expect(batch.assets == ["a0", "a1", "a2", "a0", "a1", "a2"])
            #expect(batch.timestamps == [0, 1, 2, 10, 11, 12])
            try store.advanceForward(.readings, to: batch.last, rows: batch.count, at: 1)
            var backlog = try reader.forwardBacklog()
            #expect(backlog.pending == 9 && backlog.oldest == 20)
            // The cap across chunks: drops the oldest whole commit and one reading of the next, exactly 4.
            #expect(try store.capForwardQueue(maxRows: 5) == 4)
            let left = try reader.queuedReadings(limit: 100)
            #expect(left.timestamps == [31, 32, 40, 41, 42])
            backlog = try reader.forwardBacklog()
            #expect(backlog.pending == 5 && backlog.oldest == 31)
            let cursor = try #require(try reader.forwardCursors().first { $0.stream == "readings" })
            #expect(cursor.dropped == 4)
            #expect(cursor.forwarded == 6)
            #expect(cursor.pending == 5)
            // The next batch after a given chunk (what the forwarder reads ahead while PostgreSQL takes one).
            let first = try reader.queuedReadings(limit: 1)
            #expect(first.timestamps == [31, 32])
            #expect(try reader.queuedReadings(after: first.last, limit: 100).timestamps == [40, 41, 42])
            #expect(try reader.queuedReadings(after: first.last + 1, limit: 100).count == 0)
            // A cap exactly on a chunk boundary deletes that chunk whole.
            #expect(try store.capForwardQueue(maxRows: 3) == 2)
            #expect(try reader.queuedReadings(limit: 100).timestamps == [40, 41, 42])
        }
    }

    @Test func theBacklogCountRestartsWithAnEmptyQueue() throws {
        try withStore(StoreConfiguration(queueForForwarding: true)) { store, directory in
            let reader = try TwinStoreReader(path: directory.databasePath)
            try store.commit(IngestBatch(readings: (0..<4).map { reading("a", "m", Int64($0), 1) }))
            let all = try reader.queuedReadings(limit: 100)
            try store.advanceForward(.readings, to: all.last, rows: all.count, at: 1)
            #expect(try reader.forwardBacklog().pending == 0)
            #expect(try reader.forwardBacklog().oldest == nil)
            // `seq` and `total` start again; the count is still the difference of the two ends.
            try store.commit(IngestBatch(readings: (10..<13).map { reading("a", "m", Int64($0), 1) }))
            try store.commit(IngestBatch(readings: [reading("b", "m", 20, 1)]))
            let backlog = try reader.forwardBacklog()
            #expect(backlog.pending == 4 && backlog.oldest == 10)
            #expect(try store.count("forward_queue") == 2)
        }
    }
}
