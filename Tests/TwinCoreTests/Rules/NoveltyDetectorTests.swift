import Foundation
import Testing
@testable import TwinCore

struct NoveltyDetectorTests {
    private let rule = Anomaly.novelty()

    /// Uniform noise in [level, level + 10).
    private func noise(_ n: Int, level: Double = 0, seed: UInt64 = 5) -> [Double] {
        var rng = SplitMix64(seed: seed)
        return (0..<n).map { _ in level + rng.unit() * 10 }
    }

    @Test func binsAndMagnitudes() {
        var bins = NoveltyDetector.Bins()
        bins.warm(0)
        bins.warm(9)
        bins.fix(bins: 10)                     // width 1 from 0
        #expect(bins.width == 1)
        #expect(bins.novelty(5.5) == 64)       // nothing visited yet: as far out as it gets
        #expect(bins.novelty(5.2) == 0)        // same bin
        #expect(bins.novelty(8.0) == 3)        // bin 8, nearest visited 5
        #expect(bins.novelty(7.9) == 1)        // bin 7, next to 8
        #expect(bins.novelty(-3) == 8)         // bin -3, nearest 5
        #expect(bins.novelty(1e308) == 64)     // the outermost bin, far from any
        #expect(bins.novelty(.greatestFiniteMagnitude) == 0)
        #expect(bins.novelty(-1e308) == 64)
        // A warm-up without spread: bins 10 % of the value wide.
        var flat = NoveltyDetector.Bins()
        flat.warm(100)
        flat.fix(bins: 10)
        #expect(flat.width == 10)
        #expect(flat.novelty(100) == 64)
        #expect(flat.novelty(125) == 2)
    }

