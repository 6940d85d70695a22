import Testing
import TwinCore

struct TimeExpressionTests {
    let now: Int64 = 1_764_064_800_000  // 2025-11-25T10:00:00Z

    @Test func relativeForms() {
        #expect(TimeExpression.parse("-1h", now: now) == now - 3_600_000)
        #expect(TimeExpression.parse("-15m", now: now) == now - 900_000)
        #expect(TimeExpression.parse("+30s", now: now) == now + 30_000)
        #expect(TimeExpression.parse("-7d", now: now) == now - 7 * 86_400_000)
        #expect(TimeExpression.parse("now", now: now) == now)
    }

    @Test func absoluteForms() {
        #expect(TimeExpression.parse("2025-11-25T10:00:00Z", now: 0) == now)
        #expect(TimeExpression.parse("2025-11-25T11:00:00.250+01:00", now: 0) == now + 250)
        #expect(TimeExpression.parse("1764064800000", now: 0) == now)
    }

    @Test func rejectsWhatItDoesNotKnow() {
        #expect(TimeExpression.parse("yesterday", now: now) == nil)
        #expect(TimeExpression.parse("-1y", now: now) == nil)
        #expect(TimeExpression.parse("", now: now) == nil)
        #expect(TimeExpression.parse("2025-13-45", now: now) == nil)
    }

    @Test func durations() {
        #expect(DurationText.milliseconds("250ms") == 250)
        #expect(DurationText.milliseconds("5m") == 300_000)
        #expect(DurationText.milliseconds("1.5s") == 1_500)
        #expect(DurationText.milliseconds("30d") == 2_592_000_000)
        #expect(DurationText.milliseconds("5") == nil)
        #expect(DurationText.milliseconds("-5s") == nil)
        #expect(DurationText.format(300_000) == "5m")
        #expect(DurationText.format(1_500) == "1500ms")
    }
}

struct RFC3339TextTests {
    @Test func arithmeticTextMatchesFoundationsFormatter() {
        var rng = SplitMix64(seed: 99)
        let samples: [Int64] = [0, 1, 999, 951_782_400_000, 1_709_164_800_123, 4_102_444_799_999, 253_402_300_799_999]
            + (0..<2_000).map { _ in Int64(rng.next() % 253_402_300_799_999) }
        for millis in samples {
            #expect(RFC3339.string(millis) == RFC3339.formatted(millis), "\(millis)")
        }
    }
}
