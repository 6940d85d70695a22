import Testing
import TwinCore
@testable import TwinDaemon

struct RulesConfigTests {
    /// The example in the doc comment of TwinConfiguration+Rules.swift, one rule of every kind.
    static let example = """
        metrics:
          power_kw: "voltage * current / 1000"
          delta_t: "temp_out - temp_in"
        rules:
          - name: hot-bearing
            select: { asset: "pump-*", property: { type: pump } }
            metric: temp
            severity: warning
            threshold: { above: 80, clear_below: 75 }
            message: "{asset} bearing temperature {value} °C"
          - name: overcurrent
            metric: current
            for: { above: 30, duration: 5m }
          - name: fast-heating
            metric: temp
            rate: { above: 2, per: minute, window: 5m }
          - name: odd-pressure
            metric: pressure
            anomaly: { z: 4, clear_z: 3, alpha: 0.05, warmup: 50, tails: both }
          - name: vibration-trend
            metric: vibration
            severity: critical
            trend: { above: 0.08, window: 10m, horizon: 2h }
          - name: silent
            select: { asset: "pump-*" }
            stale: { after: 2m, offline_after: 10m }
          - name: pump-service
            metric: current
            usage: { run_time: { above: 1 }, every: 2000h }
          - name: energy-service
            metric: power_kw
            usage: { integral: hour, every: 50000, counter: energy }
          - name: starts
            metric: running
            usage: { cycles: { above: 0.5 }, every: 10000, max_gap: 1h }
          - name: hot-differential
            expression: "temp_out - temp_in"
            threshold: { above: 15, clear_below: 12 }
        """

