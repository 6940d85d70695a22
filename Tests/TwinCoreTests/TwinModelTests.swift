import Testing
@testable import TwinCore

/// The twin model: every change goes through it, and a checkpoint takes a batch back exactly.
struct TwinModelTests {
    private func model() throws -> TwinModel {
        TwinModel(rules: try RuleEngine(rules: [
            RuleSpec(name: "hot", metric: "temp", kind: .threshold(Threshold(.above, 80, clear: 75))),
            RuleSpec(name: "run", metric: "current", kind: .usage(Usage(.runTime(Threshold(.above, 1)), every: 1))),
            RuleSpec(name: "silent", kind: .stale(Stale(after: 10_000))),
        ]))
    }

    private func feed(_ m: inout TwinModel, _ asset: String, _ metric: String, _ t: Int64, _ v: Double,
                      _ out: inout [AlertTransition]) {
        var derived: [Reading] = []
        m.apply(Reading(asset: asset, metric: metric, timestamp: t, value: v), transitions: &out, derived: &derived)
    }

    @Test func rollbackPutsBackTouchedAssetsAndForgetsNewOnes() throws {
        var m = try model()
        var out: [AlertTransition] = []
        for t in stride(from: Int64(0), to: 10_000, by: 1_000) {
            feed(&m, "a", "temp", t, 70, &out)
            feed(&m, "a", "current", t, 5, &out)
        }
        let before = (m.twins, m.rules.state(of: "a"))
        var checkpoint = TwinModel.Checkpoint()
        m.remember("a", in: &checkpoint)
        feed(&m, "a", "temp", 10_000, 90, &out)          // raises hot
        m.remember("b", in: &checkpoint)
        feed(&m, "b", "temp", 10_000, 20, &out)          // a new twin
        m.remember("a", in: &checkpoint)                 // already saved: keeps the first
        _ = m.apply(MaintenanceEvent(asset: "a", kind: .service, counter: "run", timestamp: 10_000))
        #expect(out.map(\.rule) == ["hot"])
        #expect(checkpoint.count == 2)
        m.rollback(to: checkpoint)
        #expect(m.twins == before.0)
        #expect(m.rules.state(of: "a") == before.1)
        #expect(m["b"] == nil && m.rules.state(of: "b") == nil)
        // Applying the batch again raises again: the episode was taken back with the rest.
        var again: [AlertTransition] = []
        feed(&m, "a", "temp", 10_000, 90, &again)
        #expect(again.map(\.rule) == ["hot"])
    }

    @Test func tickUndoTakesBackAlertsAndStatuses() throws {
        var m = try model()
        var out: [AlertTransition] = []
        feed(&m, "a", "temp", 0, 70, &out)
        let undo = m.tick(now: 20_000, transitions: &out)
        #expect(out.map(\.rule) == ["silent"] && m["a"]?.status == .stale)
        m.undo(undo)
        #expect(m["a"]?.status == .online)
        var again: [AlertTransition] = []
        m.tick(now: 21_000, transitions: &again)
        #expect(again.map(\.kind) == [.raised])          // raised again: the failed tick left no trace
    }

    @Test func maintenanceGoesThroughTheModel() throws {
        var m = try model()
        var out: [AlertTransition] = []
        feed(&m, "a", "current", 0, 5, &out)
        feed(&m, "a", "current", 3_600_000, 5, &out)     // one run hour: due
        #expect(out.map(\.kind) == [.raised])
        let cleared = m.apply(MaintenanceEvent(asset: "a", kind: .service, counter: "run", timestamp: 3_600_001))
        #expect(cleared.map(\.kind) == [.cleared])
        #expect(m.rules.state(of: "a")?.usage(of: "run") == 0)
        // A failure record without a counter resets no usage.
        #expect(m.apply(MaintenanceEvent(asset: "a", kind: .failure, timestamp: 3_600_002)).isEmpty)
    }
}
