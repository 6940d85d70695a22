import Testing
@testable import TwinCore

struct ThresholdRulesTests {
    private let hot = RuleSpec.on("temp", .threshold(Threshold(.above, 80, clear: 75)))

    @Test func noDataGivesNothing() throws {
        var h = try RuleHarness([hot])
        h.tick(1_000)
        #expect(h.transitions.isEmpty)
        #expect(h.rules.state(of: "pump-1") == nil)
        h.feed("pressure", 0, 99)  // a metric no rule reads
        #expect(h.transitions.isEmpty)
        #expect(h.rules.state(of: "pump-1") == nil)
    }

    @Test func onePointAboveRaisesOnce() throws {
        var h = try RuleHarness([hot])
        let raised = h.feed("temp", 1_000, 85)
        #expect(raised.count == 1)
        #expect(raised.first?.kind == .raised)
        #expect(raised.first?.value == 85)
        #expect(raised.first?.message == "pump-1: temp is 85, above 80 (r)")
        #expect(h.feed("temp", 2_000, 90).isEmpty)
    }

    @Test func hysteresisDoesNotFlapAtTheLimit() throws {
        var h = try RuleHarness([hot])
        // Hovering around 80: one raise; values between 75 and 80 keep it; exactly 75 is not below 75.
        h.series("temp", every: 1_000, [79, 81, 79.9, 80.1, 79.5, 80.5, 76, 75, 80, 74.9, 80, 79.9, 80.01])
        #expect(h.timeline == ["raised@1000", "cleared@9000", "raised@12000"])
    }

    @Test func belowWithClearAbove() throws {
        var h = try RuleHarness([.on("pressure", .threshold(Threshold(.below, 1.0, clear: 1.2)))])
        h.series("pressure", every: 1_000, [1.5, 0.9, 1.1, 1.19, 1.21, 0.99])
        #expect(h.timeline == ["raised@1000", "cleared@4000", "raised@5000"])
    }

    @Test func nanNeverReachesARule() throws {
        var engine = try RuleEngine(rules: [hot])
        var transitions: [AlertTransition] = [], derived: [Reading] = []
        let twin = Twin(asset: "pump-1", at: 0)
        engine.evaluate(Reading(asset: "pump-1", metric: "temp", timestamp: 0, value: .nan), twin: twin,
                        transitions: &transitions, derived: &derived)
        engine.evaluate(Reading(asset: "pump-1", metric: "temp", timestamp: 1, value: .infinity), twin: twin,
                        transitions: &transitions, derived: &derived)
        #expect(transitions.isEmpty)
        #expect(engine.state(of: "pump-1") == nil)
    }

    @Test func clockGoingBackwardsIsIgnored() throws {
        // Through the twin engine: the older reading is out of order and never evaluated.
        var h = try RuleHarness([hot])
        h.feed("temp", 10_000, 70)
        h.feed("temp", 5_000, 99)
        #expect(h.transitions.isEmpty)
        // Directly: the rule itself ignores a reading older than the newest it took in.
        var engine = try RuleEngine(rules: [hot])
        var transitions: [AlertTransition] = [], derived: [Reading] = []
        let twin = Twin(asset: "pump-1", at: 0)
        for (t, v) in [(10_000, 70.0), (5_000, 99.0), (10_000, 81.0)] as [(Int64, Double)] {
            engine.evaluate(Reading(asset: "pump-1", metric: "temp", timestamp: t, value: v), twin: twin,
                            transitions: &transitions, derived: &derived)
        }
        // Same timestamp as the newest is taken in; older is not.
        #expect(transitions.map(\.timestamp) == [10_000])
    }

    @Test func identicalTimestampsThroughTheTwinEngineKeepTheFirst() throws {
        var h = try RuleHarness([hot])
        h.feed("temp", 1_000, 70)
        h.feed("temp", 1_000, 90)  // the twin keeps 70 as latest: not evaluated
        #expect(h.transitions.isEmpty)
        h.feed("temp", 1_000, 70)  // duplicate
        #expect(h.transitions.isEmpty)
    }

