import Foundation
import Testing
import TwinCore

@testable import TwinStore

struct HistoryStepTests {
    @Test func automaticPicksTheFinestStepWithinTheBudget() {
        #expect(HistoryStep.automatic(readings: 2_000, spanMillis: 86_400_000) == .raw)
        // One day at one reading a second: 86,400 readings, 1,441 minute buckets at most.
        #expect(HistoryStep.automatic(readings: 86_400, spanMillis: 86_400_000) == .minute)
        #expect(HistoryStep.automatic(readings: 2_001, spanMillis: 1_999 * 60_000) == .minute)
        #expect(HistoryStep.automatic(readings: 2_001, spanMillis: 2_000 * 60_000) == .hour)
        #expect(HistoryStep.automatic(readings: 172_800, spanMillis: 2 * 86_400_000) == .hour)
        #expect(HistoryStep.automatic(readings: 3_000, spanMillis: 2 * 86_400_000, maxPoints: 3_000) == .raw)
    }

    /// One reading a second for 3 hours and one a minute for 2 days: each range gets the step that keeps it
    /// under 2,000 points, before and after the readings are merged.
    @Test func readerChoosesFromTheStoredCounts() throws {
        try withStore { store, directory in
            let start: Int64 = 1_700_000_000_000 - 1_700_000_000_000 % 3_600_000
            let fast = (0..<10_800).map { reading("a", "fast", start + Int64($0) * 1_000, 1) }
            let slow = (0..<2_880).map { reading("a", "slow", start + Int64($0) * 60_000, 1) }
            try store.commit(IngestBatch(readings: fast + slow))
            for merged in [false, true] {
                if merged { try store.mergeRecent() }
                let reader = try TwinStoreReader(path: directory.databasePath)
                func step(_ metric: String, _ from: Int64?, _ to: Int64?) throws -> HistoryStep {
                    try reader.automaticStep(asset: "a", metric: metric, from: from, to: to)
                }
                #expect(try step("fast", start, start + 1_800_000) == .raw, "merged: \(merged)")
                #expect(try step("fast", start, start + 3 * 3_600_000) == .minute, "merged: \(merged)")
                #expect(try step("fast", nil, nil) == .minute, "merged: \(merged)")
                #expect(try step("slow", start, start + 3_600_000 * 30) == .raw, "merged: \(merged)")
                #expect(try step("slow", nil, nil) == .hour, "merged: \(merged)")
                #expect(try step("missing", nil, nil) == .raw)
                var points = 0
                try reader.history(asset: "a", metric: "fast", from: nil, to: nil, step: .minute, limit: nil) { _ in
                    points += 1
                }
                #expect(points == 180)
                var limited = 0
                try reader.history(asset: "a", metric: "fast", from: nil, to: nil, step: .hour, limit: 2) { row in
                    #expect(row.count == 3_600)
                    limited += 1
                }
                #expect(limited == 2)
            }
        }
    }
}
