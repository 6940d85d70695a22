import Testing
@testable import TwinCore

/// The rules that keep alerts trustworthy: a trend that noise cannot trip, a stuck sensor, slow drift, and
/// re-raise suppression.
struct NoiseRuleTests {
    /// A healthy series: flat at `level` with uniform noise of ±`noise`.
    private func noisy(_ n: Int, level: Double, noise: Double, seed: UInt64 = 3) -> [Double] {
        var rng = SplitMix64(seed: seed)
        return (0..<n).map { _ in level + (rng.unit() - 0.5) * 2 * noise }
    }

    private func trend(sigmas: Double) -> RuleSpec {
        .on("vibration", .trend(Trend(Threshold(.above, 0.08), window: minute, horizon: 30_000, minPoints: 10,
                                      minSpan: 0, slopeSigmas: sigmas)))
    }

    @Test func trendIgnoresASlopeNoiseCanExplain() throws {
        // 200 healthy pumps' first 2 minutes: 0.05 ± 0.01, a reading a second. A line through 10 such points
        // predicts a crossing of 0.08 within 30 s now and then; with the slope less 3 standard errors, never.
        var naive = 0, cautious = 0
        for seed in 1...200 {
            let values = noisy(120, level: 0.05, noise: 0.01, seed: UInt64(seed))
            var a = try RuleHarness([trend(sigmas: 0)]), b = try RuleHarness([trend(sigmas: 3)])
            a.series("vibration", every: 1_000, values)
            b.series("vibration", every: 1_000, values)
            naive += a.transitions.filter { $0.kind == .raised }.count
            cautious += b.transitions.filter { $0.kind == .raised }.count
        }
        #expect(naive > 20, "naive \(naive)")
        #expect(cautious == 0)
    }

    @Test func trendStillRaisesOnARealRise() throws {
        // 0.0006 a reading from 0.03 with ±0.001 noise: raised well before 0.08 is reached (at reading ~83).
        var h = try RuleHarness([trend(sigmas: 3)])
        var rng = SplitMix64(seed: 9)
        for i in 0..<120 {
            h.feed("vibration", Int64(i) * 1_000, 0.03 + 0.0006 * Double(i) + (rng.unit() - 0.5) * 0.002)
        }
        let raised = try #require(h.transitions.first { $0.kind == .raised })
        #expect(raised.timestamp < 83_000)
        #expect(h.transitions.filter { $0.kind == .raised }.count == 1)
    }

    @Test func trendWaitsForTheMinimumSpan() throws {
        let spec = RuleSpec.on("v", .trend(Trend(Threshold(.above, 1), window: 10 * minute, horizon: minute,
                                                 minPoints: 3, minSpan: minute, slopeSigmas: 0)))
        var h = try RuleHarness([spec])
        // A steep exact line, one reading every 10 s: nothing predicted before the points span a minute.
        for s in stride(from: Int64(0), through: 120, by: 10) { h.feed("v", s * 1_000, Double(s) / 100) }
        let ttl = h.derived.filter { $0.metric == "v.ttl_s" }
        #expect(ttl.first?.timestamp == 60_000)
    }

    @Test func flatlineRaisesOnAStuckSensorAndClearsWhenItMoves() throws {
        var h = try RuleHarness([.on("pressure", .flatline(Flatline(readings: 5)))])
        h.series("pressure", every: 1_000, [2.0, 2.1, 2.1, 2.1, 2.1, 2.1, 2.1, 2.2, 2.3])
        // The run of 2.1 starts at 1 s; its 5th reading (5 s) raises; 2.2 at 7 s clears.
        #expect(h.timeline == ["raised@5000", "cleared@7000"])
        #expect(h.transitions.first?.message == "pump-1: pressure has not changed for 4s (5 readings or more; r)")
    }

    @Test func flatlineToleranceAndDuration() throws {
        var h = try RuleHarness([.on("p", .flatline(Flatline(readings: 3, duration: 10_000, tolerance: 0.05)))])
        // Within ±0.05 of 1.0 from 0 s: 3 readings are there at 2 s, but 10 s only at 10 s.
        h.series("p", every: 1_000, [1.0, 1.02, 0.97, 1.01, 1.0, 1.03, 0.99, 1.0, 1.04, 0.96, 1.0, 1.2])
        #expect(h.timeline == ["raised@10000", "cleared@11000"])
    }

