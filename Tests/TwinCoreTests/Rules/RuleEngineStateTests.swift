import Testing
@testable import TwinCore

struct RulesEngineStateTests {
    private let fiveMinutes = RuleSpec.on("current", .sustained(Sustained(Threshold(.above, 10), duration: 5 * minute)),
                                          name: "overcurrent")

    @Test func restartDoesNotForgetFourOfFiveMinutes() throws {
        var h = try RuleHarness([fiveMinutes])
        h.series("current", every: minute, [11, 11, 11, 11, 11])  // held 0…4 min
        #expect(h.transitions.isEmpty)
        let saved = try JSONRoundTrip.copy(try #require(h.rules.state(of: "pump-1")))

        var restarted = try RuleHarness([fiveMinutes])
        restarted.twins = h.twins
        restarted.rules.restore(saved, for: "pump-1")
        #expect(restarted.rules.state(of: "pump-1") == h.rules.state(of: "pump-1"))
        restarted.feed("current", 5 * minute, 11)
        #expect(restarted.timeline == ["raised@\(5 * minute)"])

        var forgetful = try RuleHarness([fiveMinutes])
        forgetful.twins = h.twins
        forgetful.feed("current", 5 * minute, 11)
        #expect(forgetful.transitions.isEmpty)
    }

    /// The engine remembers the asset of the previous reading; with assets interleaved and others added between
    /// readings (restored state, enough of them to grow its table), each asset's alerts and derived readings must be
    /// what an engine that saw only that asset gives.
    @Test func interleavedAssetsAndRestoredOnesKeepStateApart() throws {
        let specs: [RuleSpec] = [
            .on("temp", .threshold(Threshold(.above, 60, clear: 40)), name: "hot"),
            .on("temp", .trend(Trend(Threshold(.above, 90), window: minute, horizon: minute)), name: "rising"),
        ]
        let metrics = [DerivedMetricSpec(name: "double", expression: "temp * 2")]
        var generator = SplitMix64(seed: 11)
        var shared = try RuleEngine(rules: specs, metrics: metrics)
        var sharedTwins = TwinEngine()
        var alone: [String: (rules: RuleEngine, twins: TwinEngine)] = [:]
        var transitions: [String: [AlertTransition]] = [:]
        var aloneTransitions: [String: [AlertTransition]] = [:]
        var derived: [Reading] = []
        var restored = 0
        for step in 0..<3_000 {
            // Two readings of one asset with another asset restored between them, then other assets.
            let asset = "pump-\(generator.next() % 30)"
            for half in Int64(0)...1 {
                let r = Reading(asset: asset, metric: "temp", timestamp: Int64(step) * 1_000 + half * 500,
                                value: Double(generator.next() % 100))
                var out: [AlertTransition] = []
                derived.removeAll()
                shared.process(r, twins: &sharedTwins, transitions: &out, derived: &derived)
                transitions[asset, default: []] += out
                let sharedDerived = derived
                var single = try alone[asset] ?? (RuleEngine(rules: specs, metrics: metrics), TwinEngine())
                out = []
                derived.removeAll()
                single.rules.process(r, twins: &single.twins, transitions: &out, derived: &derived)
                aloneTransitions[asset, default: []] += out
                alone[asset] = single
                #expect(sharedDerived == derived)
                if half == 0 {
                    shared.restore(RuleState(rules: [:]), for: "restored-\(restored)")
                    restored += 1
                }
            }
        }
        #expect(shared.assetsWithState.count == 30 + restored)
        #expect(transitions.values.map(\.count).reduce(0, +) > 100)
        #expect(transitions == aloneTransitions)
        for (asset, single) in alone {
            #expect(shared.state(of: asset) == single.rules.state(of: asset))
        }
    }

    @Test func stateOfEveryKindRoundTrips() throws {
        let specs: [RuleSpec] = [
            .on("x", .threshold(Threshold(.above, 5, clear: 0)), name: "a"),
            .on("x", .rate(Rate(Threshold(.above, 100), window: minute)), name: "b"),
            .on("x", .anomaly(Anomaly(warmup: 3)), name: "c"),
            .on("x", .trend(Trend(Threshold(.above, 100), window: minute, horizon: minute)), name: "d"),
            .on("x", .usage(Usage(.runTime(Threshold(.above, 1)), every: 10)), name: "e"),
        ]
        var h = try RuleHarness(specs)
        h.series("x", every: 1_000, (0..<40).map { Double($0 % 7) })
        let state = try #require(h.rules.state(of: "pump-1"))
        #expect(try JSONRoundTrip.copy(state) == state)
        #expect(state.activeRules == ["a"])
        // A restored engine goes on exactly like the original.
        var copy = try RuleHarness(specs)
        copy.twins = h.twins
        copy.rules.restore(try JSONRoundTrip.copy(state), for: "pump-1")
        let (before, copyBefore) = (h.transitions.count, copy.transitions.count)
        let more = (40..<80).map { Double($0 % 11) * 3 }
        h.series("x", from: 40_000, every: 1_000, more)
        copy.series("x", from: 40_000, every: 1_000, more)
        #expect(Array(h.transitions[before...]) == Array(copy.transitions[copyBefore...]))
        #expect(h.derived.suffix(30) == copy.derived.suffix(30))
    }

    @Test func stateOfAChangedRuleIsNotRestored() throws {
        var h = try RuleHarness([fiveMinutes])
        h.series("current", every: minute, [11, 11, 11, 11, 11])
        let saved = try #require(h.rules.state(of: "pump-1"))
        var changed = fiveMinutes
        changed.kind = .sustained(Sustained(Threshold(.above, 12), duration: 5 * minute))
        var engine = try RuleEngine(rules: [changed])
        engine.restore(saved, for: "pump-1")
        #expect(engine.state(of: "pump-1")?.rules["overcurrent"]?.slot.runCount == 0)
    }

    @Test func replaceRulesKeepsUnchangedStateAndClearsDroppedAlerts() throws {
        let hot = RuleSpec.on("temp", .threshold(Threshold(.above, 80)), name: "hot")
        var h = try RuleHarness([fiveMinutes, hot])
        h.series("current", every: minute, [11, 11, 11, 11])
        h.feed("temp", 4 * minute, 90)
        #expect(h.timeline == ["raised@\(4 * minute)"])

        let hotter = RuleSpec.on("temp", .threshold(Threshold(.above, 95)), name: "hot")
        let cleared = h.rules.replaceRules(with: try RuleEngine(rules: [hotter, fiveMinutes]), at: 4 * minute + 1)
        #expect(cleared.map(\.kind) == [.cleared])
        #expect(cleared.first?.rule == "hot")
        #expect(cleared.first?.timestamp == 4 * minute + 1)
        // The unchanged rule kept its 4 minutes (now at a different index).
        h.feed("current", 5 * minute, 11)
        #expect(h.transitions.last?.rule == "overcurrent")
        #expect(h.transitions.last?.kind == .raised)
        // The changed rule starts afresh: 90 is not above 95.
        h.feed("temp", 6 * minute, 90)
        #expect(h.transitions.count == 2)
    }

    @Test func sameReadingsSameTransitions() throws {
        let specs: [RuleSpec] = [
            .on("v", .threshold(Threshold(.above, 0.9, clear: 0.7)), name: "t"),
            .on("v", .anomaly(Anomaly(z: 2.5, warmup: 20)), name: "a"),
            .on("v", .trend(Trend(Threshold(.above, 2), window: 30_000, horizon: 60_000)), name: "tr"),
            .on("v", .sustained(Sustained(Threshold(.above, 0.6), readings: 4)), name: "f"),
            .on("v", .rate(Rate(Threshold(.above, 0.5), window: 5_000)), name: "r"),
        ]
        func run() throws -> ([AlertTransition], [Reading]) {
            var h = try RuleHarness(specs, metrics: [DerivedMetricSpec(name: "w", expression: "v * 2")])
            var rng = SplitMix64(seed: 42)
            var t: Int64 = 0
            for i in 0..<5_000 {
                t += Int64(rng.next() % 1_500) - 100  // sometimes backwards
                let asset = "pump-\(rng.next() % 5)"
                h.feed("v", t, rng.unit() + Double(i % 500) / 1_000, asset: asset)
            }
            return (h.transitions, h.derived)
        }
        let (a, b) = (try run(), try run())
        #expect(a.0.count > 20)
        #expect(a.0 == b.0)
        #expect(a.1 == b.1)
    }

    @Test func everyProblemIsListed() {
        let specs: [RuleSpec] = [
            .on("t", .threshold(Threshold(.above, 80, clear: 85)), name: "hot"),
            .on("t", .threshold(Threshold(.above, 80)), name: "hot"),
            RuleSpec(name: "nothing", kind: .threshold(Threshold(.above, 1))),
            RuleSpec(name: "msg", metric: "t", message: "{asset} {valu}", kind: .threshold(Threshold(.above, 1))),
            RuleSpec(name: "expr", expression: "a +", kind: .threshold(Threshold(.above, 1))),
            .on("t", .sustained(Sustained(Threshold(.above, 1))), name: "for"),
            .on("t", .stale(Stale(after: minute, offlineAfter: minute)), name: "st"),
        ]
        let error = #expect(throws: RuleError.self) { try RuleEngine(rules: specs) }
        let lines = error?.issues.map(\.description) ?? []
        #expect(lines == [
            "rules.hot.threshold.clear_below: must not be above the limit 80.0 (it is the level to cross back over)",
            "rules.hot.name: another rule has the same name",
            "rules.nothing.metric: missing; give the metric (or an expression) the rule watches",
            "rules.msg.message: unknown placeholder '{valu}' in message (known: {asset}, {rule}, {metric}, {severity}, "
                + "{value}, {limit}, {ttl}, {z}, {usage}, {age}) at column 9",
            "rules.expr.expression: expected a number, a metric name or '(', got end of expression at column 4",
            "rules.for.for: give exactly one of duration and readings",
            "rules.st.stale.offline_after: must be longer than after",
        ])
    }

    @Test func metricsNobodyReadsCostNothing() throws {
        let engine = try RuleEngine(rules: [.on("temp", .threshold(Threshold(.above, 1)))],
                                    metrics: [DerivedMetricSpec(name: "p", expression: "u * i")])
        #expect(engine.watchedMetrics == ["temp", "u", "i"])
    }
}
