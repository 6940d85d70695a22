import Foundation
import Testing
@testable import TwinCore

/// The trend rule on real run-to-failure data: NASA C-MAPSS FD001, sensor 11 (static pressure at the HPC outlet,
/// Ps30), which creeps up as the compressor degrades. One operating cycle is taken as one second.
struct RulesCMAPSSTrendTests {
    static let dataFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../../shared/data/cmapss/train_FD001.txt").standardizedFileURL.path

    /// Sensor 11 per cycle, by engine.
    static func sensor11() throws -> [Int: [Double]] {
        let text = try String(contentsOfFile: dataFile, encoding: .utf8)
        var engines: [Int: [Double]] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 26, let unit = Int(fields[0]), let value = Double(fields[15]) else { continue }
            engines[unit, default: []].append(value)
        }
        return engines
    }

    /// Limit 48.1 (every engine passes it in its last cycles), a 60-cycle window, a 40-cycle horizon.
    static let rule = RuleSpec(name: "ps30-trend", metric: "ps30", severity: .critical,
                               kind: .trend(Trend(Threshold(.above, 48.1), window: 60_000, horizon: 40_000,
                                                  minPoints: 20)))

    /// The cycle at which the rule raised for `series`, or nil.
    static func raisedCycle(_ series: [Double]) throws -> Int? {
        var h = try RuleHarness([rule])
        for (index, value) in series.enumerated() {
            if !h.feed("ps30", Int64(index + 1) * 1_000, value, asset: "engine").isEmpty { return index + 1 }
        }
        return nil
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: dataFile),
                   "C-MAPSS data not found beside the checkout (expected ../shared/data/cmapss/train_FD001.txt)"))
    func engineOneIsFlaggedBeforeItFails() throws {
        let engines = try Self.sensor11()
        let engine1 = try #require(engines[1])
        #expect(engine1.count == 192)
        let raised = try #require(try Self.raisedCycle(engine1))
        // Before failure, with warning time to act, and not in the healthy first half of its life.
        #expect(raised < 192 - 5)
        #expect(raised > 192 / 2)

        var h = try RuleHarness([Self.rule])
        h.series("ps30", from: 1_000, every: 1_000, Array(engine1.prefix(raised)), asset: "engine")
        let ttl = try #require(h.twins["engine"]?.metrics["ps30.ttl_s"])
        #expect(ttl.value < 40)
        #expect(ttl.timestamp == Int64(raised) * 1_000)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: dataFile),
                   "C-MAPSS data not found beside the checkout (expected ../shared/data/cmapss/train_FD001.txt)"))
    func everyEngineIsFlaggedBeforeEndOfLifeAndNoneEarly() throws {
        let engines = try Self.sensor11()
        #expect(engines.count == 100)
        var missed: [Int] = [], early: [Int] = []
        for (unit, series) in engines.sorted(by: { $0.key < $1.key }) {
            guard let cycle = try Self.raisedCycle(series) else {
                missed.append(unit)
                continue
            }
            if cycle < series.count / 2 { early.append(unit) }
        }
        #expect(missed.count <= 2, "no alert before failure: engines \(missed)")
        #expect(early.count <= 2, "alert in the first half of life: engines \(early)")
    }
}