    @Test func healthyNoiseIsNeverFlat() throws {
        var h = try RuleHarness([.on("p", .flatline(Flatline(readings: 20)))])
        h.series("p", every: 1_000, noisy(5_000, level: 2, noise: 0.01).map { ($0 * 10_000).rounded() / 10_000 })
        #expect(h.transitions.isEmpty)
    }

    @Test func driftRaisesOnASlowCreepButNotOnNoise() throws {
        let spec = RuleSpec.on("p", .drift(Drift(by: 0.1, baseline: 30, alpha: 0.05)))
        var healthy = try RuleHarness([spec])
        healthy.series("p", every: 1_000, noisy(5_000, level: 2, noise: 0.03))
        #expect(healthy.transitions.isEmpty)

        // The same noise, creeping up 0.002 a reading after the baseline: the smoothed level passes 0.1 above the
        // baseline after about 50 + 20 (the EWMA's lag) readings of creep.
        var creeping = try RuleHarness([spec])
        let values = noisy(300, level: 2, noise: 0.03).enumerated().map { i, v in v + 0.002 * Double(max(0, i - 30)) }
        creeping.series("p", every: 1_000, values)
        let raised = try #require(creeping.transitions.first)
        #expect(raised.kind == .raised)
        #expect(raised.timestamp > 60_000 && raised.timestamp < 110_000)
        #expect(creeping.transitions.count == 1)
    }

    @Test func driftInSigmasAndANewBaselineAfterRepair() throws {
        let spec = RuleSpec.on("p", .drift(Drift(sigmas: 5, baseline: 50, alpha: 0.1, direction: .lower)))
        var h = try RuleHarness([spec])
        h.series("p", every: 1_000, noisy(50, level: 10, noise: 1))
        // Upward shifts are not watched; a fall of 5 sd of the baseline (uniform ±1: sd ≈ 0.58) raises.
        h.series("p", from: 50_000, every: 1_000, noisy(100, level: 14, noise: 1, seed: 4))
        #expect(h.transitions.isEmpty)
        h.series("p", from: 150_000, every: 1_000, noisy(100, level: 6, noise: 1, seed: 5))
        #expect(h.timeline.count == 1)
        // A repair learns a new baseline around 6: clears, and 6 is normal from then on.
        let cleared = h.rules.startNewLife(asset: "pump-1", at: 250_500)
        #expect(cleared.map(\.kind) == [.cleared])
        #expect(h.rules.startNewLife(asset: "pump-1", at: 250_500).isEmpty)  // redelivered: nothing more
        h.series("p", from: 251_000, every: 1_000, noisy(300, level: 6, noise: 1, seed: 6))
        #expect(h.timeline.count == 1)
    }

    @Test func minIntervalSuppressesReRaises() throws {
        var spec = RuleSpec.on("temp", .threshold(Threshold(.above, 80, clear: 75)))
        spec.minInterval = 10_000
        var h = try RuleHarness([spec])
        // Flapping every second between 90 and 70: without suppression 6 raises; with 10 s, one per 10 s.
        h.series("temp", every: 1_000, (0..<24).map { $0 % 2 == 0 ? 90 : 70 })
        #expect(h.timeline.filter { $0.hasPrefix("raised") } == ["raised@0", "raised@10000", "raised@20000"])
        var plain = try RuleHarness([.on("temp", .threshold(Threshold(.above, 80, clear: 75)))])
        plain.series("temp", every: 1_000, (0..<24).map { $0 % 2 == 0 ? 90 : 70 })
        #expect(plain.timeline.filter { $0.hasPrefix("raised") }.count == 12)
    }

    @Test func newStateSurvivesASnapshot() throws {
        var spec = RuleSpec.on("p", .drift(Drift(by: 0.1, baseline: 5)))
        spec.minInterval = 60_000
        var h = try RuleHarness([spec, .on("p", .flatline(Flatline(readings: 3)), name: "flat")])
        h.series("p", every: 1_000, [1, 1, 1, 1, 1, 1.5, 1.5, 1.5, 1.5, 1.5])
        let state = try #require(h.rules.state(of: "pump-1"))
        var restored = try RuleEngine(rules: [spec, .on("p", .flatline(Flatline(readings: 3)), name: "flat")])
        restored.restore(try JSONRoundTrip.copy(state), for: "pump-1")
        #expect(restored.state(of: "pump-1") == state)
    }
}
