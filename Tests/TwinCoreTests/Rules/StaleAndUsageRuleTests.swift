import Testing
@testable import TwinCore

struct StaleRulesTests {
    private let silent = RuleSpec(name: "silent", selector: .init(asset: "pump-*"),
                                  kind: .stale(Stale(after: 2 * minute, offlineAfter: 10 * minute)))

    @Test func staleThenOfflineThenBack() throws {
        var h = try RuleHarness([silent])
        h.feed("temp", 0, 20)
        h.feed("temp", 0, 20, asset: "fan-1")  // not selected: its status is never touched
        #expect(h.tick(minute).isEmpty)
        #expect(h.statuses.isEmpty)
        let raised = h.tick(2 * minute)
        #expect(raised.map(\.kind) == [.raised])
        #expect(raised.first?.value == nil)
        #expect(raised.first?.message == "pump-1: no reading for 2m (silent)")
        #expect(h.twins["pump-1"]?.status == .stale)
        #expect(h.tick(5 * minute).isEmpty)
        #expect(h.tick(10 * minute).isEmpty)  // offline: a status change, not a second alert
        #expect(h.twins["pump-1"]?.status == .offline)
        h.feed("temp", 11 * minute, 21)
        #expect(h.tick(11 * minute + 1_000).map(\.kind) == [.cleared])
        #expect(h.twins["pump-1"]?.status == .online)
        #expect(h.statuses.map(\.status) == [.stale, .offline, .online])
        #expect(h.twins["fan-1"]?.status == .online)
    }

    @Test func oneMetricAndNoData() throws {
        let spec = RuleSpec(name: "no-temp", metric: "temp", kind: .stale(Stale(after: minute)))
        var h = try RuleHarness([spec])
        h.tick(10 * minute)  // no twins: nothing to say
        #expect(h.transitions.isEmpty)
        h.feed("pressure", 0, 1)  // the asset exists, its temp never came: counts from the asset's first reading
        h.feed("pressure", 5 * minute, 1)
        #expect(h.tick(5 * minute).map(\.kind) == [.raised])
        h.feed("temp", 6 * minute, 20)
        #expect(h.tick(6 * minute).map(\.kind) == [.cleared])
    }

    @Test func tickClockGoingBackwardsCountsAsNoTimePassed() throws {
        var h = try RuleHarness([silent])
        h.feed("temp", 10 * minute, 20)
        #expect(h.tick(0).isEmpty)
        #expect(h.statuses.isEmpty)
        #expect(h.tick(13 * minute).map(\.kind) == [.raised])
        #expect(h.tick(9 * minute).map(\.kind) == [.cleared])
    }
}

struct UsageRulesTests {
    @Test func runHoursAccumulateAndResetOnMaintenance() throws {
        let spec = RuleSpec.on("current", .usage(Usage(.runTime(Threshold(.above, 1)), every: 1, maxGap: 30 * minute)),
                               name: "service")
        var h = try RuleHarness([spec])
        // Running (5 A) for 45 minutes, off 30, running again from 75 min: the hour is reached at 90 min.
        h.series("current", every: 15 * minute, [5, 5, 5, 0, 0, 5])
        #expect(h.rules.state(of: "pump-1")?.usage(of: "service") == 0.75)
        h.feed("current", 90 * minute, 5)
        #expect(h.timeline == ["raised@\(90 * minute)"])
        #expect(h.transitions.first?.message == "pump-1: maintenance due, 1 of 1 since the last one (service)")
        // A gap longer than max_gap adds nothing.
        h.feed("current", 200 * minute, 5)
        #expect(h.rules.state(of: "pump-1")?.usage(of: "service") == 1)

        let cleared = h.rules.resetUsage(asset: "pump-1", counter: "service", at: 205 * minute)
        #expect(cleared.map(\.kind) == [.cleared])
        #expect(h.rules.state(of: "pump-1")?.usage(of: "service") == 0)
        // Counting resumes from the maintenance time, not from the last reading.
        h.feed("current", 215 * minute, 5)
        #expect(abs((h.rules.state(of: "pump-1")?.usage(of: "service") ?? 0) - 10.0 / 60) < 1e-12)
        #expect(h.rules.resetUsage(asset: "pump-1", counter: "other", at: 0).isEmpty)
    }

    @Test func integralOfPower() throws {
        let spec = RuleSpec.on("power_kw", .usage(Usage(.integral(per: 3_600_000), every: 5, counter: "energy")))
        var h = try RuleHarness([spec])
        h.series("power_kw", every: 30 * minute, Array(repeating: 2, count: 7))  // 3 h at 2 kW
        #expect(h.rules.state(of: "pump-1")?.usage(of: "r") == 6)
        #expect(h.timeline == ["raised@\(150 * minute)"])
        #expect(h.rules.resetUsage(asset: "pump-1", counter: "energy", at: 181 * minute).count == 1)
    }

    @Test func cyclesCountRisingEdges() throws {
        let spec = RuleSpec.on("running", .usage(Usage(.cycles(Threshold(.above, 0.5)), every: 3)))
        var h = try RuleHarness([spec])
        h.series("running", every: 1_000, [1, 0, 1, 1, 0, 1, 0, 0])  // the first reading sets the state only
        #expect(h.rules.state(of: "pump-1")?.usage(of: "r") == 2)
        h.feed("running", 8_000, 1)
        #expect(h.timeline == ["raised@8000"])
        h.feed("running", 9_000, 0)
        h.feed("running", 10_000, 1)
        #expect(h.timeline.count == 1)  // one alert per episode
    }
}
