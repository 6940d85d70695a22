import Foundation
import Testing
@testable import TwinCore

/// The binary snapshot form: what it writes reads back exactly, and what it did not write is refused.
struct CompactCodingTests {
    /// A twin with every kind of rule state: an episode, a trend window, a novelty detector's bins, a usage counter.
    private func document() throws -> SnapshotDocument {
        var model = TwinModel(rules: try RuleEngine(rules: [
            .on("temp", .threshold(Threshold(.above, 80, clear: 75)), name: "hot"),
            .on("temp", .anomaly(.novelty(warmup: 50, learn: 60)), name: "odd"),
            .on("vibration", .trend(Trend(Threshold(.above, 0.5), window: 60_000, horizon: 30_000)), name: "rising"),
            .on("current", .usage(Usage(.runTime(Threshold(.above, 1)), every: 1)), name: "run"),
        ]))
        var transitions: [AlertTransition] = [], derived: [Reading] = []
        for i in 0..<300 {
            let t = Int64(i) * 1_000
            let temp = i == 250 ? 95 : 60 + Double(i % 17) * 0.37
            for (metric, value) in [("temp", temp), ("vibration", 0.1 + Double(i) / 1_000), ("current", 4.5)] {
                model.apply(Reading(asset: "pump-7", metric: metric, timestamp: t, value: value),
                            transitions: &transitions, derived: &derived)
            }
        }
        var (twin, rules) = try #require(model.snapshot(of: "pump-7"))
        twin.properties = ["firmware": "2.1.0-β", "": "empty key", "line": "L2"]
        return SnapshotDocument(twin: twin, rules: rules)
    }

    @Test func aSnapshotReadsBackExactlyInLessThanThreeQuartersOfTheJSON() throws {
        let original = try document()
        #expect(original.rules?.rules.count == 4)
        #expect(original.rules?.rules["odd"]?.slot.novelty != nil)
        #expect((original.rules?.usage(of: "run") ?? 0) > 0)
        let bytes = try original.encoded()
        #expect(CompactCoding.isCompact(bytes))
        let decoded = try SnapshotDocument.decode(bytes)
        #expect(decoded.twin == original.twin)
        #expect(decoded.rules == original.rules)
        let json = try JSONEncoder().encode(original)
        #expect(bytes.count * 4 < json.count * 3, "compact \(bytes.count) B, JSON \(json.count) B")
    }

    @Test func legacyJSONSnapshotsStillRestore() throws {
        let original = try document()
        let json = try JSONEncoder().encode(original)
        let decoded = try SnapshotDocument.decode(Array(json))
        #expect(decoded.twin == original.twin && decoded.rules == original.rules)
        // The oldest form: the twin alone.
        let bare = try SnapshotDocument.decode(Array(try JSONEncoder().encode(original.twin)))
        #expect(bare.twin == original.twin && bare.rules == nil)
    }

    private struct Sample: Codable, Equatable {
        enum Kind: Codable, Equatable { case none, pair(Int, String), labelled(x: Double) }
        var int = Int64.min
        var uint = UInt64.max
        var small: Int8 = -7
        var doubles: [Double] = [0, -0.0, .infinity, -.infinity, 1e-310, .pi]
        var ints: [Int64] = [.min, -1, 0, 1, .max]
        var optional: String? = nil
        var some: Double? = 2.5
        var nested: [[String: [Int]]] = [["a": [1, 2]], [:], ["b": []]]
        var kinds: [Kind] = [.none, .pair(3, "x"), .labelled(x: -1)]
        var flag = true
        var text = "line\nbreak \u{0} and ünïcødé 🚀"
    }

    @Test func everyShapeRoundTrips() throws {
        let value = Sample()
        #expect(try CompactCoding.decode(Sample.self, from: try CompactCoding.encode(value)) == value)
        // NaN is not equal to itself: compare its bits.
        let nan = try CompactCoding.decode([Double].self, from: try CompactCoding.encode([Double.nan, 1]))
        #expect(nan[0].isNaN && nan[1] == 1)
        // Keys repeat across a document; each is written once.
        let many = Array(repeating: ["temperature_celsius": 1.0], count: 100)
        let bytes = try CompactCoding.encode(many)
        #expect(bytes.count < 100 * 6, "\(bytes.count) B")
        #expect(try CompactCoding.decode([[String: Double]].self, from: bytes) == many)
    }

    @Test func damagedOrForeignBytesThrowAndNeverCrash() throws {
        let bytes = try document().encoded()
        #expect(throws: DecodingError.self) { try CompactCoding.decode(SnapshotDocument.self, from: [0x54, 0x57]) }
        var newer = bytes
        newer[3] = 9
        let error = #expect(throws: DecodingError.self) { try SnapshotDocument.decode(newer) }
        #expect("\(String(describing: error))".contains("version 9"))
        // Every truncation and a sweep of single-byte corruptions: an error or a value, never a trap.
        for length in stride(from: 4, to: bytes.count, by: max(1, bytes.count / 300)) {
            #expect(throws: DecodingError.self) { try SnapshotDocument.decode(Array(bytes.prefix(length))) }
        }
        var generator = SplitMix(seed: 42)
        for _ in 0..<500 {
            var damaged = bytes
            let at = 4 + Int(generator.next() % UInt64(bytes.count - 4))
            damaged[at] = UInt8(truncatingIfNeeded: generator.next())
            _ = try? SnapshotDocument.decode(damaged)
        }
        #expect(throws: (any Error).self) { try SnapshotDocument.decode(Array("not a snapshot".utf8)) }
    }
}

private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension CompactCodingTests {
    /// Whole numbers and Float-exact values take fewer bytes; every Double still comes back bit for bit.
    @Test(arguments: [0.0, -0.0, 1, -1, 4.5, 0.1, 1e300, -1e-300, 0x1p53, 0x1p53 + 2, -0x1p60, .infinity,
                      -.infinity, .greatestFiniteMagnitude, .leastNonzeroMagnitude, 123_456_789.125])
    func doublesKeepTheirBits(value: Double) throws {
        let decoded = try CompactCoding.decode(Double.self, from: try CompactCoding.encode(value))
        #expect(decoded.bitPattern == value.bitPattern)
        let field = try CompactCoding.decode([String: Double].self, from: try CompactCoding.encode(["v": value]))
        #expect(field["v"]?.bitPattern == value.bitPattern)
    }
}
