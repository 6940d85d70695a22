import Testing
import Foundation
@testable import TwinCore

struct TwinEngineTests {
    private func reading(_ asset: String, _ metric: String, _ ts: Int64, _ value: Double) -> Reading {
        Reading(asset: asset, metric: metric, timestamp: ts, value: value)
    }

    private func reading(_ ts: Int64, _ value: Double) -> Reading {
        reading("pump-1", "temp", ts, value)
    }

    /// The engine remembers which twin the previous reading went to; readings of interleaved assets, with twins
    /// added in between (by restore, property updates and new assets, enough to grow the table), must still each land
    /// on their own twin: every twin equals the twin of an engine that saw only that asset's readings.
    @Test func interleavedAssetsAndAddedTwinsKeepReadingsApart() throws {
        var generator = SplitMix64(seed: 7)
        var engine = TwinEngine()
        var alone: [String: TwinEngine] = [:]
        var added = 0
        for step in 0..<3_000 {
            let asset = "pump-\(generator.next() % 40)"
            // A run of one asset (as in a message) with a twin added in its middle, then other assets.
            for (part, metric) in ["temp", "vibration", "current"].enumerated() {
                let r = reading(asset, metric, Int64(step) * 1_000, Double(generator.next() % 1_000) / 10)
                #expect(engine.apply(r) == alone[asset, default: TwinEngine()].apply(r))
                if part == 0 {
                    engine.restore(Twin(asset: "restored-\(added)", at: Int64(step)))
                    added += 1
                } else if part == 1 {
                    engine.apply(PropertyUpdate(asset: "labelled-\(added)", key: "site", value: "north",
                                                timestamp: Int64(step)))
                    added += 1
                }
            }
        }
        #expect(engine.twins.count == 40 + added)
        for (asset, single) in alone {
            #expect(engine[asset] == single[asset])
        }
    }

    @Test func firstReadingCreatesTwinAndMetric() {
        var engine = TwinEngine()
        let outcome = engine.apply(reading(1_000, 20))
        #expect(outcome == .updated)
        let twin = engine["pump-1"]
        #expect(twin?.metrics["temp"]?.value == 20)
        #expect(twin?.metrics["temp"]?.count == 1)
        #expect(twin?.version == 1)
        #expect(twin?.firstSeen == 1_000)
        #expect(twin?.lastSeen == 1_000)
    }

    @Test func statisticsFollowReadings() throws {
        var engine = TwinEngine(alpha: 0.5)
        engine.apply(reading(1_000, 10))
        engine.apply(reading(2_000, 20))
        engine.apply(reading(4_000, 14))
        let state = try #require(engine["pump-1"]?.metrics["temp"])
        #expect(state.count == 3)
        #expect(state.min == 10)
        #expect(state.max == 20)
        #expect(state.value == 14)
        #expect(state.timestamp == 4_000)
        // Rate between the two newest readings: (14 - 20) / 2 s.
        #expect(state.ratePerSecond == -3)
        // EWMA with alpha 0.5: 10 -> 15 -> 14.5
        #expect(state.mean == 14.5)
        // West's variance: after 20: 0.5 * (0 + 10 * 5) = 25; after 14: 0.5 * (25 + (-1) * (-0.5)) = 12.75
        #expect(state.variance == 12.75)
    }

    @Test func outOfOrderReadingDoesNotMoveLatestBack() throws {
        var engine = TwinEngine()
        engine.apply(reading(5_000, 50))
        let outcome = engine.apply(reading(3_000, 99))
        #expect(outcome == .outOfOrder)
        let state = try #require(engine["pump-1"]?.metrics["temp"])
        #expect(state.value == 50)
        #expect(state.timestamp == 5_000)
        #expect(state.count == 2)
        #expect(state.max == 99)
        #expect(engine["pump-1"]?.firstSeen == 3_000)
        #expect(engine["pump-1"]?.lastSeen == 5_000)
    }

    @Test func redeliveryIsADuplicateAndChangesNothing() {
        var engine = TwinEngine()
        engine.apply(reading(5_000, 50))
        let before = engine
        let outcome = engine.apply(reading(5_000, 50))
        #expect(outcome == .duplicate)
        #expect(engine == before)
    }

    @Test func sameTimestampOtherValueKeepsTheFirst() {
        // As the store does: one reading per series and time, the first; the second is not counted either.
        var engine = TwinEngine()
        engine.apply(reading(5_000, 50))
        let outcome = engine.apply(reading(5_000, 51))
        #expect(outcome == .duplicate)
        #expect(engine["pump-1"]?.metrics["temp"]?.value == 50)
        #expect(engine["pump-1"]?.metrics["temp"]?.count == 1)
        #expect(engine["pump-1"]?.metrics["temp"]?.max == 50)
    }

    @Test func versionIncreasesWithEveryAppliedUpdate() {
        var engine = TwinEngine()
        for i in 0..<10 { engine.apply(reading("a", i % 2 == 0 ? "x" : "y", Int64(i) * 1_000, Double(i))) }
        engine.apply(PropertyUpdate(asset: "a", key: "fw", value: "1.2", timestamp: 20_000))
        #expect(engine["a"]?.version == 11)
        let outcome = engine.apply(PropertyUpdate(asset: "a", key: "fw", value: "1.2", timestamp: 21_000))
        #expect(outcome == false)
        #expect(engine["a"]?.version == 11)
        #expect(engine["a"]?.properties == ["fw": "1.2"])
    }

    @Test func sameReadingsSameOrderGiveSameState() {
        var rng = SplitMix64(seed: 42)
        var readings: [Reading] = []
        for _ in 0..<2_000 {
            let asset = "a\(rng.next() % 7)"
            let metric = "m\(rng.next() % 3)"
            readings.append(reading(asset, metric, Int64(rng.next() % 100_000), Double(rng.next() % 1_000) / 10))
        }
        var first = TwinEngine()
        var second = TwinEngine()
        readings.forEach { first.apply($0) }
        readings.forEach { second.apply($0) }
        #expect(first == second)
        #expect(first.twins.count == 7)
        // Latest per metric is the reading with the greatest timestamp (first one wins on a tie).
        for twin in first.twins.values {
            for (metric, state) in twin.metrics {
                let newest = readings.filter { $0.asset == twin.asset && $0.metric == metric }
                    .max { $0.timestamp < $1.timestamp }
                #expect(state.timestamp == newest?.timestamp)
            }
        }
    }

    @Test func statusChangesBumpVersionOnce() {
        var engine = TwinEngine()
        engine.apply(reading(1_000, 1))
        let first = engine.setStatus(.stale, of: "pump-1")
        let again = engine.setStatus(.stale, of: "pump-1")
        let unknown = engine.setStatus(.stale, of: "unknown")
        #expect(first)
        #expect(!again)
        #expect(!unknown)
        #expect(engine["pump-1"]?.version == 2)
    }

    @Test func twinRoundTripsThroughCodable() throws {
        var engine = TwinEngine()
        engine.apply(reading(1_000, 1))
        engine.apply(reading(2_000, 3))
        engine.apply(PropertyUpdate(asset: "pump-1", key: "model", value: "X", timestamp: 2_000))
        let twin = try #require(engine["pump-1"])
        let data = try JSONEncoder().encode(twin)
        #expect(try JSONDecoder().decode(Twin.self, from: data) == twin)
    }
}

