import Testing
@testable import TwinCore

/// `NumberText` against Swift's own text of the same values (differential), on edge cases and random values.
struct NumberTextTests {
    func shortest(_ value: Double) -> String {
        var bytes: [UInt8] = Array("x".utf8)  // appends after what is there
        NumberText.appendShortest(value, to: &bytes)
        return String(decoding: bytes.dropFirst(), as: UTF8.self)
    }

    /// What the query output wrote before `NumberText`: whole numbers as integers, the rest as `description`.
    func reference(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    @Test(arguments: [
        0.0, -0.0, 1, -1, 0.1, 0.2, 0.30000000000000004, 12.5, -12.5, 1e-4, 1.5e-4, 9.99e-5, 1e-5, 0.001, 123.456,
        999_999_999_999_999, 1e15, 1e15 + 2, 1.5e15, 1e16, 2.5e300, 4.9e-324, .pi, -.pi, .nan, .infinity,
        -.infinity, 0.1 + 0.7, 1.0 / 3, 2.0 / 3, 100.0 / 7, 72.35, 1013.25, 0.000_123_456_789_012_345, 5e-324,
        .greatestFiniteMagnitude, .leastNormalMagnitude, 123_456_789.123_456_7, 9_007_199_254_740_993,
    ] as [Double])
    func edgeCases(value: Double) {
        #expect(shortest(value) == reference(value), "\(value.bitPattern)")
    }

    @Test func randomDoublesOfEveryMagnitude() {
        var rng = SplitMix64(seed: 6)
        for _ in 0..<100_000 {
            let value = Double(bitPattern: rng.next())
            #expect(shortest(value) == reference(value), "\(value.bitPattern)")
        }
    }

    /// Sensor-like values: few decimals, from 1e-4 to 1e12, the fast path's territory.
    @Test func randomSensorValues() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<100_000 {
            let decimals = Int(rng.next() % 8)
            let magnitude = Double(rng.next() % 100_000_000) * pow10(Int(rng.next() % 12) - 4)
            let value = ((rng.unit() - 0.5) * magnitude * pow10(decimals)).rounded() / pow10(decimals)
            #expect(shortest(value) == reference(value), "\(value.bitPattern)")
            let noisy = rng.unit() * magnitude  // 16-17 digits: the fallback
            #expect(shortest(noisy) == reference(noisy), "\(noisy.bitPattern)")
        }
    }

    @Test func integers() {
        var rng = SplitMix64(seed: 8)
        let samples: [Int64] = [0, 1, -1, 9, 10, 99, 100, .max, .min, .max - 1, .min + 1]
            + (0..<10_000).map { _ in Int64(bitPattern: rng.next()) >> (rng.next() % 64) }
        for value in samples {
            var bytes: [UInt8] = []
            NumberText.append(value, to: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == String(value))
        }
    }

    @Test func timestampsAppendedAfterOtherText() {
        var rng = SplitMix64(seed: 9)
        let samples: [Int64] = [0, -1, -999, -1_000, -86_400_001, 253_402_300_799_999,
                                253_402_300_800_000]
            + (0..<2_000).map { _ in Int64(rng.next() % 4_102_444_800_000) - 1_000_000_000_000 }
        for millis in samples {
            var bytes: [UInt8] = Array("ts=".utf8)
            TimestampText.append(millis, to: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == "ts=" + RFC3339.formatted(millis), "\(millis)")
        }
    }

    private func pow10(_ n: Int) -> Double {
        var result = 1.0
        for _ in 0..<abs(n) { result *= 10 }
        return n < 0 ? 1 / result : result
    }
}
