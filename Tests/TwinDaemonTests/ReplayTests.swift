import Foundation
import Testing
import TwinCore
import TwinStore

@testable import TwinDaemon

/// `twind replay`'s engine on a database written through `TwinStore`: what a rule change would raise, and the alert
/// volume before and after it.
struct ReplayTests {
    @Test func volumeBeforeAndAfterARuleChange() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("replay-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try TwinStore(path: directory + "/twind.sqlite")
        defer { try? store.close() }

        // Two pumps over two days, one reading a minute, flapping around 80 °C every hour for 10 minutes.
        let start: Int64 = 1_800_000_000_000, day: Int64 = 86_400_000
        var readings: [Reading] = []
        for pump in ["pump-1", "pump-2"] {
            for minute in 0..<(2 * 24 * 60) {
                let flapping = minute % 60 < 10
                let value = flapping ? (minute % 2 == 0 ? 82.0 : 78.0) : 60.0
                readings.append(Reading(asset: pump, metric: "temp", timestamp: start + Int64(minute) * 60_000,
                                        value: value))
            }
        }
        // What the old rule (threshold at 80, no hysteresis) recorded: 5 raises an hour, per pump.
        let old = try RuleEngine(rules: [.init(name: "hot", metric: "temp", kind: .threshold(Threshold(.above, 80)))])
        var live = TwinModel(rules: old), transitions: [AlertTransition] = [], derived: [Reading] = []
        for r in readings.sorted(by: { $0.timestamp < $1.timestamp }) {
            live.apply(r, transitions: &transitions, derived: &derived)
        }
        try store.commit(IngestBatch(readings: readings, alerts: transitions))
        let reader = try TwinStoreReader(path: directory + "/twind.sqlite")

        // The new one: hysteresis down to 75 and at most one episode an hour.
        var spec = RuleSpec(name: "hot", metric: "temp", kind: .threshold(Threshold(.above, 80, clear: 75)))
        spec.minInterval = 3_600_000
        let replay = try Replay.run(reader: reader, rules: try RuleEngine(rules: [spec]), assetGlob: "*", from: nil,
                                    to: start + 2 * day)
        #expect(replay.assets == 2)
        #expect(replay.span == start...(start + (2 * 24 * 60 - 1) * 60_000))
        let volume = try Replay.volume(replay, recorded: reader, assetGlob: "*", from: nil, to: nil)
        #expect(volume.map(\.rule) == ["hot"])
        let hot = try #require(volume.first)
        #expect(hot.before == 2 * 48 * 5)
        #expect(hot.after == 2 * 48)
        // Per asset and day: 120 before, 24 after (the span is 2 days less a minute).
        #expect(abs(hot.beforePerAssetDay - 120 * (2 * 1_440) / Double(2 * 1_440 - 1)) < 1e-9)
        #expect(abs(hot.afterPerAssetDay - 24 * (2 * 1_440) / Double(2 * 1_440 - 1)) < 1e-9)
    }
}
