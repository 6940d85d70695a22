import Foundation
import Testing
import TwinCore
@testable import TwinDaemon

struct RULConfigTests {
    static func model() -> RULModel {
        var data = RULDataset(spec: RULFeatureSpec(metrics: ["a", "b"], window: 5), cap: 30)
        for life in 0..<4 {
            let length = 40 + life * 5
            var readings: [Reading] = []
            for t in 1...length {
                let wear = Double(t) / Double(length)
                readings.append(Reading(asset: "u\(life)", metric: "a", timestamp: Int64(t) * 1_000, value: wear))
                readings.append(Reading(asset: "u\(life)", metric: "b", timestamp: Int64(t) * 1_000, value: -wear))
            }
            data.add(RULLife(asset: "u\(life)", readings: readings, failureTime: Int64(length) * 1_000))
        }
        var trainer = RULTrainer(method: .gbt, folds: 2)
        trainer.boosting = GradientBoosting(trees: 5, maxDepth: 2, minLeaf: 5)
        return trainer.fit(data, twindVersion: "test", created: "now")
    }

    static func directory() throws -> String {
        let path = NSTemporaryDirectory() + "twind-rul-config-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func config(model: String) -> String {
        """
        rules:
          - name: remaining-life
            select: { asset: "engine-*" }
            rul: { model: \(model), horizon: 10s, clear_horizon: 20s }
        """
    }

    @Test func aRulRuleLoadsItsModelRelativeToTheConfigFile() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = Self.model()
        try RULModelFile.write(model, to: "\(dir)/engine.json")
        try Self.config(model: "engine.json").write(toFile: "\(dir)/twind.yaml", atomically: true, encoding: .utf8)
        let config = try TwinConfiguration.load(path: "\(dir)/twind.yaml")
        let rule = try #require(config.rules.first)
        guard case .remainingLife(let life) = rule.kind else {
            Issue.record("expected a rul rule, got \(rule.kind.name)")
            return
        }
        #expect(life.model == model)
        #expect(life.horizon == 10_000 && life.clearHorizon == 20_000 && life.output == "rul")
        #expect(life.modelPath == "\(dir)/engine.json")
        _ = try RuleEngine(rules: config.rules)
    }

    @Test func aMissingOrBrokenModelFileFailsWithTheKeyPath() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.config(model: "nowhere.json").write(toFile: "\(dir)/a.yaml", atomically: true, encoding: .utf8)
        let missing = try #require(throws: ConfigError.self) { try TwinConfiguration.load(path: "\(dir)/a.yaml") }
        #expect(missing.description.contains("rul.model"))
        #expect(missing.description.contains("cannot read"))
        #expect(missing.description.contains("twind model fit"))

        try #"{"format": "twind-rul-model"}"#.write(toFile: "\(dir)/bad.json", atomically: true, encoding: .utf8)
        try Self.config(model: "bad.json").write(toFile: "\(dir)/b.yaml", atomically: true, encoding: .utf8)
        let broken = try #require(throws: ConfigError.self) { try TwinConfiguration.load(path: "\(dir)/b.yaml") }
        #expect(broken.description.contains("is missing"))

        var model = Self.model()
        model.trees!.left[0] = 0
        try RULModelFile.write(model, to: "\(dir)/cyclic.json")
        try Self.config(model: "cyclic.json").write(toFile: "\(dir)/c.yaml", atomically: true, encoding: .utf8)
        let cyclic = try #require(throws: ConfigError.self) { try TwinConfiguration.load(path: "\(dir)/c.yaml") }
        #expect(cyclic.description.contains("node 0 points outside the model"))
    }

    @Test func aRulRuleNeedsAHorizon() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try RULModelFile.write(Self.model(), to: "\(dir)/m.json")
        let yaml = "rules:\n  - name: x\n    rul: { model: \(dir)/m.json }\n"
        let error = try #require(throws: ConfigError.self) { try TwinConfiguration.parse(yaml: yaml) }
        #expect(error.description.contains("rules[0].rul.horizon"), "\(error.description)")
    }
}