    @Test func quietOnWhatItLearnedLoudOnWhatIsNew() {
        var d = NoveltyDetector()
        let normal = noise(3_000)
        // Warm-up (200) and learning (to 300): nothing.
        for v in normal[..<299] { #expect(d.update(v, rule) == 0) }
        // The same noise after learning: a few new bins at first (the value's are all known soon; the change
        // average still sets a record now and then), fewer and fewer later.
        let early = normal[299..<1_000].filter { d.update($0, rule) > 0 }.count
        let late = normal[1_000...].filter { d.update($0, rule) > 0 }.count
        #expect(early < 10, "\(early)")
        #expect(late <= 3, "\(late) in 2,000 readings")
        // A new level: novel at once; once it has been seen, it is ordinary too.
        #expect(d.update(40, rule) > 0)
        let settling = noise(300, level: 35, seed: 6).filter { d.update($0, rule) > 0 }.count
        #expect(settling < 15, "\(settling)")
        #expect(noise(1_000, level: 35, seed: 7).filter { d.update($0, rule) > 0 }.count <= 2)
    }

    @Test func coarseningMergesNeighboursExactly() {
        var bins = NoveltyDetector.Bins()
        bins.warm(0)
        bins.warm(9)
        bins.fix(bins: 10)
        for x in [-3.5, 0.5, 1.5, 4.5, 5.5, 9.5] { _ = bins.novelty(x) }   // bins -4, 0, 1, 4, 5, 9
        bins.coarsen()                                                  // width 2: bins -2, 0, 2, 4
        #expect(bins.width == 2 && bins.visitedCount == 4)
        for x in [-3.9, 0.1, 1.9, 4.0, 5.9, 8.0, 9.9] { #expect(bins.novelty(x) == 0, "\(x)") }
        #expect(bins.novelty(6.5) == 1)                                 // bin 3, next to 2 and 4
        #expect(bins.novelty(-8) == 2)                                  // bin -4, two from -2
        // The visit that takes a feature past max_bins coarsens it and reports the distance in the new bins.
        var grow = NoveltyDetector.Bins()
        grow.warm(0)
        grow.warm(1)
        grow.fix(bins: 2)                                               // width 1
        for q in 0..<3 { #expect(grow.novelty(Double(q) + 0.5, maxBins: 3) == (q == 0 ? 64 : 1)) }
        #expect(grow.novelty(9.5, maxBins: 3) == 3)                     // 7 bins out, then width 2: 3
        #expect(grow.width == 2 && grow.visitedCount == 3)              // bins 0, 1, 4
    }

    @Test func aWarmUpThatSawASliverSettlesOnceBinsCoarsen() {
        // 200 near-flat readings, then the series' real spread, 100 times wider: with fixed bins the ordinary values
        // keep landing in new bins; coarsening settles it.
        var rng = SplitMix64(seed: 21)
        let values = (0..<200).map { _ in 50 + rng.unit() * 0.1 } + (0..<20_000).map { _ in 45 + rng.unit() * 10 }
        func raises(_ rule: Anomaly) -> Int {
            var d = NoveltyDetector()
            var raised = 0
            for v in values {
                let m = d.update(v, rule)
                if d.admits(m, rule) { d.raised(m, rule); raised += 1 }
            }
            return raised
        }
        // Without the token bucket, which would hide the difference (it alone holds fixed bins to one raise per 400).
        var coarse = rule
        coarse.burst = 0
        var fixed = coarse
        fixed.maxBins = 0
        let withFixedBins = raises(fixed), withCoarsening = raises(coarse)
        // Measured before the step gate: 88 raises with fixed bins (one per rest, all along), 6 with coarsening.
        #expect(withFixedBins > 60, "\(withFixedBins)")
        #expect(withCoarsening < 10, "\(withCoarsening)")
        #expect(raises(rule) < 10)
    }

    @Test func restAndEscalation() {
        var d = NoveltyDetector()
        for v in noise(400) { _ = d.update(v, rule) }
        #expect(!d.admits(0, rule))
        #expect(d.admits(1, rule))             // never raised
        d.raised(2, rule)
        #expect(!d.admits(5, rule))            // within rest, under 3 × 2
        #expect(d.admits(6, rule))             // 3 × further out: escalates
        for v in noise(99, seed: 8) { _ = d.update(v, rule) }
        #expect(!d.admits(1, rule))
        _ = d.update(5, rule)
        #expect(d.admits(1, rule))             // 100 readings on
    }

    @Test func aNoveltyReachedWithoutAStepDoesNotCount() {
        // Alternating 0 and 9: the average change settles near 9, bins are 1 wide from 0.
        func run(_ rule: Anomaly) -> (drift: Int, jump: Int) {
            var d = NoveltyDetector()
            for i in 0..<400 { _ = d.update(i % 2 == 0 ? 0 : 9, rule) }
            _ = d.update(9, rule)
            let drift = d.update(10.5, rule)   // a new bin, but 1.5 from the last reading: far under the average change
            _ = d.update(0, rule)
            let jump = d.update(12.5, rule)    // a new bin, reached by a step of 12.5
            return (drift, jump)
        }
        var ungated = rule
        ungated.step = 0
        #expect(run(ungated).drift == 1)
        #expect(run(rule).drift == 0)
        #expect(run(rule).jump == 2)           // bin 12, two from bin 10 (visited, though it did not count)
    }

    @Test func oneBinNoveltiesDrawOnATokenBucket() {
        // burst 2, refill 400: two one-bin raises in a row, then one per 400 readings; larger ones never wait.
        var d = NoveltyDetector()
        let readings = noise(2_000, seed: 3)
        var next = 0
        func advance(_ n: Int) { for _ in 0..<n { _ = d.update(readings[next], rule); next += 1 } }
        advance(400)
        #expect(d.admits(1, rule))
        d.raised(1, rule)
        advance(100)
        #expect(d.admits(1, rule))            // the second token
        d.raised(1, rule)
        advance(100)
        #expect(!d.admits(1, rule))           // rest is over, but the bucket is empty
        #expect(d.admits(2, rule))            // two bins out: no token needed
        advance(199)
        #expect(!d.admits(1, rule))
        advance(1)
        #expect(d.admits(1, rule))            // 400 readings after the first raise: a token again
        var unlimited = rule
        unlimited.burst = 0
        #expect(d.admits(1, unlimited))
    }

    @Test func snapshotsFromBeforeTheBucketDecodeFull() throws {
        var a = NoveltyDetector()
        for v in noise(500) { _ = a.update(v, rule) }
        a.raised(1, rule)
        var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(a)) as! [String: Any]
        #expect(json["debt"] as? Int == 400)
        json["debt"] = nil
        let old = try JSONDecoder().decode(NoveltyDetector.self, from: JSONSerialization.data(withJSONObject: json))
        #expect(old != a)
        var full = a
        for v in noise(400, seed: 4) { _ = full.update(v, rule) }   // 400 readings on, the bucket is full again
        var restored = old
        for v in noise(400, seed: 4) { _ = restored.update(v, rule) }
        #expect(restored == full)
    }

    @Test func throughTheRuleEngineOneRaisePerEpisode() throws {
        var h = try RuleHarness([.on("x", .anomaly(rule))])
        h.series("x", every: 1_000, noise(2_000))
        let quiet = h.transitions.count
        // A jump raises; the next reading at a known level clears it; nothing more within the next 100 readings
        // unless far further out.
        h.feed("x", 2_000_000, 60)
        h.series("x", from: 2_001_000, every: 1_000, noise(50, seed: 9))
        let episode = Array(h.transitions[quiet...])
        #expect(episode.first?.kind == .raised)
        #expect(episode.first?.timestamp == 2_000_000)
        #expect(episode.first?.message.hasPrefix("pump-1: x is 60, unlike anything since its warm-up (") == true)
        #expect(episode.filter { $0.kind == .raised }.count == 1)
        #expect(episode.dropFirst().first?.kind == .cleared)
    }

    @Test func stateRoundTripsAndContinuesAlike() throws {
        var a = NoveltyDetector()
        for v in noise(500) { _ = a.update(v, rule) }
        var b = try JSONRoundTrip.copy(a)
        #expect(a == b)
        for v in noise(2_000, level: -5, seed: 12) { #expect(a.update(v, rule) == b.update(v, rule)) }
        #expect(a == b)
    }
}

struct Base64Tests {
    @Test func roundTripsEveryLengthAndMatchesRFC4648() {
        #expect(Base64.encode(Array("foobar".utf8)) == "Zm9vYmFy")
        #expect(Base64.encode(Array("fooba".utf8)) == "Zm9vYmE=")
        #expect(Base64.encode(Array("foob".utf8)) == "Zm9vYg==")
        #expect(Base64.encode([]) == "")
        var rng = SplitMix64(seed: 4)
        for n in 0..<300 {
            let bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            #expect(Base64.decode(Base64.encode(bytes)) == bytes, "\(n) bytes")
        }
        #expect(Base64.decode("Zm9v!") == nil)
    }
}
