import Testing
@testable import TwinCore

struct AnomalyRulesTests {
    private func rule(tails: Anomaly.Tails = .both) -> RuleSpec {
        .on("pressure", .anomaly(Anomaly(z: 3, clearZ: 2, alpha: 0.1, warmup: 10, tails: tails)))
    }

    @Test func spikeAfterWarmupRaisesAndClears() throws {
        var h = try RuleHarness([rule()])
        let calm = (0..<20).map { $0 % 2 == 0 ? 10.0 : 11.0 }
        h.series("pressure", every: 1_000, calm)
        #expect(h.transitions.isEmpty)
        let raised = h.feed("pressure", 20_000, 20)
        #expect(raised.map(\.kind) == [.raised])
        #expect(raised.first?.message.contains("z-score") == true)
        // The spike inflated the variance; a value near the mean ends it.
        #expect(h.feed("pressure", 21_000, 10.5).map(\.kind) == [.cleared])
    }

    @Test func noJudgementDuringWarmup() throws {
        var h = try RuleHarness([rule()])
        h.series("pressure", every: 1_000, [10, 11, 10, 11, 500, 10, 11, 10, 11])
        #expect(h.transitions.isEmpty)
        #expect(h.rules.state(of: "pump-1")?.rules["r"]?.slot.seen == 9)
    }

    @Test func oneTailIgnoresTheOther() throws {
        var h = try RuleHarness([rule(tails: .upper)])
        h.series("pressure", every: 1_000, (0..<20).map { $0 % 2 == 0 ? 10.0 : 11.0 })
        #expect(h.feed("pressure", 20_000, -50).isEmpty)
        var low = try RuleHarness([rule(tails: .lower)])
        low.series("pressure", every: 1_000, (0..<20).map { $0 % 2 == 0 ? 10.0 : 11.0 })
        #expect(low.feed("pressure", 20_000, -50).map(\.kind) == [.raised])
    }

    @Test func constantSeriesThenAnyChangeIsAnomalous() throws {
        var h = try RuleHarness([rule()])
        h.series("pressure", every: 1_000, Array(repeating: 5, count: 12))
        #expect(h.transitions.isEmpty)
        #expect(h.feed("pressure", 12_000, 5.001).map(\.kind) == [.raised])
    }
}

struct TrendRulesTests {
    /// 0.01 per minute from 0, one reading every 30 s: reaches 0.08 at exactly 8 min.
    private func line(_ seconds: Int64) -> Double { 0.01 * Double(seconds) / 60 }
    private let rule = RuleSpec.on("vibration", .trend(Trend(Threshold(.above, 0.08), window: 10 * minute,
                                                               horizon: 2 * minute)))

    @Test func timeToLimitIsExactOnAStraightLine() throws {
        var h = try RuleHarness([rule])
        for s in stride(from: Int64(0), through: 600, by: 30) { h.feed("vibration", s * 1_000, line(s)) }
        let ttl = h.derived.filter { $0.metric == "vibration.ttl_s" }
        // First prediction at the 10th point (270 s; min_points 10, min_span 2.5 min); then ttl = 480 - t.
        #expect(ttl.first?.timestamp == 270_000)
        for reading in ttl {
            let expected = max(0, 480 - Double(reading.timestamp) / 1_000)
            #expect(abs(reading.value - expected) < 1e-6, "at \(reading.timestamp)")
        }
        #expect(h.twins["pump-1"]?.metrics["vibration.ttl_s"]?.value == 0)
        // Raised at the first reading less than 2 minutes before the crossing: 390 s (ttl 90 s).
        #expect(h.timeline == ["raised@390000"])
        #expect(h.transitions.first?.message == "pump-1: vibration is predicted to reach 0.08 in 1m 30s (r)")
    }

    @Test func headingAwayPredictsNothing() throws {
        var h = try RuleHarness([rule])
        for s in stride(from: Int64(0), through: 600, by: 30) { h.feed("vibration", s * 1_000, 0.05 - line(s) / 10) }
        #expect(h.derived.isEmpty)
        #expect(h.transitions.isEmpty)
    }

    @Test func clearsWhenTheTrendReverses() throws {
        var h = try RuleHarness([rule])
        for s in stride(from: Int64(0), through: 420, by: 30) { h.feed("vibration", s * 1_000, line(s)) }
        #expect(h.timeline == ["raised@390000"])
        // Repaired: back to 0 and flat; once the old points leave the window the line is flat or falling.
        for s in stride(from: Int64(450), through: 1_200, by: 30) { h.feed("vibration", s * 1_000, 0) }
        #expect(h.timeline.count == 2)
        #expect(h.transitions.last?.kind == .cleared)
    }

    @Test func onePointAndIdenticalTimestampsPredictNothing() throws {
        var engine = try RuleEngine(rules: [.on("vibration", .trend(Trend(Threshold(.above, 1), window: minute,
                                                                             horizon: minute, minPoints: 2)))])
        var transitions: [AlertTransition] = [], derived: [Reading] = []
        let twin = Twin(asset: "a", at: 0)
        for value in [0.1, 0.5, 0.9] {
            engine.evaluate(Reading(asset: "a", metric: "vibration", timestamp: 5_000, value: value), twin: twin,
                            transitions: &transitions, derived: &derived)
        }
        #expect(derived.isEmpty)
        #expect(transitions.isEmpty)
    }

    @Test func windowRingBufferMatchesAFreshFit() {
        var window = SeriesWindow()
        var rng = SplitMix64(seed: 7)
        var t: Int64 = 1_764_064_800_000
        for i in 0..<5_000 {
            t += Int64(rng.next() % 2_000)
            let v = Double(i) * 0.001 + rng.unit()
            window.evict(before: t - 60_000)
            window.append(t, v, maxPoints: 50)
        }
        // Rebuild from the encoded points and compare the lines.
        let points = (try? JSONRoundTrip.copy(window)) ?? SeriesWindow()
        #expect(points == window)
        let a = window.line(), b = points.line()
        #expect(a != nil)
        #expect(abs((a?.slope ?? 0) - (b?.slope ?? 1)) < 1e-9)
        #expect(abs((a?.valueAtNewest ?? 0) - (b?.valueAtNewest ?? 1)) < 1e-9)
        #expect(window.count <= 50)
    }
}
