import Testing
@testable import TwinCore

struct RulesExpressionTests {
    private func value(_ source: String, _ inputs: [String: Double] = [:]) throws -> Double? {
        let expression = try Expression(source)
        return expression.evaluate { inputs[expression.inputs[$0]] }
    }

    @Test func precedenceAndAssociativity() throws {
        #expect(try value("1 + 2 * 3") == 7)
        #expect(try value("(1 + 2) * 3") == 9)
        #expect(try value("10 - 4 - 3") == 3)
        #expect(try value("64 / 4 / 2") == 8)
        #expect(try value("-2 * 3") == -6)
        #expect(try value("2 * -3") == -6)
        #expect(try value("--4") == 4)
        #expect(try value("1e3 / 2.5e1") == 40)
        #expect(try value("6 − 2 × 3 ÷ 2") == 3)
    }

    @Test func metricsIncludingDottedAndQuotedNames() throws {
        #expect(try value("temp_out - temp_in", ["temp_out": 50, "temp_in": 38.5]) == 11.5)
        #expect(try value("voltage * current / 1000", ["voltage": 230, "current": 10]) == 2.3)
        #expect(try value("motor.temp * 2", ["motor.temp": 40]) == 80)
        #expect(try value("`odd-name` + 1", ["odd-name": 1]) == 2)
        #expect(try Expression("a * a + b - a").inputs == ["a", "b"])
        #expect(try value("a + 1") == nil)  // no value yet
    }

    @Test func functions() throws {
        #expect(try value("abs(-3)") == 3)
        #expect(try value("sqrt(16)") == 4)
        #expect(try value("min(4, 2, 3)") == 2)
        #expect(try value("max(a, b)", ["a": -1, "b": -5]) == -1)
        #expect(try value("max(1, min(5, 3) * 2) + abs(-(2 - 5))") == 9)
    }

    @Test func nonFiniteResultsGiveNoValue() throws {
        #expect(try value("1 / 0") == nil)
        #expect(try value("a / (b - b)", ["a": 1, "b": 2]) == nil)
        #expect(try value("0 / 0") == nil)
        #expect(try value("sqrt(-1)") == nil)
    }

    @Test func errorsNameTheColumn() {
        func error(_ source: String) -> String {
            do {
                _ = try Expression(source)
                return "no error"
            } catch {
                return error.description
            }
        }
        #expect(error("temp_out)") == "unexpected ')' at column 9")
        #expect(error("(a + b") == "expected ')', got end of expression at column 7")
        #expect(error("a +") == "expected a number, a metric name or '(', got end of expression at column 4")
        #expect(error("a $ b") == "unexpected '$' at column 3")
        #expect(error("foo(1)") == "unknown function 'foo' (known: abs, sqrt, min, max) at column 1")
        #expect(error("1 + abs(1, 2)") == "abs takes 1 argument, got 2 at column 5")
        #expect(error("min(1)") == "min takes at least 2 arguments, got 1 at column 1")
        #expect(error("a b") == "unexpected name 'b' at column 3")
        #expect(error("  ") == "empty expression at column 3")
        #expect(error("1.2.3") == "malformed number '1.2.3' at column 1")
        #expect(error("`x") == "unclosed '`' at column 1")
    }
}

struct RulesDerivedMetricTests {
    @Test func derivedReadingIsFedBackAndUsableByRules() throws {
        let metrics = [DerivedMetricSpec(name: "power_kw", expression: "voltage * current / 1000"),
                       DerivedMetricSpec(name: "power_w2", expression: "power_kw * 2000")]
        var h = try RuleHarness([.on("power_kw", .threshold(Threshold(.above, 3))),
                                 .on("power_w2", .threshold(Threshold(.above, 7000)), name: "w2")], metrics: metrics)
        h.feed("voltage", 1_000, 230)
        #expect(h.derived.isEmpty)  // current has no value yet
        h.feed("current", 2_000, 10)
        #expect(h.derived.map(\.metric) == ["power_kw", "power_w2"])
        #expect(h.derived.first?.value == 2.3)
        #expect(h.derived.first?.timestamp == 2_000)
        #expect(h.twins["pump-1"]?.metrics["power_w2"]?.value == 4600)
        h.feed("current", 3_000, 20)
        #expect(h.transitions.map(\.rule) == ["r", "w2"])
        #expect(h.transitions.first?.value == 4.6)
    }

    @Test func divisionByZeroGivesNoReading() throws {
        var h = try RuleHarness([], metrics: [DerivedMetricSpec(name: "ratio", expression: "a / b")])
        h.feed("a", 0, 1)
        h.feed("b", 0, 0)
        #expect(h.derived.isEmpty)
        h.feed("b", 1_000, 4)
        #expect(h.derived.map(\.value) == [0.25])
    }

    @Test func ruleOnAnExpression() throws {
        let spec = RuleSpec(name: "dt", expression: "temp_out - temp_in",
                            kind: .threshold(Threshold(.above, 15, clear: 12)))
        var h = try RuleHarness([spec])
        h.feed("temp_in", 0, 20)
        h.feed("temp_out", 0, 30)
        h.feed("temp_out", 1_000, 36)
        h.feed("temp_in", 2_000, 23)
        h.feed("temp_in", 3_000, 25)
        #expect(h.timeline == ["raised@1000", "cleared@3000"])
        #expect(h.derived.isEmpty)  // a rule's expression stays private to the rule
        #expect(h.transitions.first?.message == "pump-1: temp_out - temp_in is 16, above 15 (dt)")
    }

    @Test func errorsNameTheMetricAndColumnAndCyclesAreRefused() {
        let error = #expect(throws: RuleError.self) {
            try RuleEngine(rules: [], metrics: [DerivedMetricSpec(name: "delta_t", expression: "temp_out)"),
                                               DerivedMetricSpec(name: "a", expression: "b + 1"),
                                               DerivedMetricSpec(name: "b", expression: "a * 2")])
        }
        #expect(error?.issues.map(\.description) == [
            "metrics.delta_t: unexpected ')' at column 9",
            "metrics.a: is computed from itself (a cycle through the metrics)",
            "metrics.b: is computed from itself (a cycle through the metrics)",
        ])
    }
}