    @Test func selectorByGlobAndProperty() throws {
        let spec = RuleSpec(name: "r", selector: .init(asset: "pump-?1*", properties: ["type": "pump"]),
                            metric: "temp", kind: .threshold(Threshold(.above, 80)))
        var h = try RuleHarness([spec])
        h.twins.apply(PropertyUpdate(asset: "pump-a1x", key: "type", value: "pump", timestamp: 0))
        h.twins.apply(PropertyUpdate(asset: "pump-b2", key: "type", value: "pump", timestamp: 0))
        h.twins.apply(PropertyUpdate(asset: "pump-c1", key: "type", value: "fan", timestamp: 0))
        for asset in ["pump-a1x", "pump-b2", "pump-c1", "fan-11"] { h.feed("temp", 1_000, 90, asset: asset) }
        #expect(h.transitions.map(\.asset) == ["pump-a1x"])
        #expect(AssetGlob("*").matches(""))
        #expect(AssetGlob("a*b*c").matches("axxbyyc"))
        #expect(!AssetGlob("a*b*c").matches("axxbyy"))
    }
}

struct SustainedRulesTests {
    @Test func durationInterruptedAndResumed() throws {
        let spec = RuleSpec.on("current", .sustained(Sustained(Threshold(.above, 10, clear: 8), duration: 5 * minute)))
        var h = try RuleHarness([spec])
        // Holds 0–3 min, broken at 4 min, holds again from 5 min: raises 5 min after 5 min, not at 5 min.
        h.series("current", every: minute, [11, 11, 11, 11, 9, 11, 11, 11, 11, 11, 11, 11, 9.5, 7])
        #expect(h.timeline == ["raised@\(10 * minute)", "cleared@\(13 * minute)"])
    }

    @Test func consecutiveReadings() throws {
        let spec = RuleSpec.on("current", .sustained(Sustained(Threshold(.above, 10), readings: 3)))
        var h = try RuleHarness([spec])
        h.series("current", every: 1_000, [11, 11, 9, 11, 11, 11, 12, 5])
        #expect(h.timeline == ["raised@5000", "cleared@7000"])
    }

    @Test func onePointIsNotADuration() throws {
        var h = try RuleHarness([.on("current", .sustained(Sustained(Threshold(.above, 10), duration: minute)))])
        h.feed("current", 0, 50)
        #expect(h.transitions.isEmpty)
        h.feed("current", minute, 50)
        #expect(h.timeline == ["raised@60000"])
    }
}

struct RateRulesTests {
    private let heating = RuleSpec.on("temp", .rate(Rate(Threshold(.above, 2, clear: 1), per: minute,
                                                         window: 5 * minute)))

    @Test func risingFasterThanTheLimit() throws {
        var h = try RuleHarness([heating])
        // 1 per minute for 5 minutes, then 4 per minute, then flat.
        var values: [Double] = (0...5).map { Double($0) }
        values += (1...5).map { 5 + 4 * Double($0) }
        values += Array(repeating: 25, count: 8)
        h.series("temp", every: minute, values)
        #expect(h.transitions.count == 2)
        #expect(h.transitions[0].kind == .raised)
        // At 7 min the window holds 2…7 min: (13 - 2) / 5 = 2.2 per minute.
        #expect(h.transitions[0].timestamp == 7 * minute)
        #expect(abs((h.transitions[0].value ?? 0) - 2.2) < 1e-9)
        #expect(h.transitions[1].kind == .cleared)
    }

    @Test func onePointAndIdenticalTimestampsGiveNoRate() throws {
        var engine = try RuleEngine(rules: [heating])
        var transitions: [AlertTransition] = [], derived: [Reading] = []
        let twin = Twin(asset: "a", at: 0)
        for value in [0.0, 100, 200] {
            engine.evaluate(Reading(asset: "a", metric: "temp", timestamp: 0, value: value), twin: twin,
                            transitions: &transitions, derived: &derived)
        }
        #expect(transitions.isEmpty)
    }

    @Test func falling() throws {
        var h = try RuleHarness([.on("level", .rate(Rate(Threshold(.below, -1), per: 1_000, window: 10_000)))])
        h.series("level", every: 1_000, [100, 99.5, 99, 97, 95])
        #expect(h.timeline == ["raised@4000"])
    }
}