    @Test func everyKindIsRead() throws {
        let config = try TwinConfiguration.parse(yaml: Self.example)
        #expect(config.derivedMetrics == [DerivedMetricSpec(name: "power_kw", expression: "voltage * current / 1000"),
                                          DerivedMetricSpec(name: "delta_t", expression: "temp_out - temp_in")])
        #expect(config.rules.map(\.kind.name) == ["threshold", "for", "rate", "anomaly", "trend", "stale", "usage",
                                                  "usage", "usage", "threshold"])
        let rules = Dictionary(uniqueKeysWithValues: config.rules.map { ($0.name, $0) })
        #expect(rules["hot-bearing"] == RuleSpec(
            name: "hot-bearing", selector: .init(asset: "pump-*", properties: ["type": "pump"]), metric: "temp",
            severity: .warning, message: "{asset} bearing temperature {value} °C",
            kind: .threshold(Threshold(.above, 80, clear: 75))))
        #expect(rules["overcurrent"]?.kind == .sustained(Sustained(Threshold(.above, 30), duration: 300_000)))
        #expect(rules["fast-heating"]?.kind == .rate(Rate(Threshold(.above, 2), per: 60_000, window: 300_000)))
        #expect(rules["odd-pressure"]?.kind == .anomaly(Anomaly(z: 4, clearZ: 3, alpha: 0.05, warmup: 50)))
        #expect(rules["vibration-trend"]?.severity == .critical)
        #expect(rules["vibration-trend"]?.kind == .trend(Trend(Threshold(.above, 0.08), window: 600_000,
                                                               horizon: 7_200_000)))
        #expect(rules["silent"]?.metric == nil)
        #expect(rules["silent"]?.kind == .stale(Stale(after: 120_000, offlineAfter: 600_000)))
        #expect(rules["pump-service"]?.kind == .usage(Usage(.runTime(Threshold(.above, 1)), every: 2000)))
        #expect(rules["energy-service"]?.kind == .usage(Usage(.integral(per: 3_600_000), every: 50_000,
                                                              counter: "energy")))
        #expect(rules["starts"]?.kind == .usage(Usage(.cycles(Threshold(.above, 0.5)), every: 10_000)))
        #expect(rules["hot-differential"]?.expression == "temp_out - temp_in")
        _ = try RuleEngine(rules: config.rules, metrics: config.derivedMetrics)
    }

    @Test func noRulesByDefault() throws {
        let config = try TwinConfiguration.parse(yaml: "")
        #expect(config.rules.isEmpty)
        #expect(config.derivedMetrics.isEmpty)
    }

    @Test func everyProblemIsReportedWithItsKeyPath() throws {
        let yaml = """
            metrics:
              delta_t: "temp_out)"
              loop: "loop + 1"
            rules:
              - name: a
                metric: temp
                threshold: { above: high }
              - name: b
                metric: temp
                threshold: { above: 80, clear_below: 85 }
              - name: c
                metric: temp
              - name: d
                metric: temp
                threshold: { above: 1 }
                rate: { above: 1, window: 1m }
              - name: e
                metric: temp
                trend: { above: 1, horizon: 1h, windw: 5m }
              - name: f
                metric: temp
                for: { above: 1 }
              - name: b
                expression: "temp +* 2"
                severity: fatal
                threshold: { below: 1, clear_below: 2 }
              - name: g
                metric: x
                usage: { run_time: { above: 1 }, every: 10 }
              - name: h
                metric: x
                message: "{asset} {nope}"
                stale: { after: 5m, offline_after: 1m }
            """
        let error = try #require(throws: ConfigError.self) { try TwinConfiguration.parse(yaml: yaml, file: "r.yaml") }
        let messages = error.issues.map(\.description)
        let has = error.has
        #expect(has("rules[0].threshold.above", "expected a number, got \"high\""), "\(messages)")
        #expect(has("rules[1].threshold.clear_below", "must not be above the limit"), "\(messages)")
        #expect(has("rules[2]", "expected exactly one kind"), "\(messages)")
        #expect(has("rules[3]", "got threshold and rate"), "\(messages)")
        #expect(has("rules[4].trend.windw", "did you mean 'window'"), "\(messages)")
        #expect(has("rules[4].trend.window", "missing"), "\(messages)")
        #expect(has("rules[5].for", "exactly one of duration"), "\(messages)")
        #expect(has("rules[6].severity", "expected one of info, warning, critical"), "\(messages)")
        #expect(has("rules[6].threshold.clear_below", "goes with above"), "\(messages)")
        #expect(has("rules[7].usage.every", "expected a duration"), "\(messages)")
        #expect(has("rules[8].stale.offline_after", "must be longer than after"), "\(messages)")
        #expect(has("rules[8].message", "unknown placeholder '{nope}'"), "\(messages)")
        #expect(has("metrics.delta_t", "unexpected ')' at column 9"), "\(messages)")
        #expect(has("metrics.loop", "computed from itself"), "\(messages)")
        #expect(error.issues.first { $0.path == "rules[0].threshold.above" }?.line == 7)
        #expect(error.issues.first { $0.path == "metrics.delta_t" }?.line == 2)
        #expect(error.description.contains("metrics.delta_t: unexpected ')' at column 9"))
    }

    @Test func flatlineDriftTrendQualityAndMinInterval() throws {
        let yaml = """
            rules:
              - name: stuck
                metric: pressure
                flatline: { readings: 30, duration: 5m, tolerance: 0.001 }
              - name: creep
                metric: pressure
                drift: { by: 0.1, sigmas: 4, baseline: 100, alpha: 0.02, direction: upper }
                min_interval: 1h
              - name: wear
                metric: vibration
                trend: { above: 0.08, window: 10m, horizon: 1h, min_span: 2m, slope_sigmas: 2 }
            """
        let rules = Dictionary(uniqueKeysWithValues: try TwinConfiguration.parse(yaml: yaml).rules.map { ($0.name, $0) })
        #expect(rules["stuck"]?.kind == .flatline(Flatline(readings: 30, duration: 300_000, tolerance: 0.001)))
        #expect(rules["creep"]?.kind == .drift(Drift(by: 0.1, sigmas: 4, baseline: 100, alpha: 0.02,
                                                     direction: .upper)))
        #expect(rules["creep"]?.minInterval == 3_600_000)
        #expect(rules["wear"]?.kind == .trend(Trend(Threshold(.above, 0.08), window: 600_000, horizon: 3_600_000,
                                                    minSpan: 120_000, slopeSigmas: 2)))
        #expect(rules["wear"]?.minInterval == nil)
        // Defaults: 10 points over a quarter of the window, 3 standard errors, clearing at twice the horizon.
        let trend = Trend(Threshold(.above, 1), window: 400_000, horizon: 1_000)
        #expect(trend.minPoints == 10 && trend.minSpan == 100_000 && trend.slopeSigmas == 3 && trend.clearHorizon == 2_000)
    }

    @Test func anomalyMethods() throws {
        let yaml = """
            rules:
              - name: n
                metric: temp
                anomaly: { method: novelty }
              - name: m
                metric: temp
                anomaly: { method: novelty, warmup: 100, learn: 120, bins: 8, rest: 50, escalation: 2, alpha: 0.2 }
            """
        let rules = try TwinConfiguration.parse(yaml: yaml).rules
        #expect(rules[0].kind == .anomaly(.novelty()))
        #expect(rules[1].kind == .anomaly(.novelty(warmup: 100, learn: 120, bins: 8, rest: 50, escalation: 2,
                                                   alpha: 0.2)))
        let bad = """
            rules:
              - name: a
                metric: temp
                anomaly: { method: novelty, z: 4 }
              - name: b
                metric: temp
                anomaly: { bins: 4 }
              - name: c
                metric: temp
                anomaly: { method: zscore }
            """
        let error = try #require(throws: ConfigError.self) { try TwinConfiguration.parse(yaml: bad) }
        let found = error.issues.map { "\($0.path): \($0.message)" }
        #expect(found.contains("rules[0].anomaly.z: goes with method ewma, not novelty"), "\(found)")
        #expect(found.contains("rules[1].anomaly.bins: goes with method novelty, not ewma"), "\(found)")
        #expect(found.contains { $0.hasPrefix("rules[2].anomaly.method: expected one of ewma, novelty") }, "\(found)")
        // The numbers are checked once the shape is right.
        let order = "rules:\n  - name: d\n    metric: temp\n    anomaly: { method: novelty, warmup: 300, learn: 200 }"
        let orderError = try #require(throws: ConfigError.self) { try TwinConfiguration.parse(yaml: order) }
        #expect(orderError.issues.map { "\($0.path): \($0.message)" }
                == ["rules[0].anomaly.learn: must be at least warmup (300)"])
    }

    @Test func newKindsReportTheirKeyPaths() throws {
        let yaml = """
            rules:
              - name: a
                metric: p
                flatline: { readings: 1, tolerance: -1 }
              - name: b
                metric: p
                drift: { baseline: 10 }
              - name: c
                metric: p
                drift: { by: 0.1, alpha: 2, directon: upper }
              - name: d
                metric: p
                trend: { above: 1, window: 1m, horizon: 1m, min_span: 5m, slope_sigmas: -1 }
                min_interval: soon
            """
        let error = try #require(throws: ConfigError.self) { try TwinConfiguration.parse(yaml: yaml) }
        let messages = error.issues.map(\.description)
        let has = error.has
        #expect(has("rules[0].flatline.readings", "expected a whole number from 2"), "\(messages)")
        #expect(has("rules[1].drift", "give by"), "\(messages)")
        #expect(has("rules[2].drift.directon", "did you mean 'direction'"), "\(messages)")
        #expect(has("rules[3].min_interval", "expected a duration"), "\(messages)")
    }

    @Test func newKindsCheckTheirNumbersOnceTheShapeIsRight() throws {
        let yaml = """
            rules:
              - name: a
                metric: p
                flatline: { readings: 5, tolerance: -1 }
              - name: c
                metric: p
                drift: { by: 0.1, alpha: 2 }
              - name: d
                metric: p
                trend: { above: 1, window: 1m, horizon: 1m, min_span: 5m, slope_sigmas: -1 }
            """
        let error = try #require(throws: ConfigError.self) { try TwinConfiguration.parse(yaml: yaml) }
        let found = error.issues.map { "\($0.path): \($0.message)" }
        #expect(found == ["rules[0].flatline.tolerance: must be 0 or a positive number",
                          "rules[1].drift.alpha: must be in (0, 1]",
                          "rules[2].trend.min_span: must be between 0 and the window (1m)",
                          "rules[2].trend.slope_sigmas: must be 0 or a positive number"])
    }

    @Test func duplicateNamesAndExpressionErrorsOnceTheShapeIsRight() throws {
        let yaml = """
            rules:
              - name: b
                metric: temp
                threshold: { above: 1 }
              - name: b
                expression: "temp +* 2"
                threshold: { above: 1 }
            """
        let error = try #require(throws: ConfigError.self) { try TwinConfiguration.parse(yaml: yaml) }
        #expect(error.issues.map(\.path) == ["rules[1].name", "rules[1].expression"])
        #expect(error.issues.last?.message == "unexpected '*' at column 7")
        #expect(error.issues.first?.line == 5)
    }
}

extension ConfigError {
    /// An issue at `path` whose message contains `text`.
    func has(_ path: String, _ text: String) -> Bool {
        issues.contains { $0.path == path && $0.message.contains(text) }
    }
}
